"""The admin's announcement as a floating banner under the header of every signed-in page (hook ``announcement``,
closed for good by ``announcement-dismiss``); it follows ``AnnouncementChanged`` live. The text is shown as text."""

from __future__ import annotations

import contextlib
from typing import Any

from nicegui import ui

from chat_ui.core.errors import ChatError
from chat_ui.core.views import AnnouncementView
from chat_ui.live.events import AnnouncementChanged, LiveEvent
from chat_ui.services import announcements
from chat_ui.ui.guard import PageSession
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid


class AnnouncementBanner:
    def __init__(self, session: PageSession, current: AnnouncementView | None) -> None:
        self.session = session
        self.announcement_id: int | None = None
        with testid(ui.element('div'), 'announcement').classes('announcement-banner') as self.root:
            self.root.props('role=status aria-live=polite')
            ui.icon('campaign').classes('announcement-icon')
            with ui.column().classes('gap-0 min-w-0 flex-1'):
                ui.label(t('announcement_heading')).classes('announcement-heading')
                self.text = ui.label().classes('announcement-text')
            dismiss = testid(ui.button(icon='close', on_click=session.guarded(self.dismiss)), 'announcement-dismiss')
            dismiss.props('flat round dense size=sm').classes('text-amber-900')
            dismiss.props['title'] = t('announcement_dismiss')
        self.show(current)
        session.add_listener(self.on_event)
        session.follow(announcements.ANNOUNCE_TOPIC)

    def show(self, current: AnnouncementView | None) -> None:
        self.announcement_id = current.id if current is not None else None
        self.text.set_text(current.body if current is not None else '')
        self.root.set_visibility(current is not None)

    def on_event(self, event: LiveEvent) -> Any:
        if isinstance(event, AnnouncementChanged):
            if event.announcement_id is None or event.body is None:
                self.show(None)
            else:
                self.show(
                    AnnouncementView(id=event.announcement_id, body=event.body, created_at=self.session.info.expires_at)
                )
        return None

    async def dismiss(self) -> None:
        announcement_id = self.announcement_id
        self.show(None)
        if announcement_id is None or self.session.info.is_admin:
            return  # the admin's own banner only closes on this page: it is their notice
        with contextlib.suppress(ChatError):  # replaced or withdrawn meanwhile: the newer state arrives as an event
            await announcements.dismiss(self.session.info, announcement_id=announcement_id)
