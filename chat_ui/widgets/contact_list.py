"""The contact list: one row per person with a live presence dot and an unread counter.

Rows are created once and updated in place (a rebuilt list loses clicks under load).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from ..i18n import t
from ..messaging import ContactView
from ..testid import testid
from .avatar import avatar

ONLINE = 'bg-green-500'
OFFLINE = 'bg-gray-300'


class ContactRow:
    def __init__(self, contact: ContactView, *, on_select: Callable[[ContactView], Any]) -> None:
        self.contact = contact
        self.unread = 0
        with testid(ui.item(on_click=lambda: on_select(self.contact)), f'contact-{contact.username}') as self.item:
            self.item.classes('rounded-xl mx-2 my-0.5 px-2').props('clickable')
            with ui.item_section().props('avatar'):
                with ui.element('div').classes('relative'):
                    avatar(contact.username, contact.user_id)
                    self.dot = testid(ui.element('span'), f'presence-{contact.username}')
                    self.dot.classes('absolute bottom-0 right-0 w-3 h-3 rounded-full ring-2 ring-white')
            with ui.item_section():
                ui.label(contact.username).classes('font-medium truncate')
                self.status = ui.label().classes('text-xs text-gray-500')
            with ui.item_section().props('side'):
                self.badge = ui.badge('0', color='primary').props('rounded')
                self.badge.set_visibility(False)
        self.set_online(contact.online)

    def set_online(self, online: bool) -> None:
        self.dot.classes(
            replace=f'absolute bottom-0 right-0 w-3 h-3 rounded-full ring-2 ring-white {ONLINE if online else OFFLINE}'
        )
        self.dot.props(f'data-online={"true" if online else "false"}')
        self.status.set_text(t('online') if online else t('offline'))

    def set_active(self, active: bool) -> None:
        if not active:
            self.item.classes(remove='bg-blue-50')
            return
        self.item.classes(add='bg-blue-50')
        self.unread = 0
        self.badge.set_visibility(False)

    def add_unread(self) -> None:
        self.unread += 1
        self.badge.set_text(str(self.unread) if self.unread < 100 else '99+')
        self.badge.set_visibility(True)


class ContactList:
    """Contacts with a filter box; ``on_select(contact)`` opens a conversation."""

    def __init__(self, contacts: list[ContactView], *, on_select: Callable[[ContactView], Any]) -> None:
        self._on_select = on_select
        self.rows: dict[int, ContactRow] = {}
        self.active_id: int | None = None
        with ui.column().classes('w-full h-full gap-0 no-wrap') as self.root:
            with ui.row().classes('w-full px-3 py-2'):
                search = (
                    ui.input(placeholder=t('filter_contacts'))
                    .props('dense outlined rounded clearable')
                    .classes('w-full')
                )
                search.props('debounce=150')
                with search.add_slot('prepend'):
                    ui.icon('search').classes('text-gray-400')
                search.on_value_change(lambda e: self.filter(e.value or ''))
            with testid(ui.list(), 'contact-list').classes('w-full overflow-y-auto flex-1 pb-2') as self.list:
                for contact in contacts:
                    self.rows[contact.user_id] = ContactRow(contact, on_select=on_select)
            self.empty = ui.label(t('no_contacts')).classes('w-full text-center text-gray-400 text-sm py-8')
            self.empty.set_visibility(not contacts)

    def set_online(self, user_id: int, online: bool) -> None:
        if row := self.rows.get(user_id):
            row.set_online(online)

    def add(self, contact: ContactView) -> None:
        """Someone new (registered or unbanned) joins the list, at the top."""
        if contact.user_id in self.rows:
            return
        with self.list:
            row = ContactRow(contact, on_select=self._on_select)
        row.item.move(self.list, target_index=0)
        self.rows[contact.user_id] = row
        self.empty.set_visibility(False)

    def remove(self, user_id: int) -> None:
        """Someone left (banned): their row disappears."""
        row = self.rows.pop(user_id, None)
        if row is not None:
            self.list.remove(row.item)
        if user_id == self.active_id:
            self.active_id = None
        self.empty.set_visibility(not self.rows)

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
        if unread:
            row.add_unread()

    def filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for row in self.rows.values():
            row.item.set_visibility(needle in row.contact.username.casefold())
