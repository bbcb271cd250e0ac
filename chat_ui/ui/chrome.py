"""The chrome of every signed-in page: the header (with the shown name kept live and ``goto-profile``) and the
admin's announcement banner. ``await SignedInChrome.load(session)`` reads what it needs; ``frame(...)`` draws it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from nicegui import ui

from chat_ui.core.views import AnnouncementView
from chat_ui.live.events import LiveEvent, ProfileChanged
from chat_ui.services import announcements
from chat_ui.ui.guard import PROFILE_PATH, PageSession
from chat_ui.ui.theme import signed_in_frame
from chat_ui.ui.widgets.announcement_banner import AnnouncementBanner


class SignedInChrome:
    def __init__(self, session: PageSession, announcement: AnnouncementView | None) -> None:
        self.session = session
        self.announcement = announcement
        self.current_user: ui.label | None = None

    @classmethod
    async def load(cls, session: PageSession) -> SignedInChrome:
        """The admin sees their own announcement whether dismissed or not; everyone else unless dismissed."""
        info = session.info
        return cls(session, await announcements.current(None if info.is_admin else info))

    @contextmanager
    def frame(
        self,
        title_key: str,
        *,
        on_logout: Callable,
        profile_button: bool = True,
        header_tools: Callable[[], None] | None = None,
    ) -> Iterator[None]:
        on_profile = self.session.guarded(lambda: ui.navigate.to(PROFILE_PATH)) if profile_button else None
        with signed_in_frame(
            title_key,
            username=self.session.info.shown_name,
            on_logout=on_logout,
            on_profile=on_profile,
            header_tools=header_tools,
        ) as self.current_user:
            yield
        AnnouncementBanner(self.session, self.announcement)
        self.session.add_listener(self.on_event)

    def on_event(self, event: LiveEvent) -> Any:
        match event:
            case ProfileChanged(user_id=user_id, display_name=shown, username=login) if (
                user_id == self.session.info.user_id and self.current_user is not None
            ):
                self.current_user.set_text(shown or login)
        return None
