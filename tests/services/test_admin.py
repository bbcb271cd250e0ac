import pytest
from sqlalchemy.engine import Engine

from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.live.events import ContactChanged, MuteChanged, RoomDeleted, RoomRenamed, SessionEnded
from chat_ui.live.hub import EVERYONE
from chat_ui.services import accounts, conversations, messaging, moderation
from chat_ui.services.accounts import LoginRefused
from tests.support.events import CapturedEvents, to_users
from tests.support.factories import make_users


async def direct(a: SessionInfo, b: SessionInfo) -> int:
    view = await conversations.open_direct(a, peer_id=b.user_id)
    assert view.id is not None
    return view.id


async def admin_token() -> str:
    await accounts.init_admin(
        secret='s', expected_secret='s', username='root', password='admin123', password2='admin123'
    )
    token, _ = await accounts.login('root', 'admin123')
    return token


async def test_normal_user_cannot_use_admin_services(engine: Engine) -> None:
    alice = await accounts.register('alice', 'secret123', 'secret123')
    token, _ = await accounts.login('alice', 'secret123')
    for call in (
        moderation.users_page(token),
        moderation.set_muted(token, user_id=alice, muted=True),
        moderation.set_banned(token, user_id=alice, banned=True),
        moderation.user_records(token, user_id=alice),
        moderation.audit_log(token),
        moderation.users_page(None),
        moderation.users_page('forged-token'),
    ):
        with pytest.raises(ChatError) as info:
            await call
        assert info.value.key == 'admin_only'
    page = await moderation.users_page(await admin_token())
    assert [(r.username, r.muted, r.banned) for r in page.rows] == [('alice', False, False)]


async def test_mute_ban_unban_publish_and_audit(engine: Engine, events: CapturedEvents) -> None:
    token = await admin_token()
    alice_id = await accounts.register('alice', 'secret123', 'secret123')
    (bob,) = make_users('bob')
    alice_token, alice = await accounts.login('alice', 'secret123')
    chat = await direct(alice, bob)

    await moderation.set_muted(token, user_id=alice_id, muted=True)
    assert (MuteChanged(user_id=alice_id, muted=True), to_users(alice_id)) in events.items
    with pytest.raises(ChatError) as info:
        await messaging.send_text(alice, conversation_id=chat, text='hello')
    assert info.value.key == 'muted'
    await moderation.set_muted(token, user_id=alice_id, muted=False)
    await messaging.send_text(alice, conversation_id=chat, text='hello')

    await moderation.set_banned(token, user_id=alice_id, banned=True)
    assert (SessionEnded(session_id=alice.session_id, reason='banned'), to_users(alice_id)) in events.items
    assert (ContactChanged(user_id=alice_id, username='alice', visible=False), {EVERYONE}) in events.items
    assert await accounts.current_session(alice_token) is None
    with pytest.raises(LoginRefused) as refused:
        await accounts.login('alice', 'secret123')
    assert refused.value.key == 'account_banned'
    assert [c.title for c in await conversations.sidebar(bob)] == []

    await moderation.set_banned(token, user_id=alice_id, banned=False)
    assert (ContactChanged(user_id=alice_id, username='alice', visible=True), {EVERYONE}) in events.items
    await accounts.login('alice', 'secret123')
    assert [c.title for c in await conversations.sidebar(bob)] == ['alice']
    log = await moderation.audit_log(token)
    assert [(r.admin_name, r.action, r.target_name) for r in log] == [
        ('root', 'unban', 'alice'),
        ('root', 'ban', 'alice'),
        ('root', 'unmute', 'alice'),
        ('root', 'mute', 'alice'),
    ]


async def test_admin_cannot_be_muted_or_banned_and_unknown_users_are_refused(engine: Engine) -> None:
    token = await admin_token()
    admin_id = (await accounts.current_session(token)).user_id  # type: ignore[union-attr]
    for user_id in (admin_id, 9999):
        with pytest.raises(ChatError) as info:
            await moderation.set_banned(token, user_id=user_id, banned=True)
        assert info.value.key == 'user_not_found'
    assert await accounts.current_session(token) is not None


async def test_records_both_directions_and_room_messages_with_filter(engine: Engine) -> None:
    token = await admin_token()
    alice, bob, carol = make_users('alice', 'bob', 'carol')
    room = await conversations.create_room(bob, title='Club', private=True)
    assert room.id is not None
    await conversations.add_member(bob, conversation_id=room.id, username='alice')
    await messaging.send_text(alice, conversation_id=await direct(alice, bob), text='hi bob')
    await messaging.send_text(carol, conversation_id=await direct(carol, alice), text='hi alice <b>')
    await messaging.send_text(bob, conversation_id=await direct(bob, carol), text='not alice')
    await messaging.send_text(alice, conversation_id=room.id, text='alice in the club')
    await messaging.send_text(bob, conversation_id=room.id, text='bob in the club')
    page = await moderation.user_records(token, user_id=alice.user_id)
    assert page.title == 'alice' and page.total == 3
    assert [(r.outgoing, r.conversation, r.is_room, r.body) for r in page.rows] == [
        (True, 'Club', True, 'alice in the club'),
        (False, 'carol', False, 'hi alice <b>'),
        (True, 'bob', False, 'hi bob'),
    ]
    filtered = await moderation.user_records(token, user_id=alice.user_id, keyword='BOB')
    assert [r.body for r in filtered.rows] == ['hi bob']
    records = await moderation.room_records(token, conversation_id=room.id)
    assert records.title == 'Club' and [(r.sender_name, r.body) for r in records.rows] == [
        ('bob', 'bob in the club'),
        ('alice', 'alice in the club'),
    ]


async def test_admin_rooms_table_rename_delete_clear_audited_and_live(engine: Engine, events: CapturedEvents) -> None:
    token = await admin_token()
    alice, bob = make_users('alice', 'bob')
    public = await conversations.create_room(alice, title='Public square', private=False)
    private = await conversations.create_room(bob, title='Hideout', private=True)
    assert public.id is not None and private.id is not None
    await conversations.join(bob, conversation_id=public.id)
    await messaging.send_text(bob, conversation_id=public.id, text='hello square')
    page = await moderation.rooms_page(token)
    assert [(r.title, r.owner_name, r.members, r.messages, r.visibility) for r in page.rows] == [
        ('Hideout', 'bob', 1, 0, 'private'),
        ('Public square', 'alice', 2, 1, 'public'),
    ]
    assert [r.title for r in (await moderation.rooms_page(token, title_filter='SQUARE')).rows] == ['Public square']
    events.clear()
    await moderation.rename_room(token, conversation_id=public.id, title='Town square')
    assert events.items == [
        (RoomRenamed(conversation_id=public.id, title='Town square'), to_users(alice.user_id, bob.user_id))
    ]
    await moderation.clear_room(token, conversation_id=public.id)
    assert await messaging.load_window(alice, conversation_id=public.id) == []
    await moderation.delete_room(token, conversation_id=private.id)
    assert (RoomDeleted(conversation_id=private.id, title='Hideout'), to_users(bob.user_id)) in events.items
    log = [(r.action, r.target_name) for r in await moderation.audit_log(token)]
    assert log[:3] == [
        ('delete_room', 'Hideout'),
        ('clear_room', 'Town square'),
        ('rename_room', 'Public square → Town square'),
    ]
    for call in (
        moderation.rename_room('forged', conversation_id=public.id, title='x'),
        moderation.delete_room(None, conversation_id=public.id),
        moderation.rooms_page('forged'),
    ):
        with pytest.raises(ChatError) as info:
            await call
        assert info.value.key == 'admin_only'
