"""Rooms: create, lobby, join, members and roles, rename, leave, delete; every refusal and who hears of each change."""

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.live.events import (
    HistoryCleared,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    RoleChanged,
    RoomDeleted,
    RoomRenamed,
)
from chat_ui.services import conversations, messaging
from db import conversations as conversation_queries
from db.engine import session_scope
from tests.support.events import CapturedEvents, only, to_users
from tests.support.factories import make_users, set_flags


async def room_of(owner: SessionInfo, *members: SessionInfo, title: str = 'Team', private: bool = False) -> int:
    view = await conversations.create_room(owner, title=title, private=private)
    assert view.id is not None
    for member in members:
        await conversations.add_member(owner, conversation_id=view.id, username=member.username)
    return view.id


def roles(room: int) -> dict[str, str]:
    with session_scope() as db:
        return {user.username: m.role for m, user in conversation_queries.members(db, conversation_id=room)}


async def refused(key: str, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ChatError) as info:
        await call
    assert info.value.key == key


async def test_create_room_validates_title_and_makes_the_creator_owner(engine: Engine, events: CapturedEvents) -> None:
    (a,) = make_users('alice')
    view = await conversations.create_room(a, title='  学习小组 <b>🎉</b>  ', private=False)
    assert view.title == '学习小组 <b>🎉</b>' and view.role == 'owner' and view.visibility == 'public'
    assert only(events.of(MemberJoined))[1] == to_users(a.user_id)
    for title, key in [
        ('', 'room_title_required'),
        ('   ', 'room_title_required'),
        ('x' * 65, 'room_title_too_long'),
        ('bad\u202etitle', 'room_title_bad_chars'),
        ('tab\there', 'room_title_bad_chars'),
        ('学习小组 <B>🎉</B>', 'room_title_taken'),
    ]:
        await refused(key, conversations.create_room(a, title=title, private=True))
    assert await conversations.create_room(a, title='x' * 64, private=True)


async def test_lobby_lists_public_rooms_with_members_and_private_rooms_stay_hidden(engine: Engine) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    public = await room_of(a, b, title='Open House')
    secret = await room_of(a, title='Secret Club', private=True)
    lobby = await conversations.lobby(c)
    assert [(r.title, r.members, r.joined) for r in lobby] == [('Open House', 2, False)]
    assert [r.title for r in await conversations.lobby(c, title_filter='HOUSE')] == ['Open House']
    assert await conversations.lobby(c, title_filter='secret') == []
    await refused('room_not_found', conversations.join(c, conversation_id=secret))
    await refused('not_a_member', messaging.load_window(c, conversation_id=secret))
    joined = await conversations.join(c, conversation_id=public)
    assert joined.role == 'member'
    assert [(r.members, r.joined) for r in await conversations.lobby(c)] == [(3, True)]


async def test_join_and_add_tell_every_member_including_the_new_one(engine: Engine, events: CapturedEvents) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    room = await room_of(a, title='Open')
    events.clear()
    await conversations.join(b, conversation_id=room)
    await conversations.add_member(a, conversation_id=room, username='CAROL')
    joined = events.of(MemberJoined)
    assert [(e.username, topics) for e, topics in joined] == [
        ('bob', to_users(a.user_id, b.user_id)),
        ('carol', to_users(a.user_id, b.user_id, c.user_id)),
    ]
    await refused('member_already', conversations.add_member(a, conversation_id=room, username='bob'))
    await refused('member_unknown', conversations.add_member(a, conversation_id=room, username='nobody'))
    await refused('member_name_required', conversations.add_member(a, conversation_id=room, username='  '))
    await refused('room_not_allowed', conversations.add_member(b, conversation_id=room, username='x'))


async def test_room_messages_reach_every_member_with_the_sender_name(engine: Engine, events: CapturedEvents) -> None:
    a, b, c, d = make_users('alice', 'bob', 'carol', 'dave')
    room = await room_of(a, b, c)
    view = await messaging.send_text(b, conversation_id=room, text='hi all')
    assert view is not None and view.sender_name == 'bob'
    assert events.of(MessageCreated) == [(MessageCreated(message=view), to_users(a.user_id, b.user_id, c.user_id))]
    await refused('not_a_member', messaging.send_text(d, conversation_id=room, text='let me in'))
    set_flags(c.user_id, muted=True)
    await refused('muted', messaging.send_text(c, conversation_id=room, text='muted'))
    unread = {row.id: row.unread for row in await conversations.sidebar(c)}
    assert unread[room] == 1


async def test_nobody_acts_on_an_equal_or_higher_role(engine: Engine) -> None:
    owner, admin, admin2, member, member2 = make_users('owner', 'admin', 'admin2', 'member', 'member2')
    room = await room_of(owner, admin, admin2, member, member2)
    await conversations.set_admin(owner, conversation_id=room, user_id=admin.user_id, admin=True)
    await conversations.set_admin(owner, conversation_id=room, user_id=admin2.user_id, admin=True)
    checks = [
        conversations.remove_member(member, conversation_id=room, user_id=member2.user_id),  # member removes member
        conversations.remove_member(member, conversation_id=room, user_id=admin.user_id),
        conversations.remove_member(admin, conversation_id=room, user_id=admin2.user_id),  # admin removes admin
        conversations.remove_member(admin, conversation_id=room, user_id=owner.user_id),  # admin removes owner
        conversations.remove_member(owner, conversation_id=room, user_id=owner.user_id),
        conversations.set_admin(admin, conversation_id=room, user_id=member.user_id, admin=True),
        conversations.set_admin(owner, conversation_id=room, user_id=owner.user_id, admin=False),
        conversations.delete_room(admin, conversation_id=room),
        conversations.rename(member, conversation_id=room, title='mine'),
    ]
    for call in checks:
        await refused('room_not_allowed', call)
    await refused('clear_owner_only', messaging.clear_history(admin, conversation_id=room))
    assert roles(room) == {
        'owner': 'owner',
        'admin': 'admin',
        'admin2': 'admin',
        'member': 'member',
        'member2': 'member',
    }
    await conversations.remove_member(admin, conversation_id=room, user_id=member2.user_id)
    await conversations.remove_member(owner, conversation_id=room, user_id=admin2.user_id)
    await conversations.rename(admin, conversation_id=room, title='Renamed')
    assert roles(room) == {'owner': 'owner', 'admin': 'admin', 'member': 'member'}


async def test_a_removed_member_is_told_and_loses_access_to_messages_and_files(
    engine: Engine, events: CapturedEvents, tmp_path: Path
) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    room = await room_of(a, b, c)
    await messaging.send_text(a, conversation_id=room, text='before')
    events.clear()
    await conversations.remove_member(a, conversation_id=room, user_id=c.user_id)
    event, topics = only(events.of(MemberLeft))
    assert (event.user_id, event.by_user_id, topics) == (
        c.user_id,
        a.user_id,
        to_users(a.user_id, b.user_id, c.user_id),
    )
    await refused('not_a_member', messaging.load_window(c, conversation_id=room))
    await refused('not_a_member', messaging.search(c, conversation_id=room, keyword='before'))
    await refused('not_a_member', messaging.send_text(c, conversation_id=room, text='still here?'))
    assert room not in {row.id for row in await conversations.sidebar(c)}
    await messaging.send_text(a, conversation_id=room, text='after')
    assert to_users(c.user_id).isdisjoint(events.of(MessageCreated)[-1][1])


async def test_owner_leaving_hands_over_to_the_longest_standing_admin_else_member(
    engine: Engine, events: CapturedEvents
) -> None:
    a, b, c, d = make_users('alice', 'bob', 'carol', 'dave')
    room = await room_of(a, b, c, d)
    await conversations.set_admin(a, conversation_id=room, user_id=d.user_id, admin=True)
    await conversations.set_admin(a, conversation_id=room, user_id=c.user_id, admin=True)
    events.clear()
    await conversations.leave(a, conversation_id=room)
    assert roles(room) == {'carol': 'owner', 'dave': 'admin', 'bob': 'member'}  # carol joined before dave
    assert only(events.of(RoleChanged))[0] == RoleChanged(conversation_id=room, user_id=c.user_id, role='owner')
    await conversations.leave(c, conversation_id=room)
    await conversations.leave(d, conversation_id=room)
    assert roles(room) == {'bob': 'owner'}
    await conversations.leave(b, conversation_id=room)
    assert roles(room) == {}
    with session_scope() as db:  # the last one out deletes nothing: the admin still sees the empty room
        kept = conversation_queries.get_conversation(db, conversation_id=room)
        assert kept is not None and kept.owner_id is None


async def test_rename_and_delete_reach_the_members(engine: Engine, events: CapturedEvents) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    room = await room_of(a, b)
    await messaging.send_text(b, conversation_id=room, text='hello')
    await conversations.rename(a, conversation_id=room, title='New name')
    assert only(events.of(RoomRenamed)) == (
        RoomRenamed(conversation_id=room, title='New name'),
        to_users(a.user_id, b.user_id),
    )
    await refused('room_not_allowed', conversations.delete_room(b, conversation_id=room))
    await conversations.delete_room(a, conversation_id=room)
    assert only(events.of(RoomDeleted)) == (
        RoomDeleted(conversation_id=room, title='New name'),
        to_users(a.user_id, b.user_id),
    )
    await refused('not_a_member', messaging.load_window(a, conversation_id=room))
    assert room not in {row.id for row in await conversations.sidebar(b)}
    assert room not in {row.id for row in await conversations.sidebar(c)}


async def test_only_the_owner_clears_a_room_for_everyone(engine: Engine, events: CapturedEvents) -> None:
    a, b = make_users('alice', 'bob')
    room = await room_of(a, b)
    await messaging.send_text(b, conversation_id=room, text='one')
    await refused('clear_owner_only', messaging.clear_history(b, conversation_id=room))
    await messaging.clear_history(a, conversation_id=room)
    assert await messaging.load_window(b, conversation_id=room) == []
    assert only(events.of(HistoryCleared))[1] == to_users(a.user_id, b.user_id)


async def test_direct_conversations_have_no_member_management(engine: Engine) -> None:
    a, b = make_users('alice', 'bob')
    chat = await conversations.open_direct(a, peer_id=b.user_id)
    assert chat.id is not None
    await refused('not_a_room', conversations.members(a, conversation_id=chat.id))
    await refused('not_a_room', conversations.leave(a, conversation_id=chat.id))
    await refused('room_not_found', conversations.join(a, conversation_id=chat.id))


async def test_members_list_roles_in_order(engine: Engine) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    room = await room_of(a, b, c)
    await conversations.set_admin(a, conversation_id=room, user_id=c.user_id, admin=True)
    listed = await conversations.members(b, conversation_id=room)
    assert [(m.username, m.role) for m in listed] == [('alice', 'owner'), ('carol', 'admin'), ('bob', 'member')]
