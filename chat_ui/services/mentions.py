"""Mentions in rooms: ``@`` + a member's login name, matched by the project's folding rule (``text_match.fold``);
when several names fit, the longest wins. A mention is stored (``message_mentions``) and shown as a highlighted part
of the bubble's text; the sidebar counts a member's unread mentions per room."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from chat_ui.services.text_match import fold
from db import conversations as conversation_queries
from db import mentions as mention_queries
from db import users as user_queries
from db.models import Message


def _word_char(char: str) -> bool:
    return char.isalnum() or char == '_'


def find_mentions(body: str, names: Mapping[int, str]) -> list[int]:
    """``[start, end, user id, ...]`` of each ``@name`` in ``body`` (the span covers the ``@`` and the name as
    written). A mention starts the text or follows a non-word character, and the name ends at a non-word
    character; of the names that fit, the longest wins."""
    if '@' not in body or not names:
        return []
    by_length: dict[int, dict[str, int]] = {}
    for user_id, name in names.items():
        if name:
            by_length.setdefault(len(name), {})[fold(name)] = user_id
    lengths = sorted(by_length, reverse=True)
    found: list[int] = []
    at = body.find('@')
    while at != -1:
        if at > 0 and _word_char(body[at - 1]):
            at = body.find('@', at + 1)
            continue
        end = 0
        for length in lengths:
            stop = at + 1 + length
            if stop > len(body) or (stop < len(body) and _word_char(body[stop])):
                continue
            match = by_length[length].get(fold(body[at + 1 : stop]))
            if match is not None:
                found += [at, stop, match]
                end = stop
                break
        at = body.find('@', max(end, at + 1))
    return found


def record(db: Session, message: Message) -> list[int] | None:
    """Find and store the mentions of a new room text message; what its view carries (None: no mention)."""
    if message.kind != 'text' or not message.body or '@' not in message.body or message.id is None:
        return None
    people = conversation_queries.members(db, conversation_id=message.conversation_id)
    names = {user.id: user.username for _, user in people if user.id is not None}
    found = find_mentions(message.body, names)
    if not found:
        return None
    mention_queries.add_mentions(
        db, message_id=message.id, conversation_id=message.conversation_id, user_ids=found[2::3]
    )
    return found


def rerecord(db: Session, message: Message, *, in_room: bool) -> None:
    """The message's text was edited or recalled: its mentions follow the current text."""
    assert message.id is not None
    mention_queries.drop_mentions(db, message_id=message.id)
    if in_room:
        record(db, message)


def of_messages(db: Session, rows: list[Message]) -> dict[int, list[int]]:
    """The mention spans of stored messages, by message id (recomputed from the stored people's names)."""
    candidates = [row.id for row in rows if row.id is not None and row.kind == 'text' and row.body and '@' in row.body]
    stored = mention_queries.mentioned_in(db, message_ids=candidates)
    if not stored:
        return {}
    names = user_queries.names(db, user_ids={uid for ids in stored.values() for uid in ids})
    spans: dict[int, list[int]] = {}
    for row in rows:
        if row.id in stored and row.body:
            found = find_mentions(row.body, {uid: names[uid] for uid in stored[row.id] if uid in names})
            if found:
                spans[row.id] = found
    return spans
