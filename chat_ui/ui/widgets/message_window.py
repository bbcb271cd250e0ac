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

from nicegui import ui

from chat_ui.core.views import MessageView
from chat_ui.ui.i18n import t
from chat_ui.ui.safe_html import esc
from chat_ui.ui.testid import testid
from chat_ui.ui.widgets.avatar import initial
from chat_ui.ui.widgets.data_list import quasar_table
from chat_ui.ui.widgets.message_rows import BUBBLE_TEMPLATE, message_row
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
    """

    def __init__(self, *, user_id: int, on_older: Callable[[], Awaitable[None]], show_senders: bool = False) -> None:
        self.user_id = user_id
        self.show_senders = show_senders
        self._on_older = on_older
        self.scroll = testid(ui.element('div'), 'message-list').classes('chat-scroll')
        self.chunks: list[Chunk] = []
        self.shown: set[int] = set()
        self.note = OptionalBlock(self.scroll, classes='chat-note-row', position=lambda: 0)
        self.older: ui.button | None = None

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
        self.set_older(False)

    def show(self, views: list[MessageView], *, more: bool) -> None:
        """Replace everything with ``views`` (oldest first); ``more``: older messages exist."""
        self.clear()
        for start in range(0, len(views), CHUNK):
            self._new_chunk(views[start : start + CHUNK], newest=True)
        self.set_older(more)

    def prepend(self, views: list[MessageView], *, more: bool) -> None:
        """Older messages (oldest first) go above the rendered ones, as one chunk (only the newest chunk grows)."""
        fresh = [view for view in views if view.id not in self.shown]
        if fresh:
            self._new_chunk(fresh, newest=False)
        self.set_older(more)

    def append(self, view: MessageView) -> bool:
        """A live message; ``False`` when it is already shown."""
        if view.id in self.shown:
            return False
        last = self.chunks[-1] if self.chunks else None
        if last is None or last.frozen or len(last.ids) >= CHUNK or view.kind != 'text':
            self._new_chunk([view], newest=True)
        else:
            self._add(last, view)
            last.send()
        self._trim()
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
        note = 1 if self.note.element is not None else 0
        element.move(self.scroll, target_index=note if newest else note + len(self.chunks))
        chunk = Chunk(element, frozen=any(view.kind != 'text' for view in views))
        for view in views:
            self._add(chunk, view)
        chunk.send()
        if newest:
            self.chunks.append(chunk)
        else:
            self.chunks.insert(0, chunk)

    def _add(self, chunk: Chunk, view: MessageView) -> None:
        """Count ``view`` as shown in ``chunk`` and add its row."""
        chunk.ids.append(view.id)
        chunk.senders.append(view.sender_id)
        chunk.rows.append(message_row(view, mine=view.sender_id == self.user_id, show_sender=self.show_senders))
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
