"""The menu of one message and the banner above the composer while replying or editing.

Both exist only while shown: the menu is built for the bubble the user selected (the bubbles themselves are row
data and carry no elements), with only the actions the server allows at that moment (``action-reply``,
``action-edit``, ``action-recall``); each action is checked again by the server when chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from chat_ui.services.message_actions import Choices
from chat_ui.ui.i18n import t
from chat_ui.ui.safe_html import esc, html_block
from chat_ui.ui.testid import testid
from chat_ui.ui.widgets.message_rows import excerpt_of


class MessageMenu:
    """``open(choices, on_reply=…, on_edit=…, on_recall=…)``; the dialog is deleted when it closes."""

    def __init__(self, anchor: ui.element) -> None:
        self.anchor = anchor
        self.dialog: ui.dialog | None = None

    def open(
        self,
        choices: Choices,
        *,
        on_reply: Callable[[], Any],
        on_edit: Callable[[], Any],
        on_recall: Callable[[], Any],
    ) -> None:
        self.close()
        view = choices.message
        preview = (
            excerpt_of(view.body or '') if view.kind == 'text' else (view.attachment.name if view.attachment else '')
        )
        with self.anchor, ui.dialog() as dialog, ui.card().classes('message-menu-card gap-0'):
            testid(dialog, 'message-actions')
            ui.label(f'{view.sender_name}: {preview}').classes('message-menu-preview w-full')
            if choices.reply:
                self._item('action-reply', 'reply', t('action_reply'), on_reply)
            if choices.edit:
                self._item('action-edit', 'edit', t('action_edit'), on_edit)
            if choices.recall:
                self._item('action-recall', 'undo', t('action_recall'), on_recall, negative=True)
        dialog.on('hide', self.close)
        self.dialog = dialog
        dialog.open()

    def _item(self, name: str, icon: str, label: str, action: Callable[[], Any], *, negative: bool = False) -> None:
        async def chosen() -> None:
            self.close()
            with self.anchor:  # the dialog is gone: run in the pane's context (its client, its language)
                result = action()
                if hasattr(result, '__await__'):
                    await result

        button = testid(ui.button(label, icon=icon, on_click=chosen), name)
        button.props('flat no-caps align=left').classes('w-full')
        if negative:
            button.props('color=negative')

    def close(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None and not dialog.is_deleted:
            dialog.delete()


class ComposeBanner:
    """A line above the composer naming what the next send does (``reply-banner`` / ``edit-banner``) with its
    cancel button (``reply-cancel`` / ``edit-cancel``)."""

    def __init__(self, parent: ui.element, *, position: Callable[[], int]) -> None:
        self.parent = parent
        self.position = position
        self.element: ui.row | None = None

    def show(
        self,
        *,
        title: str,
        excerpt: str,
        marker: str,
        cancel_marker: str,
        on_cancel: Callable[[], Any],
        editing: bool,
    ) -> None:
        self.hide()
        with self.parent:
            row = testid(ui.row(), marker).classes('chat-compose-banner no-wrap' + (' editing' if editing else ''))
        row.move(self.parent, target_index=self.position())
        with row:
            ui.icon('edit' if editing else 'reply').classes('text-xl')
            html_block(
                f'<span class="banner-title">{esc(title)}</span><span class="banner-excerpt">{esc(excerpt)}</span>'
            ).classes('banner-text')
            cancel = testid(ui.button(icon='close', on_click=on_cancel), cancel_marker)
            cancel.props('flat round dense size=sm')
            cancel.props['title'] = t('cancel')
        self.element = row

    def hide(self) -> None:
        if self.element is not None:
            if not self.element.is_deleted:
                self.parent.remove(self.element)
            self.element = None
