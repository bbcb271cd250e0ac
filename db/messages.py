"""Queries on messages. A conversation is the pair (user_lo, user_hi); rows are ordered by id."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from .models import Message


def pair(user_a: int, user_b: int) -> tuple[int, int]:
    return (user_a, user_b) if user_a < user_b else (user_b, user_a)


def _in_conversation(user_a: int, user_b: int):  # type: ignore[no-untyped-def]
    lo, hi = pair(user_a, user_b)
    return (col(Message.user_lo) == lo) & (col(Message.user_hi) == hi)


def add_message(
    session: Session,
    *,
    sender_id: int,
    recipient_id: int,
    kind: str = 'text',
    body: str | None = None,
    file_key: str | None = None,
    file_name: str | None = None,
    file_mime: str | None = None,
    file_size: int | None = None,
) -> Message:
    lo, hi = pair(sender_id, recipient_id)
    message = Message(
        user_lo=lo,
        user_hi=hi,
        sender_id=sender_id,
        kind=kind,
        body=body,
        file_key=file_key,
        file_name=file_name,
        file_mime=file_mime,
        file_size=file_size,
    )
    session.add(message)
    session.flush()
    return message


def window(session: Session, *, user_a: int, user_b: int, limit: int, before_id: int | None = None) -> list[Message]:
    """Up to ``limit`` messages of the conversation older than ``before_id`` (or the newest), oldest first."""
    query = select(Message).where(_in_conversation(user_a, user_b))
    if before_id is not None:
        query = query.where(col(Message.id) < before_id)
    rows = session.exec(query.order_by(col(Message.id).desc()).limit(limit)).all()
    return list(reversed(rows))


def escape_like(keyword: str) -> str:
    return keyword.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')


def contains(column: Any, text: str) -> Any:
    """``column LIKE '%text%'`` with ``%``, ``_`` and ``\\`` in ``text`` taken literally."""
    return col(column).like(f'%{escape_like(text)}%', escape='\\')


def text_candidates(session: Session, *, user_a: int, user_b: int, keyword: str) -> list[tuple[int, str]]:
    """``(id, body)`` of the text messages whose body contains ``keyword`` by the database's LIKE, newest first;
    ``%``, ``_`` and ``\\`` in the keyword are literal. For bench/ only: the app searches through
    ``chat_ui.services.search_index``, whose Unicode case folding LIKE does not share (SQLite's LIKE folds ASCII
    only). Plain tuples, not ORM objects: a common word can match tens of thousands of rows."""
    query = select(Message.id, Message.body).where(
        _in_conversation(user_a, user_b), col(Message.kind) == 'text', contains(Message.body, keyword)
    )
    rows = session.exec(query.order_by(col(Message.id).desc())).all()
    return [(message_id, body) for message_id, body in rows if message_id is not None and body is not None]


def by_ids(session: Session, *, ids: Collection[int]) -> list[Message]:
    """The messages with these ids, newest first."""
    if not ids:
        return []
    return list(session.exec(select(Message).where(col(Message.id).in_(list(ids))).order_by(col(Message.id).desc())))


def delete_conversation(session: Session, *, user_a: int, user_b: int) -> list[str]:
    """Delete every message between the two users; return the stored file keys they referenced."""
    keys = session.exec(
        select(Message.file_key).where(_in_conversation(user_a, user_b), col(Message.file_key).is_not(None))
    ).all()
    session.execute(delete(Message).where(_in_conversation(user_a, user_b)))
    return [key for key in keys if key]


def last_message_ids(session: Session, *, user_id: int) -> dict[int, int]:
    """For each peer the user has talked with, the id of their newest message."""
    latest: dict[int, int] = {}
    as_lo = select(Message.user_hi, func.max(Message.id)).where(col(Message.user_lo) == user_id)
    as_hi = select(Message.user_lo, func.max(Message.id)).where(col(Message.user_hi) == user_id)
    for query in (as_lo.group_by(col(Message.user_hi)), as_hi.group_by(col(Message.user_lo))):
        for peer, last_id in session.exec(query).all():
            if last_id is not None:
                latest[peer] = last_id
    return latest


def user_records(session: Session, *, user_id: int, offset: int, limit: int) -> tuple[Sequence[Message], int]:
    """Every message the user sent or received, newest first; and the count. (Filtering by keyword is the search
    index's job, so that it follows the same matching rule as the chat's search.)"""
    query = select(Message).where(or_(col(Message.user_lo) == user_id, col(Message.user_hi) == user_id))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Message.id).desc()).offset(offset).limit(limit)).all()
    return rows, total


def get_by_file_key(session: Session, *, file_key: str) -> Message | None:
    return session.exec(select(Message).where(col(Message.file_key) == file_key)).first()


def conversation_state(session: Session, *, user_a: int, user_b: int) -> tuple[int, int]:
    """``(newest id, message count)`` of the conversation: cheap on the conversation index; changes whenever a
    message is added or the conversation is cleared."""
    lo, hi = pair(user_a, user_b)
    query = select(func.max(Message.id), func.count()).where(col(Message.user_lo) == lo, col(Message.user_hi) == hi)
    newest, count = session.exec(query).one()
    return newest or 0, count


def bodies_after(session: Session, *, user_a: int, user_b: int, after_id: int = 0) -> list[tuple[int, str | None]]:
    """``(id, body)`` of every message of the conversation newer than ``after_id``, oldest first; ``body`` is None
    for anything but text."""
    query = select(Message.id, Message.kind, Message.body).where(
        _in_conversation(user_a, user_b), col(Message.id) > after_id
    )
    rows = session.exec(query.order_by(col(Message.id))).all()
    return [(message_id, body if kind == 'text' else None) for message_id, kind, body in rows if message_id is not None]
