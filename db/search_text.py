"""The search index of text messages: each text message's folded body in ``message_texts``, clustered by
``(conversation_id, message_id)``, so one conversation is one contiguous range on both databases.

Matching is exactly ``fold(keyword) in fold(body)`` (the rule of ``chat_ui.services.text_match``, which re-exports
``fold`` from here because ``db`` imports nothing of ``chat_ui``):

- **Exact scan** (both databases, every keyword): ``instr(folded, :needle) > 0`` over the conversation's range.
  ``instr`` takes its argument literally (no ``%``/``_``/``\\`` wildcards) and compares code points
  (``utf8mb4_bin`` on MariaDB), so the database does what Python's ``in`` does on the folded texts.
- **SQLite, needles of 3+ characters**: the FTS5 table ``message_search`` (``trigram`` tokenizer, case-sensitive,
  because its input is already folded) first proposes candidates across all conversations; when there are at most
  ``FTS_BUDGET`` of them, only those rows of the conversation are checked with ``instr``. More candidates than that
  means the keyword is common and the scan of the conversation is cheaper. Either way the result is the scan's.
  SQLite triggers keep ``message_search`` equal to ``message_texts``.

Maintenance: :func:`index_message` on insert (``db.messages.add_message`` calls it), :func:`reindex_message` after
a message's kind or body changed (edit, recall), :func:`drop_message` when a message stops being searchable. Rows
go away with their message by ``ON DELETE CASCADE`` (clearing a history, deleting a conversation or a user).
A future migration that rebuilds ``messages`` on SQLite (copy, drop, rename) cascades that drop into this table:
it must call :func:`rebuild` afterwards.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import sqlalchemy as sa
from sqlalchemy import delete, insert, select, text
from sqlmodel import Session, col

from .models import Message, MessageText

FTS_MIN_CHARS = 3
FTS_BUDGET = 5_000

_BEFORE_CASEFOLD = str.maketrans({'\u0130': 'i'})


def fold(text: str) -> str:
    """The comparison form of a text: ``str.casefold`` after ``İ`` -> ``i`` (see ``chat_ui.services.text_match``)."""
    return text.translate(_BEFORE_CASEFOLD).casefold()


def searchable(kind: str, body: str | None) -> bool:
    return kind == 'text' and bool(body)


def index_message(session: Session, *, message_id: int, conversation_id: int, kind: str, body: str | None) -> None:
    """Add a new message to the index (nothing for non-text messages)."""
    if searchable(kind, body):
        assert body is not None
        session.execute(
            insert(MessageText).values(conversation_id=conversation_id, message_id=message_id, folded=fold(body))
        )


def drop_message(session: Session, *, message_id: int) -> None:
    """The message is no longer found by search (removed, recalled)."""
    session.execute(delete(MessageText).where(col(MessageText.message_id) == message_id))


def reindex_message(session: Session, *, message_id: int) -> None:
    """Make the index follow the message's current kind and body (call after an edit or recall, in the same
    transaction); a message that no longer exists is dropped."""
    row = session.execute(
        select(col(Message.conversation_id), col(Message.kind), col(Message.body)).where(col(Message.id) == message_id)
    ).first()
    drop_message(session, message_id=message_id)
    if row is not None:
        conversation_id, kind, body = row
        index_message(session, message_id=message_id, conversation_id=conversation_id, kind=kind, body=body)


def index_rows(session: Session, rows: Iterable[tuple[int, int, str | None, str | None]]) -> int:
    """Bulk form of :func:`index_message` for ``(message_id, conversation_id, kind, body)`` rows (migration, bench
    data); returns the number of rows indexed."""
    values = [
        {'conversation_id': conversation_id, 'message_id': message_id, 'folded': fold(body or '')}
        for message_id, conversation_id, kind, body in rows
        if searchable(kind or '', body)
    ]
    if values:
        session.execute(insert(MessageText), values)
    return len(values)


def _scan(ids: Collection[int], needle: str, *, with_conversation: bool = False):  # type: ignore[no-untyped-def]
    columns = (col(MessageText.message_id), col(MessageText.conversation_id))
    return (
        select(*columns[: 2 if with_conversation else 1])
        .where(col(MessageText.conversation_id).in_(list(ids)), text('instr(folded, :needle) > 0'))
        .params(needle=needle)
        .order_by(col(MessageText.message_id).desc())
    )


def _fts_proposes_few(session: Session, phrase: str) -> bool:
    """Whether the trigram index proposes at most ``FTS_BUDGET`` messages (across all conversations)."""
    found = session.execute(
        text('SELECT count(*) FROM (SELECT 1 FROM message_search WHERE message_search MATCH :phrase LIMIT :limit)'),
        {'phrase': phrase, 'limit': FTS_BUDGET + 1},
    ).scalar_one()
    return int(found) <= FTS_BUDGET


def _matching(  # type: ignore[no-untyped-def]
    session: Session, conversation_ids: Collection[int], needle: str, *, with_conversation: bool = False
):
    """The query of matching ids (newest first), with trigram candidates on SQLite when they are few."""
    query = _scan(conversation_ids, needle, with_conversation=with_conversation)
    if session.get_bind().dialect.name == 'sqlite' and len(needle) >= FTS_MIN_CHARS:
        phrase = '"' + needle.replace('"', '""') + '"'
        if _fts_proposes_few(session, phrase):
            proposed = text('SELECT rowid FROM message_search WHERE message_search MATCH :phrase').columns(
                sa.column('rowid', sa.Integer)
            )
            query = query.where(col(MessageText.message_id).in_(proposed)).params(phrase=phrase)
    return query


def matching_ids(session: Session, *, conversation_ids: Collection[int], keyword: str) -> list[int]:
    """Ids of the text messages of these conversations whose folded body contains the folded keyword, newest first."""
    needle = fold(keyword)
    if not needle or not conversation_ids:
        return []
    return [row[0] for row in session.execute(_matching(session, conversation_ids, needle)).all()]


def matches_by_conversation(
    session: Session, *, conversation_ids: Collection[int], keyword: str
) -> dict[int, list[int]]:
    """The matching message ids of each of these conversations (newest first), in one query."""
    needle = fold(keyword)
    if not needle or not conversation_ids:
        return {}
    found: dict[int, list[int]] = {}
    for message_id, conversation_id in session.execute(
        _matching(session, conversation_ids, needle, with_conversation=True)
    ).all():
        found.setdefault(int(conversation_id), []).append(int(message_id))
    return found


def count_and_newest(session: Session, *, conversation_id: int, keyword: str, limit: int) -> tuple[int, list[int]]:
    """``(number of matches, ids of the newest limit of them)`` in one pass (``COUNT(*) OVER ()``): the ids of a
    big result never travel to Python (PyMySQL decodes each row in Python)."""
    needle = fold(keyword)
    if not needle:
        return 0, []
    matching = _matching(session, [conversation_id], needle).add_columns(sa.func.count().over()).limit(limit)
    rows = session.execute(matching).all()
    return (int(rows[0][1]) if rows else 0), [row[0] for row in rows]


def rebuild(session: Session, *, batch: int = 5_000) -> int:
    """Index every text message again (after a bulk load or a table rebuild); returns the number indexed."""
    session.execute(delete(MessageText))
    after, total = 0, 0
    while True:
        rows = session.execute(
            select(col(Message.id), col(Message.conversation_id), col(Message.kind), col(Message.body))
            .where(col(Message.id) > after)
            .order_by(col(Message.id))
            .limit(batch)
        ).all()
        if not rows:
            return total
        total += index_rows(session, [(r[0], r[1], r[2], r[3]) for r in rows])
        after = rows[-1][0]
