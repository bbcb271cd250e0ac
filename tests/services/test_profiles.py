"""Profiles: display names (validation, who hears of a change), password changes (throttle, sessions), the admin's
password reset and announcements; every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.live.events import AnnouncementChanged, ProfileChanged, SessionEnded
from chat_ui.services import accounts, announcements, conversations, messaging, moderation, profiles
from chat_ui.services.accounts import hash_token
from db import sessions as session_queries
from db import users as user_queries
from db.engine import session_scope
from db.models import AdminAction
from tests.services.conftest import FakeClock
from tests.support.events import CapturedEvents, only, to_users
from tests.support.factories import make_users


async def refused(key: str, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ChatError) as info:
        await call
    assert info.value.key == key


def display_name(user_id: int) -> str | None:
    with session_scope() as db:
        user = user_queries.get_user(db, user_id=user_id)
        assert user is not None
        return user.display_name


async def test_display_name_rules(engine: Engine) -> None:
    (a,) = make_users('alice')
    view = await profiles.set_display_name(a, display_name='  王小明 Ming 🎉  ')
    assert view.display_name == '王小明 Ming 🎉' and display_name(a.user_id) == '王小明 Ming 🎉'
    assert await profiles.set_display_name(a, display_name='x' * 32)
    for text, key in [
        ('', 'display_name_empty'),
        ('   ', 'display_name_empty'),
        ('x' * 33, 'display_name_too_long'),
        ('bad\x00name', 'display_name_invalid'),
        ('tab\there', 'display_name_invalid'),
        ('line\nbreak', 'display_name_invalid'),
        ('rtl\u202eoverride', 'display_name_invalid'),
        ('zero\u200bwidth', 'display_name_invalid'),
        ('<script>alert(1)</script>', 'display_name_invalid'),
        ('<b>bold</b>', 'display_name_invalid'),
    ]:
        await refused(key, profiles.set_display_name(a, display_name=text))
    assert display_name(a.user_id) == 'x' * 32


async def test_display_name_reaches_only_people_who_share_a_conversation(
    engine: Engine, events: CapturedEvents
) -> None:
    a, b, c, stranger = make_users('alice', 'bob', 'carol', 'dave')
    direct = await conversations.open_direct(a, peer_id=b.user_id)
    room = await conversations.create_room(a, title='Team', private=False)
    assert room.id is not None and direct.id is not None
    await conversations.add_member(a, conversation_id=room.id, username='carol')
    events.clear()
    await profiles.set_display_name(a, display_name='Alice W.')
    event, topics = only(events.of(ProfileChanged))
    assert event == ProfileChanged(user_id=a.user_id, username='alice', display_name='Alice W.')
    assert topics == to_users(a.user_id, b.user_id, c.user_id)
    assert stranger.user_id not in {int(t[1:]) for t in topics}
    # every view shows the display name and keeps the login name for the hooks
    (row,) = [v for v in await conversations.sidebar(b) if v.peer_id == a.user_id]
    assert row.title == 'Alice W.' and row.login == 'alice'
    (row,) = [v for v in await conversations.sidebar(stranger) if v.peer_id == a.user_id]
    assert row.title == 'Alice W.' and row.login == 'alice' and row.id is None
    header = await conversations.conversation(b, conversation_id=direct.id)
    assert header.title == 'Alice W.' and header.login == 'alice'
    members = {m.username: m for m in await conversations.members(c, conversation_id=room.id)}
    assert members['alice'].shown_name == 'Alice W.' and members['carol'].shown_name == 'carol'
    await messaging.send_text(a, conversation_id=room.id, text='hi')
    window = await messaging.load_window(c, conversation_id=room.id)
    assert [(m.sender_name, m.sender_shown) for m in window] == [('alice', 'Alice W.')]


async def test_refused_display_name_sends_nothing(engine: Engine, events: CapturedEvents) -> None:
    (a,) = make_users('alice')
    await refused('display_name_invalid', profiles.set_display_name(a, display_name='a\x07'))
    assert events.items == []


async def _account(name: str, password: str = 'secret123') -> tuple[str, SessionInfo]:
    await accounts.register(name, password, password)
    return await accounts.login(name, password)


def _second_session(user_id: int) -> int:
    """Another live session of the account (e.g. the native app), straight in the database."""
    with session_scope() as db:
        record = session_queries.create_session(
            db,
            user_id=user_id,
            token_hash=hash_token('other'),
            expires_at=accounts.clock.now() + timedelta(days=1),
            ip=None,
            user_agent=None,
        )
        assert record.id is not None
        return record.id


async def test_change_password_ends_other_sessions_and_keeps_this_one(
    engine: Engine, events: CapturedEvents, fake_clock: FakeClock
) -> None:
    token, me = await _account('alice')
    other = _second_session(me.user_id)
    events.clear()
    await profiles.change_password(me, current='secret123', new='newpass456', new2='newpass456')
    assert only(events.of(SessionEnded)) == (SessionEnded(session_id=other, reason='password'), to_users(me.user_id))
    assert await accounts.current_session(token) is not None
    assert await accounts.current_session('other') is None
    await accounts.logout(token)
    await accounts.login('alice', 'newpass456')
    with pytest.raises(ChatError):
        await accounts.login('alice', 'secret123')


async def test_change_password_refusals_change_nothing(engine: Engine, fake_clock: FakeClock) -> None:
    token, me = await _account('alice')
    for current, new, new2, key in [
        ('', 'newpass456', 'newpass456', 'password_fields_required'),
        ('secret123', 'ab1', 'ab1', 'password_too_short'),
        ('secret123', 'lettersonly', 'lettersonly', 'password_letters_digits'),
        ('secret123', 'newpass456', 'newpass457', 'passwords_differ'),
        ('secret123', 'secret123', 'secret123', 'password_same'),
        ('wrong999', 'newpass456', 'newpass456', 'password_current_wrong'),
    ]:
        await refused(key, profiles.change_password(me, current=current, new=new, new2=new2))
    assert await accounts.current_session(token) is not None
    await accounts.logout(token)
    await accounts.login('alice', 'secret123')


async def test_wrong_current_password_counts_toward_the_account_lock(engine: Engine, fake_clock: FakeClock) -> None:
    _, me = await _account('alice')
    for _ in range(accounts.LOCK_AFTER - 1):
        await refused(
            'password_current_wrong', profiles.change_password(me, current='bad1', new='n3wpass', new2='n3wpass')
        )
    await refused('account_locked', profiles.change_password(me, current='bad1', new='n3wpass', new2='n3wpass'))
    await refused('account_locked', profiles.change_password(me, current='secret123', new='n3wpass', new2='n3wpass'))
    await refused('account_locked', accounts.login('alice', 'secret123', captcha_ok=True))
    fake_clock.advance(61)
    await profiles.change_password(me, current='secret123', new='n3wpass', new2='n3wpass')


async def _admin() -> tuple[str, SessionInfo]:
    await accounts.init_admin(
        secret='s', expected_secret='s', username='boss', password='admin123', password2='admin123'
    )
    return await accounts.login('boss', 'admin123')


async def test_admin_reset_password_forces_a_change(
    engine: Engine, events: CapturedEvents, fake_clock: FakeClock
) -> None:
    admin_token, _ = await _admin()
    token, me = await _account('alice')
    events.clear()
    value = await moderation.reset_password(admin_token, user_id=me.user_id)
    assert len(value) == 12
    assert only(events.of(SessionEnded))[0] == SessionEnded(session_id=me.session_id, reason='password')
    assert await accounts.current_session(token) is None
    await refused('login_failed', accounts.login('alice', 'secret123'))
    token2, info = await accounts.login('alice', value)
    assert info.must_change_password
    await profiles.change_password(info, current=value, new='mine1234', new2='mine1234')
    info2 = await accounts.current_session(token2)
    assert info2 is not None and not info2.must_change_password
    with session_scope() as db:
        assert [a.action for a in db.query(AdminAction).all()] == ['reset_password']
    await refused('admin_only', moderation.reset_password(token2, user_id=me.user_id))
    await refused('user_not_found', moderation.reset_password(admin_token, user_id=999999))
    await refused('user_not_found', moderation.reset_password(admin_token, user_id=info.user_id - 1))  # the admin


async def test_announcement_set_replace_withdraw_dismiss(engine: Engine, events: CapturedEvents) -> None:
    admin_token, _ = await _admin()
    a, b = make_users('alice', 'bob')
    assert await announcements.current(a) is None
    first = await announcements.publish(admin_token, body='  Maintenance at 22:00 <b>!</b> ')
    assert first.body == 'Maintenance at 22:00 <b>!</b>'
    assert only(events.of(AnnouncementChanged)) == (
        AnnouncementChanged(announcement_id=first.id, body=first.body),
        {announcements.ANNOUNCE_TOPIC},
    )
    await announcements.dismiss(a, announcement_id=first.id)
    assert await announcements.current(a) is None
    shown = await announcements.current(b)
    assert shown is not None and shown.id == first.id
    second = await announcements.publish(admin_token, body='New rules')
    current = await announcements.current(a)
    assert current is not None and current.id == second.id  # a new one shows again
    await refused('announcement_gone', announcements.dismiss(a, announcement_id=first.id))
    events.clear()
    assert await announcements.withdraw(admin_token)
    assert only(events.of(AnnouncementChanged))[0] == AnnouncementChanged(announcement_id=None, body=None)
    assert await announcements.current(b) is None
    assert not await announcements.withdraw(admin_token)
    with session_scope() as db:
        assert [x.action for x in db.query(AdminAction).order_by(AdminAction.id).all()] == [
            'announce',
            'announce',
            'unannounce',
        ]


async def test_announcement_refusals(engine: Engine, events: CapturedEvents) -> None:
    admin_token, _ = await _admin()
    user_token, _ = await _account('alice')
    for body, key in [
        ('', 'announcement_empty'),
        ('  ', 'announcement_empty'),
        ('x' * 501, 'announcement_too_long'),
        ('bell\x07', 'announcement_invalid'),
    ]:
        await refused(key, announcements.publish(admin_token, body=body))
    await refused('admin_only', announcements.publish(user_token, body='hi'))
    await refused('admin_only', announcements.publish(None, body='hi'))
    await refused('admin_only', announcements.withdraw(user_token))
    assert events.of(AnnouncementChanged) == []
    assert await announcements.current(None) is None
