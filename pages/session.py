"""/session/start?ticket=…: where a sign-in ends: the browser gets a new identity holding its new session."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app

from chat_ui.services import accounts, tickets
from chat_ui.ui.guard import SIGN_IN_PATH, browser_id, login_url, start_browser_session

HEADERS = {'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer'}


def register() -> None:
    @app.get(SIGN_IN_PATH, include_in_schema=False)
    async def start(request: Request, ticket: str = '') -> RedirectResponse:
        """Redeem the login form's ticket (once, in the browser that signed in) and land on the user's home."""
        token = tickets.redeem(ticket, browser_id=browser_id(request))
        info = await accounts.current_session(token)
        if token is None or info is None:
            return RedirectResponse(login_url('expired'), status_code=303, headers=HEADERS)
        await start_browser_session(request, token)
        return RedirectResponse('/admin' if info.is_admin else '/', status_code=303, headers=HEADERS)
