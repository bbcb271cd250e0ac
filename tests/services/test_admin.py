from typing import Any

import pytest
from sqlalchemy.engine import Engine

from chat_ui.core.errors import ChatError
from chat_ui.live.hub import ContactChanged, MuteChanged, SessionEnded, hub
from chat_ui.services import accounts, messaging, moderation
from chat_ui.services.accounts import LoginRefused


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


async def test_mute_ban_unban_publish_and_audit(engine: Engine) -> None:
    hub.reset()
    token = await admin_token()
    alice = await accounts.register('alice', 'secret123', 'secret123')
    bob = await accounts.register('bob', 'secret123', 'secret123')
    alice_token, alice_session = await accounts.login('alice', 'secret123')
    to_alice: list[Any] = []
    to_bob: list[Any] = []
    hub.subscribe(alice, to_alice.append)
    hub.subscribe(bob, to_bob.append)

    await moderation.set_muted(token, user_id=alice, muted=True)
    assert MuteChanged(user_id=alice, muted=True) in to_alice
    with pytest.raises(ChatError) as info:
        await messaging.send_text(sender_id=alice, peer_id=bob, text='hello')
    assert info.value.key == 'muted'
    await moderation.set_muted(token, user_id=alice, muted=False)
    await messaging.send_text(sender_id=alice, peer_id=bob, text='hello')

    await moderation.set_banned(token, user_id=alice, banned=True)
    assert SessionEnded(session_id=alice_session.session_id, reason='banned') in to_alice
    assert ContactChanged(user_id=alice, username='alice', visible=False) in to_bob
    assert await accounts.current_session(alice_token) is None
    with pytest.raises(LoginRefused) as refused:
        await accounts.login('alice', 'secret123')
    assert refused.value.key == 'account_banned'
    assert [c.username for c in await messaging.list_contacts(user_id=bob)] == []

    await moderation.set_banned(token, user_id=alice, banned=False)
    assert ContactChanged(user_id=alice, username='alice', visible=True) in to_bob
    await accounts.login('alice', 'secret123')
    assert [c.username for c in await messaging.list_contacts(user_id=bob)] == ['alice']
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


async def test_records_both_directions_with_files_and_filter(engine: Engine) -> None:
    token = await admin_token()
    alice = await accounts.register('alice', 'secret123', 'secret123')
    bob = await accounts.register('bob', 'secret123', 'secret123')
    carol = await accounts.register('carol', 'secret123', 'secret123')
    await messaging.send_text(sender_id=alice, peer_id=bob, text='hi bob')
    await messaging.send_text(sender_id=carol, peer_id=alice, text='hi alice <b>')
    await messaging.send_text(sender_id=bob, peer_id=carol, text='not alice')
    page = await moderation.user_records(token, user_id=alice)
    assert page.username == 'alice' and page.total == 2
    assert [(r.outgoing, r.peer_name, r.body) for r in page.rows] == [
        (False, 'carol', 'hi alice <b>'),
        (True, 'bob', 'hi bob'),
    ]
    filtered = await moderation.user_records(token, user_id=alice, keyword='BOB')
    assert [r.body for r in filtered.rows] == ['hi bob']
