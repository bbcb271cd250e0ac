"""Queries on messages. Every message belongs to a conversation; rows are ordered by id (ids only grow)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import case, func, or_, update
from sqlmodel import Session, col, select

from . import search_text
from .models import Conversation, ConversationMember, Message, MessageEdit


def add_message(
    session: Session,
    *,
    conversation_id: int,
    sender_id: int,
    kind: str = 'text',
    body: str | None = None,
    file_key: str | None = None,
    file_name: str | None = None,
    file_mime: str | None = None,
    file_size: int | None = None,
    created_at: datetime | None = None,
    reply_to_id: int | None = None,
) -> Message:
    """Insert the message (and its folded text into the search index), make it the conversation's newest and count it
    as read by its sender.

    The conversation's row is locked first: on MariaDB the message's foreign key takes a shared lock on it, and two
    senders each holding that shared lock while both wait to update the row would deadlock."""
    session.exec(select(Conversation.id).where(col(Conversation.id) == conversation_id).with_for_update())
    message = Message(
        reply_to_id=reply_to_id,
        conversation_id=conversation_id,
        sender_id=sender_id,
        kind=kind,
        body=body,
        file_key=file_key,
        file_name=file_name,
        file_mime=file_mime,
        file_size=file_size,
    )
    if created_at is not None:
        message.created_at = created_at
    session.add(message)
    session.flush()
    assert message.id is not None
    search_text.index_message(session, message_id=message.id, conversation_id=conversation_id, kind=kind, body=body)
    newest = case(  # never backwards, whatever order concurrent sends commit in
        (func.coalesce(Conversation.last_message_id, 0) < message.id, message.id), else_=Conversation.last_message_id
    )
    session.execute(update(Conversation).where(col(Conversation.id) == conversation_id).values(last_message_id=newest))
    session.execute(
        update(ConversationMember)
        .where(col(ConversationMember.conversation_id) == conversation_id, col(ConversationMember.user_id) == sender_id)
        .values(last_read_id=message.id)
    )
    return message


def window(session: Session, *, conversation_id: int, limit: int, before_id: int | None = None) -> list[Message]:
    """Up to ``limit`` messages of the conversation older than ``before_id`` (or the newest), oldest first."""
    query = select(Message).where(col(Message.conversation_id) == conversation_id)
    if before_id is not None:
        query = query.where(col(Message.id) < before_id)
    rows = session.exec(query.order_by(col(Message.id).desc()).limit(limit)).all()
    return list(reversed(rows))


def newer(session: Session, *, conversation_id: int, after_id: int, limit: int) -> list[Message]:
    """Up to ``limit`` messages newer than ``after_id``, oldest first (catching up after a reconnect)."""
    query = select(Message).where(col(Message.conversation_id) == conversation_id, col(Message.id) > after_id)
    return list(session.exec(query.order_by(col(Message.id)).limit(limit)).all())


def by_ids(session: Session, *, ids: Collection[int]) -> list[Message]:
    """The messages with these ids, newest first."""
    if not ids:
        return []
    return list(session.exec(select(Message).where(col(Message.id).in_(list(ids))).order_by(col(Message.id).desc())))


def get_by_file_key(session: Session, *, file_key: str) -> Message | None:
    return session.exec(select(Message).where(col(Message.file_key) == file_key)).first()


def records(
    session: Session,
    *,
    offset: int,
    limit: int,
    user_id: int | None = None,
    conversation_id: int | None = None,
    only_ids: Collection[int] | None = None,
) -> tuple[Sequence[Message], int]:
    """For the admin, newest first, with the count: every message a user sent, or received in their direct
    conversations; or every message of one conversation; ``only_ids`` keeps those (the search index's matches:
    keyword filtering follows the chat search's matching rule, which SQL ``LIKE`` does not share)."""
    query = select(Message)
    if user_id is not None:
        directs = (
            select(Conversation.id)
            .join(ConversationMember, col(ConversationMember.conversation_id) == Conversation.id)
            .where(col(ConversationMember.user_id) == user_id, col(Conversation.kind) == 'direct')
        )
        query = query.where(or_(col(Message.sender_id) == user_id, col(Message.conversation_id).in_(directs)))
    if conversation_id is not None:
        query = query.where(col(Message.conversation_id) == conversation_id)
    if only_ids is not None:
        query = query.where(col(Message.id).in_(list(only_ids)))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Message.id).desc()).offset(offset).limit(limit)).all()
    return rows, total


def conversation_state(session: Session, *, conversation_id: int) -> tuple[int, int, int]:
    """``(newest id, message count, revision)``: changes whenever a message is added, deleted or changed."""
    newest, count = session.exec(
        select(func.max(Message.id), func.count()).where(col(Message.conversation_id) == conversation_id)
    ).one()
    revision = session.exec(select(Conversation.revision).where(col(Conversation.id) == conversation_id)).first()
    return newest or 0, count, revision or 0


def bodies_after(session: Session, *, conversation_id: int, after_id: int = 0) -> list[tuple[int, str | None]]:
    """``(id, body)`` of every message of the conversation newer than ``after_id``, oldest first; ``body`` is None
    for anything but text."""
    query = select(Message.id, Message.kind, Message.body).where(
        col(Message.conversation_id) == conversation_id, col(Message.id) > after_id
    )
    rows = session.exec(query.order_by(col(Message.id))).all()
    return [(message_id, body if kind == 'text' else None) for message_id, kind, body in rows if message_id is not None]


def get_message(session: Session, *, message_id: int, lock: bool = False) -> Message | None:
    """One message; ``lock`` takes its row lock (``FOR UPDATE`` on MySQL/MariaDB) until the transaction ends."""
    query = select(Message).where(col(Message.id) == message_id)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def sent_since(session: Session, *, sender_id: int, since: datetime) -> int:
    """How many messages the user has sent (in any conversation) at or after ``since``."""
    query = select(func.count()).where(col(Message.sender_id) == sender_id, col(Message.created_at) >= since)
    return int(session.exec(query).one())


def keep_history(session: Session, *, message: Message, action: str, at: datetime) -> None:
    """Keep the message's current text (None for a file) in its history before it changes."""
    assert message.id is not None
    session.add(MessageEdit(message_id=message.id, body=message.body, action=action, edited_at=at))
    session.flush()


def history(session: Session, *, message_ids: Collection[int]) -> dict[int, list[MessageEdit]]:
    """The earlier versions of these messages, oldest first, by message id."""
    if not message_ids:
        return {}
    rows = session.exec(
        select(MessageEdit).where(col(MessageEdit.message_id).in_(list(message_ids))).order_by(col(MessageEdit.id))
    ).all()
    found: dict[int, list[MessageEdit]] = {}
    for row in rows:
        found.setdefault(row.message_id, []).append(row)
    return found


def around(
    session: Session, *, conversation_id: int, message_id: int, before: int, after: int
) -> tuple[list[Message], bool, bool]:
    """The message with up to ``before`` older and ``after`` newer ones of its conversation, oldest first; and
    whether still older / newer messages exist. Empty when the message is not in that conversation."""
    in_conversation = col(Message.conversation_id) == conversation_id
    target = session.exec(select(Message).where(in_conversation, col(Message.id) == message_id)).first()
    if target is None:
        return [], False, False
    older = session.exec(
        select(Message)
        .where(in_conversation, col(Message.id) < message_id)
        .order_by(col(Message.id).desc())
        .limit(before + 1)
    ).all()
    newer_rows = session.exec(
        select(Message).where(in_conversation, col(Message.id) > message_id).order_by(col(Message.id)).limit(after + 1)
    ).all()
    rows = [*reversed(older[:before]), target, *newer_rows[:after]]
    return rows, len(older) > before, len(newer_rows) > after
