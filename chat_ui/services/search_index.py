"""Conversation search on the database's search index (``db.search_text``): nothing is held in memory, so the first
search of a conversation is as fast as the next one, results match the database in every server process, and
memory does not grow with the conversations searched.

Matching is ``text_match``'s rule (folded, literal) on both databases. The index follows ``db.messages.add_message``
by itself and drops rows with their messages; code that changes a message's kind or body in place (edit, recall)
calls :func:`reindex_message` in the same transaction, or :func:`drop_message` to take a message out of search.
"""

from __future__ import annotations

from sqlmodel import Session

from db import search_text


class SearchIndex:
    """The interface the services call (kept from the in-memory cache it replaces)."""

    def candidates(self, db: Session, *, conversation_id: int, keyword: str) -> list[int]:
        """Ids of the conversation's text messages containing ``keyword`` by ``text_match``'s rule (the one the
        highlighter marks with), newest first."""
        return search_text.matching_ids(db, conversation_ids=[conversation_id], keyword=keyword)

    def count_and_newest(self, db: Session, *, conversation_id: int, keyword: str, limit: int) -> tuple[int, list[int]]:
        """``(how many match, the newest ``limit`` of their ids)``: what the chat's search shows, in one query."""
        return search_text.count_and_newest(db, conversation_id=conversation_id, keyword=keyword, limit=limit)

    def candidates_in(self, db: Session, *, conversation_ids: list[int], keyword: str) -> list[int]:
        """The same across several conversations (the admin's records filter), newest first."""
        return search_text.matching_ids(db, conversation_ids=conversation_ids, keyword=keyword)

    def by_conversation(self, db: Session, *, conversation_ids: list[int], keyword: str) -> dict[int, list[int]]:
        """The matches of each of these conversations (search everywhere), newest first, in one query."""
        return search_text.matches_by_conversation(db, conversation_ids=conversation_ids, keyword=keyword)

    def clear(self) -> None:
        """Nothing is cached any more; kept so callers (set-up, tests) need not change."""


def reindex_message(db: Session, message_id: int) -> None:
    """The message's text changed (edit) or it stopped being text (recall): search follows its current state."""
    search_text.reindex_message(db, message_id=message_id)


def drop_message(db: Session, message_id: int) -> None:
    """Search no longer finds this message (its row may stay, e.g. as a recall notice)."""
    search_text.drop_message(db, message_id=message_id)


search_index = SearchIndex()
