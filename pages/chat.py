"""/: the chat page for signed-in users."""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import context, ui

from chat_ui import auth
from chat_ui.guard import PageSession, forget_token
from chat_ui.i18n import t
from chat_ui.presence import presence
from chat_ui.theme import signed_in_frame


def register() -> None:
    @ui.page('/')
    async def chat_page() -> RedirectResponse | None:
        session = await PageSession.open(admin=False)
        if isinstance(session, RedirectResponse):
            return session
        presence.attach(context.client, user_id=session.info.user_id, session_id=session.info.session_id)

        async def logout() -> None:
            await auth.logout(session.token)
            forget_token()
            ui.navigate.to('/login?notice=logout')

        with signed_in_frame('app_name', username=session.info.username, on_logout=logout):
            with ui.column().classes('w-full items-center justify-center py-24 text-gray-500'):
                ui.icon('chat_bubble_outline').classes('text-6xl text-gray-300')
                ui.label(t('chat_placeholder'))
        return None
