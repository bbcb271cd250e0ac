"""The rendered window of one conversation: messages as row data of a few chunks inside one scroller.

Each chunk is one bare Quasar table (grid mode) whose rows are plain dicts drawn by the bubble template, so a message
costs the server a small dict, not a tree of elements. Live messages are appended to the newest chunk (only that
chunk is sent again) or start a new one; a chunk holding a picture or a player is never rewritten (the browser
redraws a whole chunk on any change), so a playing audio is not interrupted. The scroller is a ``column-reverse``
box, so the browser keeps the newest message in view without any script: its children are, from the bottom up, an
optional note, the chunks from newest to oldest, and the ``load-older`` button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nicegui import events, ui

from chat_ui.core.views import MessageView
from chat_ui.ui.i18n import t
from chat_ui.ui.safe_html import esc
from chat_ui.ui.testid import testid
from chat_ui.ui.widgets.avatar import initial
from chat_ui.ui.widgets.data_list import quasar_table
from chat_ui.ui.widgets.message_rows import BUBBLE_TEMPLATE, excerpt_of, message_row
from chat_ui.ui.widgets.optional_block import OptionalBlock

CHUNK = 25
KEEP = 150


@dataclass
class Chunk:
    element: ui.element
    ids: list[int] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    senders: list[int] = field(default_factory=list)
    frozen: bool = False

    def send(self) -> None:
        """Send the rows as plain data (see ``DataList.set_rows``)."""
        dict.__setitem__(self.element.props, 'rows', list(self.rows))
        self.element.update()


def note_html(text: str) -> str:
    return f'<span class="chat-note">{esc(text)}</span>'


class MessageWindow:
    """``show`` a window, ``prepend`` older messages, ``append`` live ones; at most about ``KEEP`` stay rendered.

    ``on_older`` runs when ``load-older`` is pressed; ``show_senders`` (rooms) names the sender above others' bubbles.
    ``on_menu(id)`` / ``on_quote(id)``: a bubble's ``message-menu`` or its ``reply-quote`` was clicked (the browser
    reports the row's id; only ids of shown messages are passed on). A window shown ``around`` an older message is
    *detached* from the newest messages: live ones are not appended (``load-newer`` goes back to the newest).
    """

    def __init__(
        self,
        *,
        user_id: int,
        on_older: Callable[[], Awaitable[None]],
        show_senders: bool = False,
        on_menu: Callable[[int], Awaitable[None] | None] | None = None,
        on_quote: Callable[[int], Awaitable[None] | None] | None = None,
        on_newer: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.user_id = user_id
        self.show_senders = show_senders
        self._on_older = on_older
        self._on_menu = on_menu
        self._on_quote = on_quote
        self._on_newer = on_newer
        self.detached = False
        self.newer: ui.button | None = None
        self.highlighted: int | None = None  # the quoted or found message shown with ``data-highlight``
        self.scroll = testid(ui.element('div'), 'message-list').classes('chat-scroll')
        self.chunks: list[Chunk] = []
        self.shown: set[int] = set()
        self.note = OptionalBlock(self.scroll, classes='chat-note-row', position=lambda: 0)
        self.older: ui.button | None = None
        self.read_at: int | None = None  # how far the peer has read (read receipts), None: no marker
        self.read_label = ''
        self.marked: int | None = None  # the row that carries the read marker

    @property
    def oldest_id(self) -> int | None:
        return self.chunks[0].ids[0] if self.chunks else None

    @property
    def newest_id(self) -> int | None:
        return max(self.shown) if self.shown else None

    def clear(self) -> None:
        for chunk in self.chunks:
            self.scroll.remove(chunk.element)
        self.chunks.clear()
        self.shown.clear()
        self.highlighted = None
        self.marked = None
        self.set_older(False)
        self.set_detached(False)

    def show(self, views: list[MessageView], *, more: bool, highlight: int | None = None) -> None:
        """Replace everything with ``views`` (oldest first); ``more``: older messages exist; ``highlight``: the
        message a search result opened."""
        self.clear()
        self.highlighted = highlight
        for start in range(0, len(views), CHUNK):
            self._new_chunk(views[start : start + CHUNK], newest=True)
        self.set_older(more)
        self._place_marker()

    def prepend(self, views: list[MessageView], *, more: bool) -> None:
        """Older messages (oldest first) go above the rendered ones, as one chunk (only the newest chunk grows)."""
        fresh = [view for view in views if view.id not in self.shown]
        if fresh:
            self._new_chunk(fresh, newest=False)
        self.set_older(more)
        self._place_marker()

    def show_around(self, views: list[MessageView], *, older: bool, newer: bool, highlight: int) -> None:
        """The window around an older message (``highlight``), detached from the newest ones when ``newer``."""
        self.show(views, more=older)
        self.set_detached(newer)
        self.set_highlight(highlight)

    def set_detached(self, detached: bool) -> None:
        """``load-newer`` exists only while the window does not reach the newest message."""
        self.detached = detached
        if not detached:
            if self.newer is not None:
                self.scroll.remove(self.newer)
                self.newer = None
            return
        if self.newer is None and self._on_newer is not None:
            with self.scroll:
                self.newer = testid(ui.button(t('newer_messages'), icon='south', on_click=self._on_newer), 'load-newer')
            self.newer.props('unelevated no-caps rounded dense size=sm color=primary').classes('chat-newer')
            self.newer.move(self.scroll, target_index=0)

    def chunk_of(self, message_id: int) -> Chunk | None:
        return next((chunk for chunk in self.chunks if message_id in chunk.ids), None)

    def replace(self, view: MessageView) -> bool:
        """An edited or recalled message: its bubble (if shown) and every shown quote of it change in place."""
        changed = False
        for chunk in self.chunks:
            dirty = False
            for index, row in enumerate(chunk.rows):
                if row['id'] == view.id:
                    updated = self._row(view, highlight=bool(row.get('h')))
                    if 'rd' in row:
                        updated['rd'] = row['rd']
                    chunk.rows[index] = updated
                    dirty = changed = True
                elif row.get('rq') == view.id:
                    chunk.rows[index] = self._requote(row, view)
                    dirty = True
            if dirty:
                chunk.send()
        return changed

    def _requote(self, row: dict[str, Any], view: MessageView) -> dict[str, Any]:
        updated = dict(row)
        if view.recalled:
            updated.update(rx=t('quote_recalled'), rr=True)
        elif view.kind == 'text':
            updated['rx'] = excerpt_of(view.body or '')
        return updated

    def set_highlight(self, message_id: int | None) -> None:
        """Mark one bubble ``data-highlight="true"`` (a quoted or found message), unmarking the previous one."""
        for chunk in self.chunks:
            dirty = False
            for index, row in enumerate(chunk.rows):
                wanted = row['id'] == message_id
                if bool(row.get('h')) != wanted:
                    updated = dict(row)
                    if wanted:
                        updated['h'] = True
                    else:
                        updated.pop('h', None)
                    chunk.rows[index] = updated
                    dirty = True
            if dirty:
                chunk.send()
        self.highlighted = message_id

    def append(self, view: MessageView) -> bool:
        """A live message; ``False`` when it is already shown (or the window is detached from the newest)."""
        if view.id in self.shown or self.detached:
            return False
        last = self.chunks[-1] if self.chunks else None
        if last is None or last.frozen or len(last.ids) >= CHUNK or view.kind != 'text':
            self._new_chunk([view], newest=True)
        else:
            self._add(last, view)
            last.send()
        self._trim()
        self._place_marker()
        return True

    def set_note(self, text: str | None) -> None:
        """The line under the messages ("no messages yet", "history cleared"), only while there is one."""
        if text is None:
            self.note.hide()
        else:
            self.note.show(note_html(text))

    def set_older(self, visible: bool) -> None:
        """``load-older`` exists only while there is something older to load."""
        if not visible:
            if self.older is not None:
                self.scroll.remove(self.older)
                self.older = None
            return
        if self.older is None:
            with self.scroll:
                self.older = testid(ui.button(t('load_older'), icon='history', on_click=self._on_older), 'load-older')
            self.older.props('flat no-caps rounded dense size=sm').classes('chat-older')

    def _new_chunk(self, views: list[MessageView], *, newest: bool) -> None:
        with self.scroll:
            element = quasar_table(grid=True).classes('chat-chunk')
            element.add_slot('item', BUBBLE_TEMPLATE)
        if self._on_menu is not None:
            element.on('menu', self._forward(self._on_menu))
        if self._on_quote is not None:
            element.on('quote', self._forward(self._on_quote))
        note = (1 if self.note.element is not None else 0) + (1 if self.newer is not None else 0)
        element.move(self.scroll, target_index=note if newest else note + len(self.chunks))
        chunk = Chunk(element, frozen=any(view.kind != 'text' for view in views))
        for view in views:
            self._add(chunk, view)
        chunk.send()
        if newest:
            self.chunks.append(chunk)
        else:
            self.chunks.insert(0, chunk)

    def _forward(self, handler: Callable[[int], Awaitable[None] | None]) -> Callable[..., Awaitable[None]]:
        """Pass on the id the browser reported, only if it is a message this window shows (or a quote of one that
        a shown bubble carries): whatever a forged event names, nothing else is acted on."""

        async def forward(event: events.GenericEventArguments) -> None:
            args = event.args if isinstance(event.args, list) else [event.args]
            message_id = args[0] if args else None
            if not isinstance(message_id, int) or isinstance(message_id, bool):
                return
            if message_id not in self.shown and not self._quoted(message_id):
                return
            result = handler(message_id)
            if result is not None:
                await result

        return forward

    def _quoted(self, message_id: int) -> bool:
        return any(row.get('rq') == message_id for chunk in self.chunks for row in chunk.rows)

    def _row(self, view: MessageView, *, highlight: bool = False) -> dict[str, Any]:
        return message_row(
            view, mine=view.sender_id == self.user_id, show_sender=self.show_senders, highlight=highlight
        )

    def _add(self, chunk: Chunk, view: MessageView) -> None:
        """Count ``view`` as shown in ``chunk`` and add its row."""
        chunk.ids.append(view.id)
        chunk.senders.append(view.sender_id)
        chunk.rows.append(self._row(view, highlight=view.id == self.highlighted))
        self.shown.add(view.id)

    def rename_sender(self, user_id: int, shown: str, avatar: str = '') -> None:
        """Someone's display name changed: their named bubbles say the new one (only chunks holding them are sent;
        a display-name change is rare, so even a chunk with a player is redrawn)."""
        for chunk in self.chunks:
            changed = False
            for index, sender in enumerate(chunk.senders):
                row = chunk.rows[index]
                if sender == user_id and 'n' in row and (row['n'], row.get('av', '')) != (shown, avatar):
                    chunk.rows[index] = {**row, 'n': shown, 'i': initial(shown), 'av': avatar}
                    changed = True
            if changed:
                chunk.send()

    def _trim(self) -> None:
        """Drop the oldest chunks while more than ``KEEP`` messages are rendered (``load-older`` brings them back)."""
        while len(self.chunks) > 1 and len(self.shown) - len(self.chunks[0].ids) >= KEEP:
            oldest = self.chunks.pop(0)
            self.shown.difference_update(oldest.ids)
            self.scroll.remove(oldest.element)
            self.set_older(True)

    # ------------------------------------------------------------------ read receipts

    def set_read_up_to(self, message_id: int | None, label: str = '') -> None:
        """The peer has read up to ``message_id``: ``label`` ("Read") under the newest own message up to there;
        None removes the marker (no receipts)."""
        self.read_at = message_id
        self.read_label = label
        self._place_marker()

    def _place_marker(self) -> None:
        target = None
        if self.read_at is not None:
            own = [
                message_id
                for chunk in self.chunks
                for message_id, row in zip(chunk.ids, chunk.rows, strict=True)
                if row['m'] and message_id <= self.read_at
            ]
            target = max(own) if own else None
        if target == self.marked:
            return
        if self.marked is not None:
            self._patch(self.marked, None)
        if target is not None:
            self._patch(target, self.read_label)
        self.marked = target

    def _patch(self, message_id: int, read_label: str | None) -> None:
        """Give one row the read marker (or take it away) and send its chunk again."""
        for chunk in self.chunks:
            if message_id in chunk.ids:
                index = chunk.ids.index(message_id)
                row = {key: value for key, value in chunk.rows[index].items() if key != 'rd'}
                if read_label:
                    row['rd'] = read_label
                chunk.rows[index] = row
                chunk.send()
                return
