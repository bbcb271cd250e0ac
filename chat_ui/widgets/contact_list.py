"""The contact list: one row per person with a live presence dot and an unread counter.

Rows are created once and updated in place (a rebuilt list loses clicks under load).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from ..i18n import t
from ..messaging import ContactView
from ..testid import testid
from .avatar import avatar


class ContactRow:
    """Three elements per person (row, avatar carrying the presence dot, name); the unread badge only when needed.
    Every connected page holds up to 50 of these, so they are kept lean."""

    def __init__(self, contact: ContactView, *, on_select: Callable[[ContactView], Any]) -> None:
        self.contact = contact
        self.unread = 0
        self.badge: ui.badge | None = None
        with testid(ui.item(on_click=lambda: on_select(self.contact)), f'contact-{contact.username}') as self.item:
            self.item.classes('rounded-xl mx-2 my-0.5 px-2 gap-3 items-center').props('clickable')
            self.dot = testid(avatar(contact.username, contact.user_id), f'presence-{contact.username}')
            ui.label(contact.username).classes('font-medium truncate flex-1')
        self.set_online(contact.online)

    def set_online(self, online: bool) -> None:
        self.dot.props(f'data-online={"true" if online else "false"}')

    def set_active(self, active: bool) -> None:
        if not active:
            self.item.classes(remove='bg-blue-50')
            return
        self.item.classes(add='bg-blue-50')
        self.unread = 0
        if self.badge is not None:
            self.badge.set_visibility(False)

    def add_unread(self) -> None:
        self.unread += 1
        if self.badge is None:
            with self.item:
                self.badge = ui.badge(color='primary').props('rounded')
        self.badge.set_text(str(self.unread) if self.unread < 100 else '99+')
        self.badge.set_visibility(True)


class ContactList:
    """A window of contacts (newest conversations first) with a name filter answered by the server.

    ``on_select(contact)`` opens a conversation; ``search(text)`` returns the contacts to show for a filter.
    """

    def __init__(
        self,
        contacts: list[ContactView],
        *,
        on_select: Callable[[ContactView], Any],
        search: Callable[[str], Awaitable[list[ContactView]]],
        limit: int,
    ) -> None:
        self._on_select = on_select
        self._search = search
        self.limit = limit
        self.rows: dict[int, ContactRow] = {}
        self.active_id: int | None = None
        self.filtering = False
        with ui.column().classes('w-full h-full gap-0 no-wrap') as self.root:
            with ui.row().classes('w-full px-3 py-2'):
                box = ui.input(placeholder=t('filter_contacts')).props('dense outlined rounded clearable debounce=250')
                box.classes('w-full').props('maxlength=64')
                with box.add_slot('prepend'):
                    ui.icon('search').classes('text-gray-400')
                box.on_value_change(lambda e: self.filter(e.value or ''))
            with testid(ui.list(), 'contact-list').classes('w-full overflow-y-auto flex-1 pb-2') as self.list:
                self.empty = ui.label().classes('w-full text-center text-gray-400 text-sm py-8')
                self.more = ui.label(t('contacts_more')).classes('w-full text-center text-gray-400 text-xs py-3')
        self._show(contacts)

    def _show(self, contacts: list[ContactView]) -> None:
        for row in self.rows.values():
            self.list.remove(row.item)
        self.rows.clear()
        with self.list:
            for index, contact in enumerate(contacts):
                row = ContactRow(contact, on_select=self._on_select)
                row.item.move(self.list, target_index=index)
                row.set_active(contact.user_id == self.active_id)
                self.rows[contact.user_id] = row
        self._update_notes()

    def _update_notes(self) -> None:
        self.empty.set_text(t('no_matches') if self.filtering else t('no_contacts'))
        self.empty.set_visibility(not self.rows)
        self.more.set_visibility(not self.filtering and len(self.rows) >= self.limit)

    def set_online(self, user_id: int, online: bool) -> None:
        if row := self.rows.get(user_id):
            row.set_online(online)

    def add(self, contact: ContactView) -> None:
        """Someone (new, unbanned, or writing to us from outside the window) goes to the top of the list."""
        if contact.user_id in self.rows or self.filtering:
            return
        with self.list:
            row = ContactRow(contact, on_select=self._on_select)
        row.item.move(self.list, target_index=0)
        self.rows[contact.user_id] = row
        if len(self.rows) > self.limit:
            last = next(i for i in reversed(self.rows) if i not in {self.active_id, contact.user_id})
            self.list.remove(self.rows.pop(last).item)
        self._update_notes()

    def remove(self, user_id: int) -> None:
        """Someone left (banned): their row disappears."""
        row = self.rows.pop(user_id, None)
        if row is not None:
            self.list.remove(row.item)
        if user_id == self.active_id:
            self.active_id = None
        self._update_notes()

    def set_active(self, user_id: int | None) -> None:
        for row_id, row in self.rows.items():
            row.set_active(row_id == user_id)
        self.active_id = user_id

    def note_message(self, peer_id: int, *, unread: bool) -> None:
        """A message in the conversation with ``peer_id``: move it to the top, count it if not open."""
        row = self.rows.get(peer_id)
        if row is None:
            return
        row.item.move(self.list, target_index=0)
        self.rows = {peer_id: row, **{k: v for k, v in self.rows.items() if k != peer_id}}
        if unread:
            row.add_unread()

    async def filter(self, text: str) -> None:
        self.filtering = bool(text.strip())
        self._show(await self._search(text))
