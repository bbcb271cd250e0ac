"""The sidebar: direct conversations and rooms in one list, newest activity first, each with its unread count;
then people you have not talked to yet. Rows are data of one ``DataList``; a filter is answered by the server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from nicegui import ui

from chat_ui.core.views import ConversationView
from chat_ui.ui.i18n import t
from chat_ui.ui.widgets.avatar import colour_index, initial
from chat_ui.ui.widgets.data_list import DataList

ROW_TEMPLATE = """
<div :class="props.row.cls" :data-testid="(props.row.r ? 'room-' : 'contact-') + props.row.name"
     :data-unread="props.row.u">
  <div v-if="props.row.r" :class="'chat-avatar room-avatar av-' + props.row.c">{{ props.row.i }}</div>
  <div v-else :class="'chat-avatar av-' + props.row.c" :data-testid="'presence-' + props.row.name"
       :data-online="props.row.on"><img v-if="props.row.av" class="avatar-img" alt=""
       :src="'/avatars/' + props.row.av + '/small'"><template v-else>{{ props.row.i }}</template></div>
  <div class="contact-name">{{ props.row.dn }}</div>
  <q-badge v-if="props.row.at" rounded class="mention-badge" label="@" data-testid="mention-badge"
           :data-count="props.row.at"></q-badge>
  <q-badge v-if="props.row.n" rounded color="primary" :label="props.row.n"></q-badge>
</div>
"""
PRESENCE_DELAY = 0.5  # s: presence changes that arrive together (a class signing in) become one update of the list


class Sidebar:
    """A window of conversations keyed by ``ConversationView.key`` (``u<peer id>`` or ``r<room id>``).

    ``on_open(view)`` opens a row; ``search(text)`` returns the rows for a filter; ``on_change()`` runs after each
    change of the rows (the page follows the shown people's presence and the total of unread messages from it).
    """

    def __init__(
        self,
        views: list[ConversationView],
        *,
        on_open: Callable[[ConversationView], Any],
        search: Callable[[str], Awaitable[list[ConversationView]]],
        on_change: Callable[[], None],
        limit: int,
    ) -> None:
        self._on_open = on_open
        self._search = search
        self._on_change = on_change
        self.limit = limit
        self.rows: dict[str, ConversationView] = {}
        self.active: str | None = None
        self.filtering = False
        self._pending: asyncio.TimerHandle | None = None
        box = ui.input(placeholder=t('filter_contacts')).classes('w-full px-3 py-2')
        box.props('dense outlined rounded clearable debounce=250 maxlength=64')
        box.on_value_change(lambda e: self.filter(e.value or ''))
        self.list = DataList('contact-list', ROW_TEMPLATE, classes='contact-table')
        self.list.on_row_click(self._clicked)
        self.note = ui.label().classes('w-full text-center text-gray-400 text-sm py-6')
        self.rows = {view.key: view for view in views}
        self._draw()

    # ------------------------------------------------------------------ reading

    def by_conversation(self, conversation_id: int) -> ConversationView | None:
        return next((view for view in self.rows.values() if view.id == conversation_id), None)

    def peer_ids(self) -> set[int]:
        return {view.peer_id for view in self.rows.values() if view.peer_id is not None}

    @property
    def total_unread(self) -> int:
        return sum(view.unread for view in self.rows.values() if view.id is not None)

    # ------------------------------------------------------------------ changes

    def upsert(self, view: ConversationView, *, top: bool = False) -> None:
        """Add a row (at the top when ``top``) or replace the one with the same key in place."""
        if self.filtering and view.key not in self.rows:
            return
        if top or view.key not in self.rows:
            self.rows = {view.key: view, **{k: v for k, v in self.rows.items() if k != view.key}}
            self._trim(keep=view.key)
        else:
            self.rows[view.key] = view
        self._render()

    def update(self, key: str, **changes: Any) -> None:
        view = self.rows.get(key)
        if view is not None and any(getattr(view, name) != value for name, value in changes.items()):
            self.rows[key] = replace(view, **changes)
            self._render()

    def remove(self, key: str) -> None:
        if self.rows.pop(key, None) is not None:
            if key == self.active:
                self.active = None
            self._render()

    def set_active(self, key: str | None) -> None:
        self.active = key
        self._render()

    def note_message(self, key: str, *, unread: bool, **changes: Any) -> None:
        """A message in that conversation: move it to the top, count it if it is not open (and apply ``changes``)."""
        view = self.rows.get(key)
        if view is None:
            return
        noted = replace(view, unread=view.unread + (1 if unread else 0), **changes)
        if next(iter(self.rows)) == key and self._row(noted) == self._row(view):
            self.rows[key] = noted  # already on top and drawn the same (the open conversation): nothing to send
            return
        self.rows = {
            key: noted,
            **{k: v for k, v in self.rows.items() if k != key},
        }
        self._render()

    def rename_person(self, user_id: int, display: str, avatar: str = '') -> None:
        """Someone's profile changed: their direct row shows the new name and picture."""
        key = f'u{user_id}'
        view = self.rows.get(key)
        if view is not None and (view.title, view.avatar) != (display, avatar):
            self.rows[key] = replace(view, title=display, avatar=avatar)
            self._render()

    def set_online(self, user_id: int, online: bool) -> None:
        key = f'u{user_id}'
        view = self.rows.get(key)
        if view is not None and view.online != online:
            self.rows[key] = replace(view, online=online)
            self._render_later()

    async def filter(self, text: str) -> None:
        self.filtering = bool(text.strip())
        self.show(await self._search(text))

    # ------------------------------------------------------------------ drawing

    def _trim(self, *, keep: str) -> None:
        while len(self.rows) > self.limit:
            last = next(k for k in reversed(self.rows) if k not in {self.active, keep})
            del self.rows[last]

    def _row(self, view: ConversationView) -> dict[str, Any]:
        unread = view.unread
        colour = colour_index(view.peer_id if view.peer_id is not None else (view.id or 0))
        return {
            'id': view.key,
            'name': view.login if not view.is_room and view.login else view.title,
            'dn': view.title,
            'av': view.avatar,
            'r': view.is_room,
            'i': initial(view.title),
            'c': colour,
            'on': 'true' if view.online else 'false',
            'u': unread,
            'n': (unread if unread < 100 else '99+') if unread else 0,
            'at': view.mentions if unread else 0,
            'cls': 'contact-row active' if view.key == self.active else 'contact-row',
        }

    def _render(self) -> None:
        self._draw()
        self._on_change()

    def _draw(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self.list.set_rows([self._row(view) for view in self.rows.values()])
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
        if not self.list.table.is_deleted:
            with self.list.table:
                self._render()

    def show(self, views: list[ConversationView]) -> None:
        """Replace every row (a new filter result, or fresh counts after a reconnect)."""
        self.rows = {view.key: view for view in views}
        self._render()

    async def _clicked(self, key: Any) -> None:
        view = self.rows.get(key)
        if view is not None:
            await self._on_open(view)
