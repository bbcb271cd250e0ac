"""Conversations as the sidebar lists them, direct conversations on first use, and rooms: create, lobby, join,
members and roles, rename, leave, delete. Every rule is checked in the transaction that makes the change, and
every change is published after the commit to the members it concerns."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.views import DIRECT, ROOM, ConversationView, MemberView, RoomSummary, SessionInfo
from chat_ui.live.events import MemberJoined, MemberLeft, RoleChanged, RoomDeleted, RoomRenamed
from chat_ui.live.hub import users
from chat_ui.live.presence import presence
from db import conversations as conversation_queries
from db import users as user_queries
from db.conversations import SidebarRow
from db.models import ROOM_MEMBERS_MAX, Conversation

from .access import Access, access_conversation, access_room, active_user, chat_user, outranks
from .file_store import delete_stored
from .rules.titles import check_title, title_key
from .rules.usernames import username_key
from .work import Work, read, transact

SIDEBAR_SHOWN = 50
FILTER_MAX = 64
LOBBY_SHOWN = 200


def _row_view(row: SidebarRow) -> ConversationView:
    if row.kind == DIRECT:
        return ConversationView(
            id=row.conversation_id,
            kind=DIRECT,
            title=row.peer_display or row.peer_name or '?',
            login=row.peer_name or '',
            avatar=row.peer_avatar or '',
            peer_id=row.peer_id,
            online=row.peer_id is not None and presence.is_online(row.peer_id),
            unread=row.unread,
            last_message_id=row.last_message_id,
        )
    return ConversationView(
        id=row.conversation_id,
        kind=ROOM,
        title=row.title or '',
        unread=row.unread,
        last_message_id=row.last_message_id,
        mentions=row.mentions,
    )


def _conversation_view(access: Access, db: Session) -> ConversationView:
    conversation, member = access.conversation, access.member
    assert conversation.id is not None
    rows = conversation_queries.sidebar(db, user_id=member.user_id, limit=1, only_ids=[conversation.id])
    unread = rows[0].unread if rows else 0
    mentions = rows[0].mentions if rows else 0
    if conversation.kind == DIRECT:
        peer_id = conversation.direct_hi if conversation.direct_lo == member.user_id else conversation.direct_lo
        assert peer_id is not None
        peer = user_queries.get_user(db, user_id=peer_id)
        return ConversationView(
            id=conversation.id,
            kind=DIRECT,
            title=peer.shown_name if peer else '?',
            login=peer.username if peer else '',
            avatar=(peer.avatar_key or '') if peer else '',
            peer_id=peer_id,
            online=presence.is_online(peer_id),
            unread=unread,
            last_message_id=conversation.last_message_id,
        )
    return ConversationView(
        id=conversation.id,
        kind=ROOM,
        title=conversation.title or '',
        visibility=conversation.visibility,
        role=member.role,
        unread=unread,
        last_message_id=conversation.last_message_id,
        mentions=mentions,
    )


def _sidebar(db: Session, user_id: int, name_filter: str, limit: int) -> list[ConversationView]:
    active_user(db, user_id)
    key = username_key(name_filter)
    rows = conversation_queries.sidebar(db, user_id=user_id, limit=limit, name_filter=key)
    views = [_row_view(row) for row in rows]
    if len(views) < limit:
        talked_to = conversation_queries.direct_peer_ids(db, user_id=user_id)
        others = user_queries.list_contacts(
            db, exclude_user_id=user_id, limit=limit - len(views), name_filter=key, exclude_ids=talked_to
        )
        views += [
            ConversationView(
                id=None,
                kind=DIRECT,
                title=u.shown_name,
                login=u.username,
                avatar=u.avatar_key or '',
                peer_id=u.id,
                online=presence.is_online(u.id),
            )
            for u in others
            if u.id is not None
        ]
    return views


async def sidebar(actor: SessionInfo, *, name_filter: str = '', limit: int = SIDEBAR_SHOWN) -> list[ConversationView]:
    """The actor's conversations (newest activity first, with unread counts), then people they have not talked to
    yet, by name; with a filter, only those whose title or name contains it."""
    return await read(_sidebar, actor.user_id, name_filter.strip()[:FILTER_MAX], limit)


async def conversation(actor: SessionInfo, *, conversation_id: int) -> ConversationView:
    """One conversation of the actor, as the sidebar and the header show it."""

    def job(db: Session) -> ConversationView:
        return _conversation_view(access_conversation(db, actor.user_id, conversation_id), db)

    return await read(job)


def _open_direct(work: Work, user_id: int, peer_id: int) -> ConversationView:
    if peer_id == user_id:
        raise ChatError('peer_unavailable')
    active_user(work.db, user_id)
    chat_user(work.db, peer_id)
    direct = conversation_queries.get_or_create_direct(work.db, user_a=user_id, user_b=peer_id, now=clock.now())
    assert direct.id is not None
    return _conversation_view(access_conversation(work.db, user_id, direct.id), work.db)


async def open_direct(actor: SessionInfo, *, peer_id: int) -> ConversationView:
    """The direct conversation with ``peer_id``, created on first use."""
    return await transact(_open_direct, actor.user_id, peer_id)


def _joined(work: Work, room: Conversation, user_id: int, username: str, role: str) -> None:
    assert room.id is not None
    event = MemberJoined(
        conversation_id=room.id,
        user_id=user_id,
        username=username,
        role=role,
        title=room.title or '',
        visibility=room.visibility,
    )
    work.emit(event, users(conversation_queries.member_ids(work.db, conversation_id=room.id)))


def _create_room(work: Work, user_id: int, title: str, private: bool) -> ConversationView:
    user = active_user(work.db, user_id)
    if user.is_admin:
        raise ChatError('admin_cannot_chat')
    try:
        with work.db.begin_nested():
            room = conversation_queries.create_room(
                work.db,
                title=title,
                title_key=title_key(title),
                visibility='private' if private else 'public',
                owner_id=user_id,
                now=clock.now(),
            )
    except IntegrityError as error:
        raise ChatError('room_title_taken', title=title) from error
    _joined(work, room, user_id, user.username, 'owner')
    assert room.id is not None
    return _conversation_view(access_conversation(work.db, user_id, room.id), work.db)


async def create_room(actor: SessionInfo, *, title: str, private: bool) -> ConversationView:
    """A new room with the actor as its owner."""
    return await transact(_create_room, actor.user_id, check_title(title), private)


def _lobby(db: Session, user_id: int, title_filter: str) -> list[RoomSummary]:
    active_user(db, user_id)
    rows = conversation_queries.lobby(db, title_filter=title_filter.casefold(), limit=LOBBY_SHOWN)
    members = conversation_queries.member_ids_of(db, conversation_ids=[row.conversation_id for row in rows])
    return [
        RoomSummary(
            conversation_id=row.conversation_id,
            title=row.title,
            members=row.members,
            online=sum(1 for uid in members[row.conversation_id] if presence.is_online(uid)),
            joined=user_id in members[row.conversation_id],
        )
        for row in rows
    ]


async def lobby(actor: SessionInfo, *, title_filter: str = '') -> list[RoomSummary]:
    """Every public room (biggest first) with its member count and how many members are online."""
    return await read(_lobby, actor.user_id, title_filter.strip()[:FILTER_MAX])


def _check_capacity(db: Session, conversation_id: int) -> None:
    if conversation_queries.member_count(db, conversation_id=conversation_id) >= ROOM_MEMBERS_MAX:
        raise ChatError('room_full', max=ROOM_MEMBERS_MAX)


def _join(work: Work, user_id: int, conversation_id: int) -> ConversationView:
    user = active_user(work.db, user_id)
    room = conversation_queries.get_conversation(work.db, conversation_id=conversation_id)
    if room is None or room.kind != ROOM or room.visibility != 'public' or user.is_admin:
        raise ChatError('room_not_found')
    if conversation_queries.get_member(work.db, conversation_id=conversation_id, user_id=user_id) is None:
        _check_capacity(work.db, conversation_id)
        conversation_queries.add_member(
            work.db, conversation_id=conversation_id, user_id=user_id, role='member', now=clock.now()
        )
        _joined(work, room, user_id, user.username, 'member')
    return _conversation_view(access_conversation(work.db, user_id, conversation_id), work.db)


async def join(actor: SessionInfo, *, conversation_id: int) -> ConversationView:
    """Join a public room (joining one you are in already changes nothing)."""
    return await transact(_join, actor.user_id, conversation_id)


def _members(db: Session, user_id: int, conversation_id: int) -> list[MemberView]:
    access_room(db, user_id, conversation_id)
    return [
        MemberView(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name or '',
            avatar=user.avatar_key or '',
            role=member.role,
            online=presence.is_online(user.id),
        )
        for member, user in conversation_queries.members(db, conversation_id=conversation_id)
        if user.id is not None
    ]


async def members(actor: SessionInfo, *, conversation_id: int) -> list[MemberView]:
    """The room's members: owner, admins, members, each by how long they have been in."""
    return await read(_members, actor.user_id, conversation_id)


def _manager(work: Work, user_id: int, conversation_id: int) -> Access:
    """A room the actor may manage (owner or room admin)."""
    access = access_room(work.db, user_id, conversation_id)
    if access.member.role not in {'owner', 'admin'}:
        raise ChatError('room_not_allowed')
    return access


def _add_member(work: Work, user_id: int, conversation_id: int, username: str) -> MemberView:
    access = _manager(work, user_id, conversation_id)
    target = user_queries.get_user_by_key(work.db, name_key=username_key(username))
    if target is None or target.is_banned or target.is_admin or target.id is None:
        raise ChatError('member_unknown', name=username)
    if conversation_queries.get_member(work.db, conversation_id=conversation_id, user_id=target.id) is not None:
        raise ChatError('member_already', name=target.username)
    _check_capacity(work.db, conversation_id)
    conversation_queries.add_member(
        work.db, conversation_id=conversation_id, user_id=target.id, role='member', now=clock.now()
    )
    _joined(work, access.conversation, target.id, target.username, 'member')
    return MemberView(
        user_id=target.id,
        username=target.username,
        display_name=target.display_name or '',
        avatar=target.avatar_key or '',
        role='member',
        online=presence.is_online(target.id),
    )


async def add_member(actor: SessionInfo, *, conversation_id: int, username: str) -> MemberView:
    """The owner or a room admin adds someone by username."""
    name = username.strip()
    if not name:
        raise ChatError('member_name_required')
    return await transact(_add_member, actor.user_id, conversation_id, name[:FILTER_MAX])


def _left(work: Work, room: Conversation, user_id: int, username: str, by_user_id: int | None) -> None:
    assert room.id is not None
    audience = [*conversation_queries.member_ids(work.db, conversation_id=room.id), user_id]
    event = MemberLeft(
        conversation_id=room.id, user_id=user_id, username=username, by_user_id=by_user_id, title=room.title or ''
    )
    work.emit(event, users(audience))


def _remove_member(work: Work, user_id: int, conversation_id: int, target_id: int) -> None:
    access = _manager(work, user_id, conversation_id)
    target = conversation_queries.get_member(work.db, conversation_id=conversation_id, user_id=target_id)
    if target is None:
        raise ChatError('member_not_found')
    if target_id == user_id or not outranks(access.member.role, target.role):
        raise ChatError('room_not_allowed')
    conversation_queries.remove_member(work.db, conversation_id=conversation_id, user_id=target_id)
    name = user_queries.names(work.db, user_ids=[target_id]).get(target_id, '?')
    _left(work, access.conversation, target_id, name, user_id)


async def remove_member(actor: SessionInfo, *, conversation_id: int, user_id: int) -> None:
    """The owner removes admins and members, a room admin removes members."""
    await transact(_remove_member, actor.user_id, conversation_id, user_id)


def _set_admin(work: Work, user_id: int, conversation_id: int, target_id: int, admin: bool) -> None:
    access = access_room(work.db, user_id, conversation_id)
    target = conversation_queries.get_member(work.db, conversation_id=conversation_id, user_id=target_id)
    if access.member.role != 'owner':
        raise ChatError('room_not_allowed')
    if target is None or target.role == 'owner':
        raise ChatError('member_not_found' if target is None else 'room_not_allowed')
    role = 'admin' if admin else 'member'
    if target.role == role:
        return
    conversation_queries.set_role(work.db, conversation_id=conversation_id, user_id=target_id, role=role)
    audience = conversation_queries.member_ids(work.db, conversation_id=conversation_id)
    work.emit(RoleChanged(conversation_id=conversation_id, user_id=target_id, role=role), users(audience))


async def set_admin(actor: SessionInfo, *, conversation_id: int, user_id: int, admin: bool) -> None:
    """Only the owner promotes members to room admins and demotes them."""
    await transact(_set_admin, actor.user_id, conversation_id, user_id, admin)


def _leave(work: Work, user_id: int, conversation_id: int) -> None:
    access = access_room(work.db, user_id, conversation_id)
    conversation_queries.remove_member(work.db, conversation_id=conversation_id, user_id=user_id)
    if access.member.role == 'owner':
        heir = conversation_queries.successor(work.db, conversation_id=conversation_id, leaving_id=user_id)
        conversation_queries.set_owner(work.db, conversation_id=conversation_id, user_id=heir.user_id if heir else None)
        if heir is not None:
            conversation_queries.set_role(work.db, conversation_id=conversation_id, user_id=heir.user_id, role='owner')
            audience = conversation_queries.member_ids(work.db, conversation_id=conversation_id)
            work.emit(RoleChanged(conversation_id=conversation_id, user_id=heir.user_id, role='owner'), users(audience))
    _left(work, access.conversation, user_id, access.user.username, None)


async def leave(actor: SessionInfo, *, conversation_id: int) -> None:
    """Anyone leaves a room; an owner hands the room to the longest-standing admin, else member. The last one out
    deletes nothing: the empty room stays for the admin."""
    await transact(_leave, actor.user_id, conversation_id)


def rename_in(work: Work, room: Conversation, title: str) -> None:
    """Rename ``room`` and tell its members (the owner, a room admin or the site admin has been checked)."""
    assert room.id is not None
    try:
        with work.db.begin_nested():
            conversation_queries.rename_room(work.db, conversation_id=room.id, title=title, title_key=title_key(title))
    except IntegrityError as error:
        raise ChatError('room_title_taken', title=title) from error
    audience = conversation_queries.member_ids(work.db, conversation_id=room.id)
    work.emit(RoomRenamed(conversation_id=room.id, title=title), users(audience))


def _rename(work: Work, user_id: int, conversation_id: int, title: str) -> None:
    rename_in(work, _manager(work, user_id, conversation_id).conversation, title)


async def rename(actor: SessionInfo, *, conversation_id: int, title: str) -> None:
    """The owner or a room admin renames the room."""
    await transact(_rename, actor.user_id, conversation_id, check_title(title))


def delete_in(work: Work, room: Conversation) -> None:
    """Delete ``room`` with its messages and files, and tell its members (permission checked by the caller)."""
    assert room.id is not None
    audience = conversation_queries.member_ids(work.db, conversation_id=room.id)
    keys = conversation_queries.delete_conversation(work.db, conversation_id=room.id)
    work.after_commit.append(lambda: delete_stored(keys))
    work.emit(RoomDeleted(conversation_id=room.id, title=room.title or ''), users(audience))


def _delete(work: Work, user_id: int, conversation_id: int) -> None:
    access = access_room(work.db, user_id, conversation_id)
    if access.member.role != 'owner':
        raise ChatError('room_not_allowed')
    delete_in(work, access.conversation)


async def delete_room(actor: SessionInfo, *, conversation_id: int) -> None:
    """Only the owner deletes a room (messages and files included) for everyone."""
    await transact(_delete, actor.user_id, conversation_id)
