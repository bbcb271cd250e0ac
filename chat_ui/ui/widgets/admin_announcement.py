"""The admin's announcement card: write (``announce-input``), publish or replace (``announce-submit``), withdraw."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from chat_ui.core.views import AnnouncementView
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid


class AnnouncementCard:
    def __init__(
        self,
        current: AnnouncementView | None,
        *,
        on_publish: Callable[[str], Awaitable[Any]],
        on_withdraw: Callable[[], Awaitable[Any]],
    ) -> None:
        with ui.card().classes('w-full rounded-2xl p-4 gap-3'):
            with ui.row().classes('items-center gap-2'):
                ui.icon('campaign').classes('text-2xl text-amber-600')
                ui.label(t('announce_title')).classes('text-lg font-semibold')
            self.current = testid(ui.label(), 'announce-current').classes('text-sm text-gray-600 whitespace-pre-wrap')
            self.input = testid(ui.textarea(placeholder=t('announce_placeholder')), 'announce-input')
            self.input.props('outlined autogrow maxlength=600 counter').classes('w-full')
            with ui.row().classes('w-full justify-end gap-2'):
                self.withdraw = testid(ui.button(t('announce_withdraw'), on_click=on_withdraw), 'announce-withdraw')
                self.withdraw.props('outline no-caps color=grey-8')
                publish = testid(
                    ui.button(t('announce_submit'), icon='send', on_click=lambda: on_publish(self.input.value or '')),
                    'announce-submit',
                )
                publish.props('unelevated no-caps color=primary')
        self.show(current)

    def show(self, current: AnnouncementView | None) -> None:
        self.current.set_text(t('announce_current', body=current.body) if current else t('announce_none'))
        self.withdraw.set_visibility(current is not None)
