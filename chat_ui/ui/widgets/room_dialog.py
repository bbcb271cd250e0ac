"""The dialog that creates a room (title, public or private) and, reused, renames one (title only).

Hooks: ``room-title``, ``room-private``, ``room-create``, ``room-error``. Built when asked, deleted when closed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from chat_ui.core.errors import ChatError
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid

Submit = Callable[[str, bool], Awaitable[None]]


class RoomDialog:
    def __init__(self, anchor: ui.element) -> None:
        self.anchor = anchor
        self.dialog: ui.dialog | None = None

    def ask(self, *, heading: str, button: str, on_submit: Submit, title: str = '', with_privacy: bool = True) -> None:
        """``on_submit(title, private)`` may raise ``ChatError``: its message is shown and the dialog stays."""
        self.close()
        with self.anchor, ui.dialog() as dialog, ui.card().classes('rounded-2xl p-6 gap-3 w-full max-w-sm'):
            ui.label(heading).classes('text-lg font-medium')
            field = testid(ui.input(t('room_title'), value=title), 'room-title').classes('w-full')
            field.props('outlined dense maxlength=64 autofocus')
            private = testid(ui.switch(t('room_private'), value=False), 'room-private')
            private.set_visibility(with_privacy)
            hint = ui.label(t('room_private_hint')).classes('text-xs text-gray-500 -mt-2')
            hint.set_visibility(with_privacy)
            error = testid(ui.label(), 'room-error').classes('text-negative text-sm')
            error.set_visibility(False)
            with ui.row().classes('w-full justify-end gap-2'):
                ui.button(t('cancel'), on_click=lambda: self.close(dialog)).props('flat no-caps')
                create = testid(ui.button(button), 'room-create').props('unelevated no-caps color=primary')

        async def submit() -> None:
            create.props('loading')
            try:
                await on_submit(field.value or '', bool(private.value))
            except ChatError as refusal:
                error.set_text(t(refusal.key, **refusal.params))
                error.set_visibility(True)
                return
            finally:
                if not create.is_deleted:
                    create.props(remove='loading')
            self.close(dialog)

        def mark_state() -> None:
            private.props['data-state'] = 'on' if private.value else 'off'

        create.on_click(submit)
        field.on('keydown.enter', submit)
        private.on_value_change(mark_state)
        mark_state()
        dialog.on('hide', lambda: self.close(dialog))
        self.dialog = dialog
        dialog.open()

    def close(self, dialog: ui.dialog | None = None) -> None:
        """Close ``dialog`` (by default the open one); a late close of an older dialog leaves a newer one open."""
        dialog = dialog or self.dialog
        if dialog is self.dialog:
            self.dialog = None
        if dialog is not None and not dialog.is_deleted:
            dialog.delete()
