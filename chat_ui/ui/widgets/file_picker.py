"""The paperclip: a hidden ``ui.upload`` (hook ``chat-upload``) opened by a round button; and the drop zone, a
``ui.upload`` around the message list that takes files dropped onto it (same rules: the server checks both)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import events, ui

from chat_ui.services.uploads import ACCEPT, MAX_UPLOAD_BYTES, RULES
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import set_props, testid


class FilePicker:
    def __init__(self, *, on_file: Callable[[events.UploadEventArguments], Awaitable[None]]) -> None:
        self._on_file = on_file
        label = t('attach_file')
        button = ui.button(icon='attach_file', on_click=self._pick)
        set_props(button.props('flat round dense'), {'aria-label': label, 'title': label}).classes('text-gray-600')
        self.upload: ui.upload = testid(
            ui.upload(auto_upload=True, max_file_size=MAX_UPLOAD_BYTES, on_upload=self._handle), 'chat-upload'
        )
        set_props(self.upload, {'accept': ACCEPT}).classes('hidden')
        self.upload.on('rejected', self._rejected)

    def _pick(self) -> None:
        self.upload.run_method('pickFiles')

    async def _handle(self, event: events.UploadEventArguments) -> None:
        try:
            await self._on_file(event)
        finally:
            self.upload.reset()

    def _rejected(self, event: events.GenericEventArguments) -> None:
        rejected_notice(event)


def rejected_notice(event: events.GenericEventArguments) -> None:
    """The browser refused the file before sending it: say why (wrong type or too large)."""
    reasons = {entry.get('failedPropValidation') for entry in event.args or [] if isinstance(entry, dict)}
    if 'accept' in reasons:
        message = t('file_type_not_allowed', types=', '.join(RULES))
    else:
        message = t('file_too_large', max_mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    ui.notify(message, type='negative', position='top')


class DropZone:
    """Quasar's uploader as the frame of the message list (its ``list`` slot holds ``stage``): files dragged onto
    the messages are uploaded like the paperclip's, one request each. Quasar shows its drop overlay only while
    something is dragged over it, so clicks and scrolling in the list are untouched. Hook ``chat-drop``."""

    def __init__(self, *, on_file: Callable[[events.UploadEventArguments], Awaitable[None]]) -> None:
        self._on_file = on_file
        self.upload: ui.upload = testid(
            ui.upload(multiple=True, auto_upload=True, max_file_size=MAX_UPLOAD_BYTES, on_upload=self._handle),
            'chat-drop',
        )
        set_props(self.upload.props('flat square'), {'accept': ACCEPT}).classes('chat-drop')
        self.upload.add_slot('header')
        with self.upload.add_slot('list'):
            self.stage = ui.element('div').classes('chat-stage')
        self.upload.on('rejected', rejected_notice)

    async def _handle(self, event: events.UploadEventArguments) -> None:
        try:
            await self._on_file(event)
        finally:  # not reset(): that would abort the other files of the same drop, still on their way
            self.upload.run_method('removeUploadedFiles')
