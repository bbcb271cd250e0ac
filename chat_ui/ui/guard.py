"""Session checks for pages: on page load, on every UI event, and live when the session ends elsewhere."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

from fastapi.responses import RedirectResponse
from nicegui import app, ui

from chat_ui.core.views import SessionInfo
from chat_ui.live.events import SessionEnded
from chat_ui.live.hub import Subscriptions, hub, user_topic
from chat_ui.services import accounts

P = ParamSpec('P')
TOKEN_KEY = 'session_token'
NOTICES = {'replaced', 'banned', 'expired', 'logout', 'registered', 'admin_created'}


def store_token(token: str) -> None:
    app.storage.user[TOKEN_KEY] = token


def stored_token() -> str | None:
    token = app.storage.user.get(TOKEN_KEY)
    return token if isinstance(token, str) else None


def forget_token() -> None:
    app.storage.user.pop(TOKEN_KEY, None)


def login_url(notice: str | None = None) -> str:
    return f'/login?notice={notice}' if notice in NOTICES else '/login'


class PageSession:
    """The signed-in user of one page (one client), kept honest against the server-side session."""

    def __init__(self, token: str, info: SessionInfo) -> None:
        self.token = token
        self.info = info
        self.subscriptions = Subscriptions(hub)
        self.subscriptions.subscribe(user_topic(info.user_id), self._on_event)

    @classmethod
    async def open(cls, *, admin: bool) -> PageSession | RedirectResponse:
        """The page's session, or a redirect: to /login when signed out, to the right home for the role."""
        token = stored_token()
        info = await accounts.current_session(token)
        if info is None:
            forget_token()
            return RedirectResponse(login_url('expired' if token else None))
        if info.is_admin != admin:
            return RedirectResponse('/admin' if info.is_admin else '/')
        return cls(token or '', info)

    def guarded(self, handler: Callable[P, Any]) -> Callable[P, Awaitable[None]]:
        """Wrap a UI event handler so it runs only while the session is still valid."""

        @functools.wraps(handler)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
            if not await self.check():
                return
            result = handler(*args, **kwargs)
            if isinstance(result, Awaitable):
                await result

        return wrapper

    async def check(self) -> bool:
        """Whether the session is still live (refreshing what the page knows of it); if not, the page leaves."""
        if self.subscriptions.closed:
            return False
        info = await accounts.current_session(self.token)
        if info is None or info.user_id != self.info.user_id:
            self.leave('expired')
            return False
        self.info = info
        return True

    def leave(self, notice: str) -> None:
        """Stop every live delivery to this page and send it to /login (the token stays: it is dead server-side,
        and storage may not be ours)."""
        self.subscriptions.cancel_all()
        ui.navigate.to(login_url(notice))

    def _on_event(self, event: Any) -> None:
        if isinstance(event, SessionEnded) and event.session_id == self.info.session_id:
            self.leave(event.reason)
