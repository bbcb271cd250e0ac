"""An in-memory copy of recently searched conversations' texts, so repeated searches do not rescan the database.

Each search first asks the database for the conversation's ``(newest id, count, revision)``; new messages are
appended, and anything else (a cleared or changed conversation) reloads the copy, so results always match the database, also when other
server processes write. Bounded by the total number of messages kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlmodel import Session

from chat_ui.services.text_match import contains, fold
from db import messages as message_queries

MAX_CACHED_MESSAGES = 400_000


@dataclass
class ConversationTexts:
    newest_id: int = 0
    count: int = 0
    revision: int = 0
    ids: list[int] = field(default_factory=list)
    folded: list[str] = field(default_factory=list)

    def extend(self, rows: list[tuple[int, str | None]]) -> None:
        """Add messages newer than those held (non-text ones only count)."""
        for message_id, body in rows:
            if body is not None:
                self.ids.append(message_id)
                self.folded.append(fold(body))
        self.count += len(rows)
        self.newest_id = max([self.newest_id, *(message_id for message_id, _ in rows)])


class SearchIndex:
    def __init__(self, max_messages: int = MAX_CACHED_MESSAGES) -> None:
        self.max_messages = max_messages
        self._entries: OrderedDict[int, ConversationTexts] = OrderedDict()
        self._lock = threading.Lock()

    def candidates(self, db: Session, *, conversation_id: int, keyword: str) -> list[int]:
        """Ids of the conversation's text messages containing ``keyword`` by ``text_match``'s rule (the one the
        highlighter marks with), newest first."""
        texts = self._current(db, conversation_id=conversation_id)
        needle = fold(keyword)
        return [texts.ids[i] for i in range(len(texts.ids) - 1, -1, -1) if contains(texts.folded[i], needle)]

    def candidates_in(self, db: Session, *, conversation_ids: list[int], keyword: str) -> list[int]:
        """The same across several conversations (the admin's records filter), newest first."""
        found = [i for cid in conversation_ids for i in self.candidates(db, conversation_id=cid, keyword=keyword)]
        return sorted(found, reverse=True)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _current(self, db: Session, *, conversation_id: int) -> ConversationTexts:
        newest, count, revision = message_queries.conversation_state(db, conversation_id=conversation_id)
        with self._lock:
            cached = self._entries.pop(conversation_id, None)
        if cached is not None and cached.revision != revision:
            cached = None  # cleared or changed in place: start again
        if cached is not None and (newest, count) != (cached.newest_id, cached.count):
            cached.extend(message_queries.bodies_after(db, conversation_id=conversation_id, after_id=cached.newest_id))
            if (newest, count) != (cached.newest_id, cached.count):
                cached = None  # deleted rows, or rows committed out of id order: start again
        if cached is None:
            cached = ConversationTexts(revision=revision)
            cached.extend(message_queries.bodies_after(db, conversation_id=conversation_id))
        with self._lock:
            self._entries[conversation_id] = cached
            while sum(len(e.ids) for e in self._entries.values()) > self.max_messages and len(self._entries) > 1:
                self._entries.popitem(last=False)
        return cached


search_index = SearchIndex()
