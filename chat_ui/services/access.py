"""The one place that decides who may read or write a conversation.

``access_conversation`` returns what it checked (the conversation, the actor's membership and user row) or raises
the refusal, so a service never repeats membership, mute or ban checks of its own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import Session

from chat_ui.core.errors import ChatError
from db import conversations as conversation_queries
from db import users as user_queries
from db.models import Conversation, ConversationMember, User

ROLE_RANK = conversation_queries.ROLE_RANK


@dataclass(frozen=True, slots=True)
class Access:
    conversation: Conversation
    member: ConversationMember
    user: User
    peer: User | None = None  # the other person of a direct conversation

    @property
    def is_room(self) -> bool:
        return self.conversation.kind == 'room'


def active_user(db: Session, user_id: int) -> User:
    """The actor's row; a banned or vanished account is refused (its session ends with the ban)."""
    return _active(user_queries.get_user(db, user_id=user_id))


def _active(user: User | None) -> User:
    if user is None or user.is_banned:
        raise ChatError('session_ended')
    return user


def access_conversation(db: Session, actor_id: int, conversation_id: int, *, write: bool = False) -> Access:
    """The conversation if the actor is a member (and, for ``write``, not muted); a direct conversation whose
    other person was banned is closed for both."""
    rows = conversation_queries.access_rows(db, user_id=actor_id, conversation_id=conversation_id)
    user, conversation, member = _active(rows.user), rows.conversation, rows.member
    if conversation is None or member is None:
        raise ChatError('not_a_member')
    if conversation.kind == 'direct' and (rows.peer is None or rows.peer.is_banned):
        raise ChatError('peer_unavailable')
    if write and user.is_muted:
        raise ChatError('muted')
    return Access(conversation=conversation, member=member, user=user, peer=rows.peer)


def room_readers(db: Session, conversation: Conversation, user_ids: Collection[int]) -> list[int]:
    """``access_conversation`` for many readers of one room at once: those of ``user_ids`` who may read it."""
    if conversation.kind != 'room' or conversation.id is None:
        raise ValueError('room_readers is for rooms; a direct conversation is checked per reader')
    return conversation_queries.active_members(db, conversation_id=conversation.id, user_ids=user_ids)


def access_room(db: Session, actor_id: int, conversation_id: int) -> Access:
    """A room the actor belongs to (rooms only: member management does not apply to direct conversations)."""
    access = access_conversation(db, actor_id, conversation_id)
    if not access.is_room:
        raise ChatError('not_a_room')
    return access


def outranks(actor_role: str, target_role: str) -> bool:
    """Nobody acts on an equal or higher role."""
    return ROLE_RANK.get(actor_role, 9) < ROLE_RANK.get(target_role, 9)


def chat_user(db: Session, user_id: int) -> User:
    """Someone who can take part in conversations: exists, not banned, not the site admin."""
    user = user_queries.get_user(db, user_id=user_id)
    if user is None or user.is_banned or user.is_admin:
        raise ChatError('peer_unavailable')
    return user
