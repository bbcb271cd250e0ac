"""The contact list: one row per person with a live presence dot and an unread counter.

The rows are data in one ``ui.table`` (a Quasar table drawn by a template of property bindings), not a tree of
elements: every connected page holds its list, so a row costs a small dict instead of several NiceGUI elements.
A change (presence, unread, order) updates the data; clicks arrive as ``rowClick`` with the row's id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from nicegui import events, ui

from chat_ui.services.messaging import ContactView
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid
from chat_ui.ui.widgets.avatar import colour_index, initial

ROW_TEMPLATE = """
<q-td :props="props" class="contact-cell">
  <div :class="props.row.cls" :data-testid="'contact-' + props.row.name">
    <div :class="'chat-avatar av-' + props.row.c" :data-testid="'presence-' + props.row.name"
         :data-online="props.row.on">{{ props.row.i }}</div>
    <div class="contact-name">{{ props.row.name }}</div>
    <q-badge v-if="props.row.n" rounded color="primary" :label="props.row.n"></q-badge>
  </div>
</q-td>
"""
PRESENCE_DELAY = 0.5  # s: presence changes that arrive together (a class signing in) become one update of the list
COLUMNS = [{'name': 'contact', 'field': 'name', 'label': '', 'align': 'left'}]


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
        self.rows: dict[int, ContactView] = {}
        self.unread: dict[int, int] = {}
        self.active_id: int | None = None
        self.filtering = False
        self._pending: asyncio.TimerHandle | None = None
        box = ui.input(placeholder=t('filter_contacts')).classes('w-full px-3 py-2')
        box.props('dense outlined rounded clearable debounce=250 maxlength=64')
        box.on_value_change(lambda e: self.filter(e.value or ''))
        self.table = testid(ui.table(columns=COLUMNS, rows=[], row_key='id', pagination=0), 'contact-list')
        self.table.props('flat hide-header hide-bottom').classes('contact-table')
        self.table.add_slot('body-cell-contact', ROW_TEMPLATE)
        self.table.on('rowClick', self._clicked, [[], ['id']])
        self.note = ui.label().classes('w-full text-center text-gray-400 text-sm py-6')
        self._show(contacts)

    def _row(self, contact: ContactView) -> dict[str, Any]:
        unread = self.unread.get(contact.user_id, 0)
        return {
            'id': contact.user_id,
            'name': contact.username,
            'i': initial(contact.username),
            'c': colour_index(contact.user_id),
            'on': 'true' if contact.online else 'false',
            'n': (unread if unread < 100 else '99+') if unread else 0,
            'cls': 'contact-row active' if contact.user_id == self.active_id else 'contact-row',
        }

    def _render(self) -> None:
        """Send the rows as plain data: assigning ``table.rows`` would wrap every row in an observable dict
        (about 1 KB per row and page, kept for as long as the page is open), and the rows are never changed in
        place, only replaced."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        dict.__setitem__(self.table.props, 'rows', [self._row(contact) for contact in self.rows.values()])
        self.table.update()
        if not self.rows:
            self.note.set_text(t('no_matches') if self.filtering else t('no_contacts'))
        elif not self.filtering and len(self.rows) >= self.limit:
            self.note.set_text(t('contacts_more'))
        self.note.set_visibility(not self.rows or (not self.filtering and len(self.rows) >= self.limit))

    def _render_later(self) -> None:
        """Render once, ``PRESENCE_DELAY`` from now, for all the changes that arrive until then."""
        if self._pending is None:
            self._pending = asyncio.get_running_loop().call_later(PRESENCE_DELAY, self._render_in_page)

    def _render_in_page(self) -> None:
        self._pending = None
        if not self.table.is_deleted:
            with self.table:
                self._render()

    def _show(self, contacts: list[ContactView]) -> None:
        self.rows = {contact.user_id: contact for contact in contacts}
        self._render()

    async def _clicked(self, event: events.GenericEventArguments) -> None:
        """Only a row of this list can be opened, whatever id the browser sends."""
        args = event.args if isinstance(event.args, list) else []
        row = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        row_id = row.get('id')
        contact = self.rows.get(row_id) if isinstance(row_id, int) else None
        if contact is not None:
            await self._on_select(contact)

    def set_online(self, user_id: int, online: bool) -> None:
        contact = self.rows.get(user_id)
        if contact is not None and contact.online != online:
            self.rows[user_id] = replace(contact, online=online)
            self._render_later()

    def add(self, contact: ContactView) -> None:
        """Someone (new, unbanned, or writing to us from outside the window) goes to the top of the list."""
        if contact.user_id in self.rows or self.filtering:
            return
        self.rows = {contact.user_id: contact, **self.rows}
        if len(self.rows) > self.limit:
            last = next(i for i in reversed(self.rows) if i not in {self.active_id, contact.user_id})
            del self.rows[last]
            self.unread.pop(last, None)
        self._render()

    def remove(self, user_id: int) -> None:
        """Someone left (banned): their row disappears."""
        self.rows.pop(user_id, None)
        self.unread.pop(user_id, None)
        if user_id == self.active_id:
            self.active_id = None
        self._render()

    def set_active(self, user_id: int | None) -> None:
        self.active_id = user_id
        if user_id is not None:
            self.unread.pop(user_id, None)
        self._render()

    def note_message(self, peer_id: int, *, unread: bool) -> None:
        """A message in the conversation with ``peer_id``: move it to the top, count it if not open."""
        contact = self.rows.get(peer_id)
        if contact is None or (not unread and next(iter(self.rows)) == peer_id):
            return
        self.rows = {peer_id: contact, **{k: v for k, v in self.rows.items() if k != peer_id}}
        if unread:
            self.unread[peer_id] = self.unread.get(peer_id, 0) + 1
        self._render()

    async def filter(self, text: str) -> None:
        self.filtering = bool(text.strip())
        self._show(await self._search(text))
