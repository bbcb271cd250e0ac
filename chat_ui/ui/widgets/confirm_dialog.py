"""A yes/no dialog with the ``confirm-ok`` / ``confirm-cancel`` hooks, built when asked and deleted when closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid


class ConfirmDialog:
    """``anchor`` is the element the dialog is created in (a page keeps no dialog elements while none is open)."""

    def __init__(self, anchor: ui.element) -> None:
        self.anchor = anchor
        self.dialog: ui.dialog | None = None

    def ask(self, text: str, on_ok: Callable[[], Any], *, ok: str | None = None) -> None:
        self.close()
        with self.anchor, ui.dialog() as dialog, ui.card().classes('rounded-2xl p-6 gap-4 max-w-sm'):
            ui.label(text).classes('text-base')
            with ui.row().classes('w-full justify-end gap-2'):
                testid(ui.button(t('cancel'), on_click=self.close), 'confirm-cancel').props('flat no-caps')
                confirm = testid(ui.button(ok or t('confirm'), on_click=lambda: self._confirm(on_ok)), 'confirm-ok')
                confirm.props('unelevated no-caps color=negative')
        dialog.on('hide', self.close)
        self.dialog = dialog
        dialog.open()

    def close(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None and not dialog.is_deleted:
            dialog.delete()

    async def _confirm(self, on_ok: Callable[[], Any]) -> None:
        self.close()
        result = on_ok()
        if hasattr(result, '__await__'):
            await result
