"""A yes/no dialog with the ``confirm-ok`` / ``confirm-cancel`` hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from ..i18n import t
from ..testid import testid


class ConfirmDialog:
    def __init__(self) -> None:
        self._on_ok: Callable[[], Any] | None = None
        with ui.dialog() as self.dialog, ui.card().classes('rounded-2xl p-6 gap-4 max-w-sm'):
            self.text = ui.label().classes('text-base')
            with ui.row().classes('w-full justify-end gap-2'):
                testid(ui.button(t('cancel'), on_click=self.dialog.close), 'confirm-cancel').props('flat no-caps')
                self.ok = testid(ui.button(t('confirm'), on_click=self._confirm), 'confirm-ok')
                self.ok.props('unelevated no-caps color=negative')

    def ask(self, text: str, on_ok: Callable[[], Any], *, ok: str | None = None) -> None:
        self.text.set_text(text)
        self.ok.set_text(ok or t('confirm'))
        self._on_ok = on_ok
        self.dialog.open()

    async def _confirm(self) -> None:
        self.dialog.close()
        if self._on_ok is not None:
            result = self._on_ok()
            if hasattr(result, '__await__'):
                await result
