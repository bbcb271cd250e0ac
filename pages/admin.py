"""/admin: the administrator's panel (admin only; others are sent away)."""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import ui

from chat_ui import auth
from chat_ui.guard import PageSession, forget_token
from chat_ui.i18n import t
from chat_ui.testid import testid
from chat_ui.theme import signed_in_frame


def register() -> None:
    @ui.page('/admin')
    async def admin_page() -> RedirectResponse | None:
        session = await PageSession.open(admin=True)
        if isinstance(session, RedirectResponse):
            return session

        async def logout() -> None:
            await auth.logout(session.token)
            forget_token()
            ui.navigate.to('/login?notice=logout')

        with signed_in_frame('admin_panel', username=session.info.username, on_logout=logout):
            with ui.column().classes('w-full max-w-5xl mx-auto p-6 gap-4'):
                ui.label(t('admin_panel')).classes('text-2xl font-semibold')
                testid(ui.label(t('admin_placeholder')), 'admin-users').classes('text-gray-500')
        return None
