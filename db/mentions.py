"""Queries on mentions: who was mentioned in which room message."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete
from sqlmodel import Session, col, select

from .models import MessageMention


def add_mentions(session: Session, *, message_id: int, conversation_id: int, user_ids: Collection[int]) -> None:
    for user_id in dict.fromkeys(user_ids):
        session.add(MessageMention(message_id=message_id, user_id=user_id, conversation_id=conversation_id))
    session.flush()


def drop_mentions(session: Session, *, message_id: int) -> None:
    """The message's text changed or went away: its mentions no longer count."""
    session.execute(delete(MessageMention).where(col(MessageMention.message_id) == message_id))


def mentioned_in(session: Session, *, message_ids: Collection[int]) -> dict[int, list[int]]:
    """The ids of the people mentioned in each of these messages (only messages with mentions are keys)."""
    if not message_ids:
        return {}
    query = select(MessageMention.message_id, MessageMention.user_id).where(
        col(MessageMention.message_id).in_(list(message_ids))
    )
    found: dict[int, list[int]] = {}
    for message_id, user_id in session.exec(query).all():
        found.setdefault(message_id, []).append(user_id)
    return found
