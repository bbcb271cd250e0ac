"""Queries on conversations (direct and rooms) and their members."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import and_, case, delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from .models import Conversation, ConversationMember, Message, MessageMention, User
from .sql import contains

ROLE_RANK = {'owner': 0, 'admin': 1, 'member': 2}
UNREAD_TERMS = 100  # conversations counted per statement (SQLite allows 500 terms in one compound select)
UNREAD_CAP = 1000  # unread messages counted per conversation at most


def direct_pair(user_a: int, user_b: int) -> tuple[int, int]:
    return (user_a, user_b) if user_a < user_b else (user_b, user_a)


def get_conversation(session: Session, *, conversation_id: int) -> Conversation | None:
    return session.get(Conversation, conversation_id)


@dataclass(frozen=True, slots=True)
class AccessRows:
    """What an access check reads: the actor, the conversation, the actor's membership and a direct peer."""

    user: User | None
    conversation: Conversation | None
    member: ConversationMember | None
    peer: User | None


def access_rows(session: Session, *, user_id: int, conversation_id: int) -> AccessRows:
    """The rows an access check needs, in one statement (each is None when it does not exist)."""
    peer = aliased(User)
    query = (
        select(User, Conversation, ConversationMember, peer)
        .select_from(User)
        .outerjoin(Conversation, col(Conversation.id) == conversation_id)
        .outerjoin(
            ConversationMember,
            and_(
                col(ConversationMember.conversation_id) == col(Conversation.id),
                col(ConversationMember.user_id) == user_id,
            ),
        )
        .outerjoin(
            peer,
            or_(
                and_(col(Conversation.direct_lo) == user_id, col(peer.id) == col(Conversation.direct_hi)),
                and_(col(Conversation.direct_hi) == user_id, col(peer.id) == col(Conversation.direct_lo)),
            ),
        )
        .where(col(User.id) == user_id)
    )
    row = session.exec(query).first()
    return AccessRows(None, None, None, None) if row is None else AccessRows(*row)


def find_direct(session: Session, *, user_a: int, user_b: int) -> Conversation | None:
    lo, hi = direct_pair(user_a, user_b)
    query = select(Conversation).where(col(Conversation.direct_lo) == lo, col(Conversation.direct_hi) == hi)
    return session.exec(query).first()


def get_or_create_direct(session: Session, *, user_a: int, user_b: int, now: datetime) -> Conversation:
    """The direct conversation of two people, created with both as members on first use (race-safe: the pair is
    unique, so a concurrent creator's row is found instead)."""
    found = find_direct(session, user_a=user_a, user_b=user_b)
    if found is not None:
        return found
    lo, hi = direct_pair(user_a, user_b)
    try:
        with session.begin_nested():
            conversation = Conversation(kind='direct', visibility='private', direct_lo=lo, direct_hi=hi, created_at=now)
            session.add(conversation)
            session.flush()
            assert conversation.id is not None
            for user_id in (lo, hi):
                session.add(ConversationMember(conversation_id=conversation.id, user_id=user_id, joined_at=now))
            session.flush()
            return conversation
    except IntegrityError:
        found = find_direct(session, user_a=user_a, user_b=user_b)
        assert found is not None
        return found


def create_room(
    session: Session, *, title: str, title_key: str, visibility: str, owner_id: int, now: datetime
) -> Conversation:
    room = Conversation(
        kind='room', title=title, title_key=title_key, visibility=visibility, owner_id=owner_id, created_at=now
    )
    session.add(room)
    session.flush()
    assert room.id is not None
    session.add(ConversationMember(conversation_id=room.id, user_id=owner_id, role='owner', joined_at=now))
    session.flush()
    return room


def rename_room(session: Session, *, conversation_id: int, title: str, title_key: str) -> None:
    session.execute(
        update(Conversation).where(col(Conversation.id) == conversation_id).values(title=title, title_key=title_key)
    )


def get_member(session: Session, *, conversation_id: int, user_id: int) -> ConversationMember | None:
    return session.get(ConversationMember, (conversation_id, user_id))


def member_ids(session: Session, *, conversation_id: int) -> list[int]:
    query = select(ConversationMember.user_id).where(col(ConversationMember.conversation_id) == conversation_id)
    return list(session.exec(query).all())


def co_member_ids(session: Session, *, user_id: int) -> list[int]:
    """Everyone who shares at least one conversation with this user (the user included when in any)."""
    mine = select(ConversationMember.conversation_id).where(col(ConversationMember.user_id) == user_id)
    query = select(ConversationMember.user_id).where(col(ConversationMember.conversation_id).in_(mine)).distinct()
    return list(session.exec(query).all())


def member_ids_of(session: Session, *, conversation_ids: Collection[int]) -> dict[int, list[int]]:
    """The member ids of each of these conversations."""
    found: dict[int, list[int]] = {cid: [] for cid in conversation_ids}
    if not conversation_ids:
        return found
    query = select(ConversationMember.conversation_id, ConversationMember.user_id).where(
        col(ConversationMember.conversation_id).in_(list(conversation_ids))
    )
    for conversation_id, user_id in session.exec(query).all():
        found[conversation_id].append(user_id)
    return found


def members(session: Session, *, conversation_id: int) -> list[tuple[ConversationMember, User]]:
    """Members with their users: owner first, then admins, then members, each by how long they have been in."""
    rank = case(ROLE_RANK, value=col(ConversationMember.role), else_=3)
    query = (
        select(ConversationMember, User)
        .join(User, col(User.id) == ConversationMember.user_id)
        .where(col(ConversationMember.conversation_id) == conversation_id)
        .order_by(rank, col(ConversationMember.joined_at), col(ConversationMember.user_id))
    )
    return [(member, user) for member, user in session.exec(query).all()]


def member_count(session: Session, *, conversation_id: int) -> int:
    query = select(func.count()).where(col(ConversationMember.conversation_id) == conversation_id)
    return int(session.exec(query).one())


def add_member(session: Session, *, conversation_id: int, user_id: int, role: str, now: datetime) -> None:
    session.add(ConversationMember(conversation_id=conversation_id, user_id=user_id, role=role, joined_at=now))
    session.flush()


def remove_member(session: Session, *, conversation_id: int, user_id: int) -> None:
    session.execute(
        delete(ConversationMember).where(
            col(ConversationMember.conversation_id) == conversation_id, col(ConversationMember.user_id) == user_id
        )
    )


def set_role(session: Session, *, conversation_id: int, user_id: int, role: str) -> None:
    session.execute(
        update(ConversationMember)
        .where(col(ConversationMember.conversation_id) == conversation_id, col(ConversationMember.user_id) == user_id)
        .values(role=role)
    )


def set_owner(session: Session, *, conversation_id: int, user_id: int | None) -> None:
    session.execute(update(Conversation).where(col(Conversation.id) == conversation_id).values(owner_id=user_id))


def successor(session: Session, *, conversation_id: int, leaving_id: int) -> ConversationMember | None:
    """Who inherits a room its owner leaves: the longest-standing admin, else the longest-standing member."""
    rank = case({'admin': 0}, value=col(ConversationMember.role), else_=1)
    query = (
        select(ConversationMember)
        .where(
            col(ConversationMember.conversation_id) == conversation_id, col(ConversationMember.user_id) != leaving_id
        )
        .order_by(rank, col(ConversationMember.joined_at), col(ConversationMember.user_id))
        .limit(1)
    )
    return session.exec(query).first()


def mark_read(session: Session, *, conversation_id: int, user_id: int, message_id: int) -> bool:
    """Move the member's read mark forward to ``message_id`` (never back); whether it moved."""
    result = session.execute(
        update(ConversationMember)
        .where(
            col(ConversationMember.conversation_id) == conversation_id,
            col(ConversationMember.user_id) == user_id,
            col(ConversationMember.last_read_id) < message_id,
        )
        .values(last_read_id=message_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def active_members(session: Session, *, conversation_id: int, user_ids: Collection[int]) -> list[int]:
    """Of these users, the members of the conversation whose account is not banned."""
    if not user_ids:
        return []
    query = (
        select(ConversationMember.user_id)
        .join(User, col(User.id) == col(ConversationMember.user_id))
        .where(
            col(ConversationMember.conversation_id) == conversation_id,
            col(ConversationMember.user_id).in_(list(user_ids)),
            col(User.is_banned).is_(False),
        )
    )
    return sorted(session.exec(query).all())


def mark_read_many(session: Session, *, conversation_id: int, user_ids: Collection[int], message_id: int) -> list[int]:
    """Move these members' read marks forward to ``message_id`` (never back); the ids of those whose mark moved.
    Two statements, whatever the number of members."""
    if not user_ids:
        return []
    behind = col(ConversationMember.last_read_id) < message_id
    in_conversation = col(ConversationMember.conversation_id) == conversation_id
    query = select(ConversationMember.user_id).where(
        in_conversation, col(ConversationMember.user_id).in_(list(user_ids)), behind
    )
    moving = sorted(session.exec(query).all())
    if moving:
        session.execute(
            update(ConversationMember)
            .where(in_conversation, col(ConversationMember.user_id).in_(moving), behind)
            .values(last_read_id=message_id)
        )
    return moving


def bump_revision(session: Session, *, conversation_id: int) -> None:
    """The conversation's content changed in place (cleared; later edits and recalls): caches must reload."""
    session.execute(
        update(Conversation).where(col(Conversation.id) == conversation_id).values(revision=Conversation.revision + 1)
    )


def delete_messages(session: Session, *, conversation_id: int) -> list[str]:
    """Delete every message of the conversation; return the stored file keys they referenced."""
    keys = session.exec(
        select(Message.file_key).where(
            col(Message.conversation_id) == conversation_id, col(Message.file_key).is_not(None)
        )
    ).all()
    session.execute(delete(Message).where(col(Message.conversation_id) == conversation_id))
    session.execute(
        update(ConversationMember)
        .where(col(ConversationMember.conversation_id) == conversation_id)
        .values(last_read_id=0)
    )
    bump_revision(session, conversation_id=conversation_id)
    return [key for key in keys if key]


def delete_conversation(session: Session, *, conversation_id: int) -> list[str]:
    """Delete the conversation with its members and messages; return the file keys to remove from disk."""
    keys = delete_messages(session, conversation_id=conversation_id)
    session.execute(delete(ConversationMember).where(col(ConversationMember.conversation_id) == conversation_id))
    session.execute(delete(Conversation).where(col(Conversation.id) == conversation_id))
    return keys


@dataclass(frozen=True, slots=True)
class SidebarRow:
    """One conversation of a user as the sidebar needs it (plain data)."""

    conversation_id: int
    kind: str
    title: str | None
    peer_id: int | None
    peer_name: str | None
    last_message_id: int
    last_read_id: int
    unread: int
    mentions: int = 0
    peer_display: str | None = None
    peer_avatar: str | None = None


def _peer_id_expression(user_id: int):  # type: ignore[no-untyped-def]
    return case(
        (col(Conversation.direct_lo) == user_id, col(Conversation.direct_hi)), else_=col(Conversation.direct_lo)
    )


def sidebar(
    session: Session, *, user_id: int, limit: int, name_filter: str = '', only_ids: Collection[int] | None = None
) -> list[SidebarRow]:
    """The user's conversations, newest activity first, with unread counts and (rooms) unread mentions.

    Direct conversations whose peer is banned are left out. ``name_filter`` (casefolded) keeps rooms whose title or
    direct conversations whose peer's name contains it; ``only_ids`` keeps only those conversations. The rows come
    first (one statement), then :func:`unread_counts` counts only the rows that have something unread.
    """
    peer = User.__table__.alias('peer')  # type: ignore[attr-defined]
    mentions = (
        select(func.count())
        .where(
            col(MessageMention.user_id) == user_id,
            col(MessageMention.conversation_id) == col(ConversationMember.conversation_id),
            col(MessageMention.message_id) > col(ConversationMember.last_read_id),
        )
        .correlate(ConversationMember)
        .scalar_subquery()
    )
    query = (
        sa.select(
            col(Conversation.id),
            col(Conversation.kind),
            col(Conversation.title),
            peer.c.id,
            peer.c.username,
            peer.c.display_name,
            peer.c.avatar_key,
            col(Conversation.last_message_id),
            col(ConversationMember.last_read_id),
            mentions,
        )
        .join(Conversation, col(Conversation.id) == ConversationMember.conversation_id)
        .outerjoin(peer, and_(col(Conversation.kind) == 'direct', peer.c.id == _peer_id_expression(user_id)))
        .where(
            col(ConversationMember.user_id) == user_id,
            or_(col(Conversation.kind) == 'room', peer.c.is_banned.is_(False)),
        )
    )
    if name_filter:
        query = query.where(or_(contains(Conversation.title_key, name_filter), contains(peer.c.name_key, name_filter)))
    if only_ids is not None:
        query = query.where(col(Conversation.id).in_(list(only_ids)))
    query = query.order_by(col(Conversation.last_message_id).desc(), col(Conversation.id).desc()).limit(limit)
    rows = session.execute(query).all()
    counts = unread_counts(session, {cid: read or 0 for cid, *_, last, read, _ in rows if (last or 0) > (read or 0)})
    return [
        SidebarRow(
            conversation_id=cid,
            kind=kind,
            title=title,
            peer_id=peer_id,
            peer_name=peer_name,
            peer_display=peer_display,
            peer_avatar=peer_avatar,
            last_message_id=last_id or 0,
            last_read_id=read_id or 0,
            unread=counts.get(cid, 0),
            mentions=mentioned or 0,
        )
        for (cid, kind, title, peer_id, peer_name, peer_display, peer_avatar, last_id, read_id, mentioned) in rows
    ]


def unread_counts(session: Session, read_marks: dict[int, int]) -> dict[int, int]:
    """How many messages of each conversation are newer than its read mark, counted up to ``UNREAD_CAP`` (a badge
    says "99+" long before that; a count at the cap means at least that many).

    Each count is one range of the messages' key ``(conversation_id, id)`` with both ends given, as one term of a
    ``UNION ALL`` (at most ``UNREAD_TERMS`` per statement): a count correlated with the members' table reads every
    message of the conversation on MariaDB, which cannot bound a range by an outer column (BENCHMARKS.md)."""
    counts: dict[int, int] = {}
    marks = list(read_marks.items())
    for start in range(0, len(marks), UNREAD_TERMS):
        terms = [
            select(sa.literal(conversation_id), func.count()).select_from(
                select(Message.id)
                .where(col(Message.conversation_id) == conversation_id, col(Message.id) > read_id)
                .limit(UNREAD_CAP)
                .subquery()
            )
            for conversation_id, read_id in marks[start : start + UNREAD_TERMS]
        ]
        statement = terms[0] if len(terms) == 1 else sa.union_all(*terms)
        counts.update((int(cid), int(count)) for cid, count in session.execute(statement).all())
    return counts


def conversation_ids_of(session: Session, *, user_id: int) -> list[int]:
    """Every conversation the user is a member of."""
    query = select(ConversationMember.conversation_id).where(col(ConversationMember.user_id) == user_id)
    return list(session.exec(query).all())


def direct_peer_ids(session: Session, *, user_id: int) -> set[int]:
    """Everyone the user has a direct conversation with."""
    query = (
        select(_peer_id_expression(user_id))
        .select_from(ConversationMember)
        .join(Conversation, col(Conversation.id) == ConversationMember.conversation_id)
        .where(col(ConversationMember.user_id) == user_id, col(Conversation.kind) == 'direct')
    )
    return {peer_id for peer_id in session.exec(query).all() if peer_id is not None}  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class RoomRow:
    conversation_id: int
    title: str
    visibility: str
    owner_id: int | None
    owner_name: str | None
    members: int
    messages: int
    created_at: datetime


def _rooms_query(title_filter: str, *, public_only: bool, with_messages: bool):  # type: ignore[no-untyped-def]
    owner = User.__table__.alias('owner')  # type: ignore[attr-defined]
    count_members = (
        select(func.count())
        .where(col(ConversationMember.conversation_id) == col(Conversation.id))
        .correlate(Conversation)
        .scalar_subquery()
    )
    count_messages = (
        select(func.count()).where(col(Message.conversation_id) == col(Conversation.id)).correlate(Conversation)
    ).scalar_subquery()
    query = (
        sa.select(
            col(Conversation.id),
            col(Conversation.title),
            col(Conversation.visibility),
            col(Conversation.owner_id),
            owner.c.username,
            count_members,
            count_messages if with_messages else sa.literal(0),
            col(Conversation.created_at),
        )
        .outerjoin(owner, owner.c.id == col(Conversation.owner_id))
        .where(col(Conversation.kind) == 'room')
    )
    if public_only:
        query = query.where(col(Conversation.visibility) == 'public')
    if title_filter:
        query = query.where(contains(Conversation.title_key, title_filter))
    return query


def _room_rows(rows: Sequence) -> list[RoomRow]:  # type: ignore[type-arg]
    return [
        RoomRow(
            conversation_id=cid,
            title=title or '',
            visibility=visibility,
            owner_id=owner_id,
            owner_name=owner_name,
            members=int(members or 0),
            messages=int(messages or 0),
            created_at=created_at,
        )
        for cid, title, visibility, owner_id, owner_name, members, messages, created_at in rows
    ]


def lobby(session: Session, *, title_filter: str, limit: int) -> list[RoomRow]:
    """Public rooms whose (casefolded) title contains ``title_filter``: the biggest first, then by title."""
    query = _rooms_query(title_filter, public_only=True, with_messages=False)
    query = query.order_by(query.selected_columns[5].desc(), col(Conversation.title_key), col(Conversation.id))
    return _room_rows(session.execute(query.limit(limit)).all())


def rooms_page(session: Session, *, title_filter: str, offset: int, limit: int) -> tuple[list[RoomRow], int]:
    """Every room (public and private) for the admin, by title; and how many there are."""
    query = _rooms_query(title_filter, public_only=False, with_messages=True)
    total_query = select(func.count()).where(col(Conversation.kind) == 'room')
    if title_filter:
        total_query = total_query.where(contains(Conversation.title_key, title_filter))
    total = int(session.exec(total_query).one())
    rows = session.exec(
        query.order_by(col(Conversation.title_key), col(Conversation.id)).offset(offset).limit(limit)
    ).all()  # type: ignore[call-overload]
    return _room_rows(rows), total


def last_read_ids(session: Session, *, conversation_id: int) -> dict[int, int]:
    """How far each member of the conversation has read."""
    query = select(ConversationMember.user_id, ConversationMember.last_read_id).where(
        col(ConversationMember.conversation_id) == conversation_id
    )
    return {user_id: int(read_id or 0) for user_id, read_id in session.exec(query).all()}
