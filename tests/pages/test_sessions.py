"""Sign-in sessions of simulated browsers: a sign-in gives the browser a new identity (no cookie from before it is
ever signed in by it), and a page whose session ended gets nothing more, even when it stays connected."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from nicegui.nicegui import _on_handshake
from nicegui.testing import User

from chat_ui.core import clock
from chat_ui.core.views import SessionInfo
from chat_ui.live.events import MessageCreated, PresenceChanged
from chat_ui.live.hub import hub, presence_topic, user_topic
from chat_ui.live.presence import presence
from chat_ui.services import accounts, conversations, messaging, moderation, tickets
from chat_ui.services import typing as typing_notices
from chat_ui.ui import guard
from chat_ui.ui.widgets import sidebar
from db import sessions as session_queries
from db.engine import session_scope

from .conftest import (
    IgnoredNavigation,
    bubbles,
    contact_row,
    contact_rows,
    copy_cookies,
    login,
    never,
    open_contact,
    route_navigation,
    sees_contact,
    session_cookie,
    until,
)
from .test_file_route import actor, png, upload


async def send_text(sender_id: int, sender: str, peer_id: int, text: str) -> None:
    """``sender`` writes ``text`` to ``peer_id`` in their direct conversation (as another page of theirs would)."""
    me = SessionInfo(session_id=0, user_id=sender_id, username=sender, is_admin=False, is_muted=False)
    chat = await conversations.open_direct(me, peer_id=peer_id)
    assert chat.id is not None
    await messaging.send_text(me, conversation_id=chat.id, text=text)


async def signed_in(user: User, name: str) -> None:
    await login(user, name)
    await user.should_see('contact-list', retries=50)


async def signed_out(user: User) -> None:
    """Open / and be sent to the sign-in form."""
    await user.open('/')
    await user.should_see('login-username', retries=50)
    await user.should_not_see('current-user', retries=5)


# ------------------------------------------------------------------------------------ a sign-in is a new identity


async def test_a_cookie_from_before_the_sign_in_is_not_signed_in_by_it(
    user: User, create_user: Callable[[], User]
) -> None:
    await accounts.register('alice', 'secret123', 'secret123')
    await user.open('/login')
    before = session_cookie(user)
    assert before
    copy = create_user()
    copy_cookies(user, copy)  # planted by an attacker before the sign-in, or copied from the victim's browser
    route_navigation(user, copy)

    await signed_in(user, 'alice')

    await signed_out(copy)
    assert session_cookie(user) not in (None, before)
    await user.open('/')
    await user.should_see('current-user', retries=50)


async def test_a_cookie_copied_before_a_logout_stays_signed_out_after_the_next_sign_in(
    user: User, create_user: Callable[[], User]
) -> None:
    await accounts.register('alice', 'secret123', 'secret123')
    await signed_in(user, 'alice')
    copy = create_user()
    copy_cookies(user, copy)
    route_navigation(user, copy)
    user.find('logout').click()
    await user.should_see('login-notice', retries=50)
    await signed_out(copy)

    await signed_in(user, 'alice')

    await signed_out(copy)
    await user.open('/')
    await user.should_see('current-user', retries=50)


async def test_a_sign_in_ticket_works_once_and_only_in_the_browser_that_signed_in(
    user: User, create_user: Callable[[], User]
) -> None:
    await accounts.register('alice', 'secret123', 'secret123')
    navigation = IgnoredNavigation(user)
    stranger = create_user()
    route_navigation(user, stranger)
    navigation.ignoring = True
    await login(user, 'alice')
    await until(lambda: navigation.ignored, 'the sign-in sent the browser on')
    ticket_url = navigation.ignored[0]
    assert ticket_url.startswith('/session/start?ticket=')

    await stranger.open(ticket_url)  # another browser that learnt the ticket: refused, and the ticket is spent
    await stranger.should_see('login-username', retries=50)
    await user.open(ticket_url)
    await user.should_see('login-username', retries=50)
    await signed_out(user)

    navigation.ignoring = False
    await signed_in(user, 'alice')
    await stranger.open('/session/start?ticket=made-up')
    await stranger.should_see('login-username', retries=50)
    await signed_out(stranger)


async def test_a_sign_in_ticket_expires(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    await accounts.register('alice', 'secret123', 'secret123')
    navigation = IgnoredNavigation(user)
    navigation.ignoring = True
    await login(user, 'alice')
    await until(lambda: navigation.ignored, 'the sign-in sent the browser on')
    real_now = clock.now
    monkeypatch.setattr(clock, 'now', lambda: real_now() + tickets.TICKET_LIFETIME)
    await user.open(navigation.ignored[0])
    await user.should_see('login-username', retries=50)
    await signed_out(user)


async def test_the_admin_lands_on_the_admin_panel(user: User) -> None:
    await accounts.init_admin(
        secret='s', expected_secret='s', username='root', password='admin123', password2='admin123'
    )
    await user.open('/login')
    before = session_cookie(user)
    await login(user, 'root', 'admin123')
    await user.should_see('admin-users', retries=50)
    assert session_cookie(user) not in (None, before)


# ------------------------------------------------------------------------------------ an ended page gets nothing

ENDINGS = ['replaced', 'banned', 'logout']


async def end_session(how: str, page: User, alice: int, create_user: Callable[[], User], routed: list[User]) -> None:
    """End the session of ``page`` (alice's) the way ``how`` says: a sign-in elsewhere, a ban, a logout in another
    tab of the same browser."""
    if how == 'banned':
        await accounts.init_admin(
            secret='s', expected_secret='s', username='root', password='admin123', password2='admin123'
        )
        token, _ = await accounts.login('root', 'admin123')
        await moderation.set_banned(token, user_id=alice, banned=True)
        return
    other = create_user()
    route_navigation(*routed, other)
    if how == 'replaced':
        await signed_in(other, 'alice')
        return
    copy_cookies(page, other)  # another tab of the same browser
    await other.open('/')
    await other.should_see('current-user', retries=50)
    other.find('logout').click()
    await other.should_see('login-notice', retries=50)


async def reconnect(user: User) -> None:
    """The page's socket drops and the same page connects again (a new handshake for its client)."""
    assert user.client is not None
    accepted = await _on_handshake(
        f'test-{uuid.uuid4()}', {'client_id': user.client.id, 'tab_id': user.tab_id, 'document_id': str(uuid.uuid4())}
    )
    assert accepted


def texts(user: User) -> list[str]:
    return [body for _, body in bubbles(user)]


def active_rows(user: User) -> list[str]:
    return [row['name'] for row in contact_rows(user) if row['cls'] != 'contact-row']


@pytest.mark.parametrize('how', ENDINGS)
async def test_an_ended_page_that_stays_connected_gets_nothing_more(
    user: User, create_user: Callable[[], User], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setattr(guard, 'LEAVE_GRACE', 3600.0)  # the hostile page stays for the whole test
    monkeypatch.setattr(sidebar, 'PRESENCE_DELAY', 0.0)
    alice_page, bob_page, carol_page = user, create_user(), create_user()
    navigation = IgnoredNavigation(alice_page)
    routed = [alice_page, bob_page, carol_page]
    route_navigation(*routed)
    alice = await accounts.register('alice', 'secret123', 'secret123')
    bob = await accounts.register('bob', 'secret123', 'secret123')
    await accounts.register('carol', 'secret123', 'secret123')
    for page, name in ((alice_page, 'alice'), (bob_page, 'bob'), (carol_page, 'carol')):
        await signed_in(page, name)
    await sees_contact(alice_page, 'bob')
    open_contact(alice_page, 'bob')
    await alice_page.should_see(marker='chat-input', retries=50)
    await send_text(bob, 'bob', alice, 'before')
    await until(lambda: 'before' in texts(alice_page), 'the page received messages while signed in')

    navigation.ignoring = True
    await end_session(how, alice_page, alice, create_user, routed)
    await until(lambda: navigation.ignored == [f'/login?notice={how}'], f'the page was told to leave ({how})')

    pushed: list[Any] = []
    hub.subscribe(user_topic(alice), pushed.append)
    hub.subscribe(presence_topic(bob), pushed.append)
    if how != 'banned':  # nobody can write to a banned user; the other pushes reach them all the same
        await send_text(bob, 'bob', alice, 'after')
        assert any(isinstance(e, MessageCreated) and e.message.body == 'after' for e in pushed)
    await accounts.register('dave', 'secret123', 'secret123')
    await sees_contact(carol_page, 'dave')
    bob_page.find('logout').click()
    await until(lambda: PresenceChanged(user_id=bob, online=False) in pushed, 'bob went offline')
    await until(lambda: (contact_row(carol_page, 'bob') or {}).get('on') == 'false', 'carol saw bob go offline')

    await never(lambda: 'after' in texts(alice_page), 'the ended page received a message')
    assert contact_row(alice_page, 'dave') is None
    assert (contact_row(alice_page, 'bob') or {}).get('on') == 'true'

    await reconnect(alice_page)
    await never(lambda: 'after' in texts(alice_page), 'the reconnected ended page was sent the conversation')
    assert presence.is_online(alice) == (how == 'replaced')

    open_contact(alice_page, 'carol')
    await never(lambda: 'carol' in active_rows(alice_page), 'the ended page opened a conversation')
    alice_page.find('Search chats and people').type('o')  # bob and carol
    await until(lambda: contact_rows(alice_page) == [], "the ended page's contact filter answered nothing")
    assert navigation.ignored == [f'/login?notice={how}']


async def test_an_ended_page_is_closed_after_a_grace_period(
    user: User, create_user: Callable[[], User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guard, 'LEAVE_GRACE', 0.0)
    other = create_user()
    navigation = IgnoredNavigation(user)
    route_navigation(user, other)
    await accounts.register('alice', 'secret123', 'secret123')
    await signed_in(user, 'alice')
    page = user.client
    assert page is not None
    navigation.ignoring = True
    await signed_in(other, 'alice')
    await until(lambda: page.is_deleted, 'the ended page was deleted on the server')
    assert navigation.ignored == ['/login?notice=replaced']


async def test_an_expired_session_gets_nothing_more(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, 'LEAVE_GRACE', 3600.0)
    alice = await accounts.register('alice', 'secret123', 'secret123')
    bob = await accounts.register('bob', 'secret123', 'secret123')
    navigation = IgnoredNavigation(user)
    await signed_in(user, 'alice')
    open_contact(user, 'bob')
    await user.should_see(marker='chat-input', retries=50)
    navigation.ignoring = True
    real_now = clock.now
    monkeypatch.setattr(clock, 'now', lambda: real_now() + accounts.SESSION_LIFETIME)
    await send_text(bob, 'bob', alice, 'too late')
    await never(lambda: 'too late' in texts(user), 'the expired page received a message')
    assert navigation.ignored == ['/login?notice=expired']


@pytest.mark.parametrize('how', ENDINGS)
async def test_an_ended_session_gets_no_file(user: User, create_user: Callable[[], User], how: str) -> None:
    alice = await accounts.register('alice', 'secret123', 'secret123')
    bob = await accounts.register('bob', 'secret123', 'secret123')
    key = await upload(actor(bob, 'bob'), actor(alice, 'alice'), 'pic.png', png())
    route_navigation(user)
    await signed_in(user, 'alice')
    assert (await user.http_client.get(f'/files/{key}')).status_code == 200
    assert (await user.http_client.get(f'/files/{key}/thumb')).status_code == 200
    await end_session(how, user, alice, create_user, [user])
    for path in (f'/files/{key}', f'/files/{key}/thumb'):
        assert (await user.http_client.get(path)).status_code == 404


# ------------------------------------------------------------------ the session check between database lookups


def end_in_database_only(user_id: int) -> None:
    """End the user's sessions in the database without the ``SessionEnded`` event (as if Redis lost it)."""
    with session_scope() as db:
        assert session_queries.revoke_user_sessions(db, user_id=user_id, reason='logout', now=clock.now())


async def chatting_with_bob(user: User) -> tuple[int, IgnoredNavigation]:
    alice = await accounts.register('alice', 'secret123', 'secret123')
    await accounts.register('bob', 'secret123', 'secret123')
    await signed_in(user, 'alice')
    navigation = IgnoredNavigation(user)
    await sees_contact(user, 'bob')
    open_contact(user, 'bob')
    await user.should_see(marker='chat-input', retries=50)
    user.find('chat-input').type('first')
    user.find('chat-send').click()
    await until(lambda: 'first' in texts(user), 'the first message was shown')
    navigation.ignoring = True
    return alice, navigation


async def test_a_session_ended_without_its_event_is_refused_once_the_last_check_is_old(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, navigation = await chatting_with_bob(user)
    end_in_database_only(alice)
    later = guard.monotonic() + guard.CHECK_EVERY + 0.1
    monkeypatch.setattr(guard, 'monotonic', lambda: later)

    user.find('chat-input').type('second')
    user.find('chat-send').click()

    await until(lambda: navigation.ignored == ['/login?notice=expired'], 'the page was told to leave')
    await never(lambda: 'second' in texts(user), 'the ended session sent a message')


async def test_a_reconnecting_page_asks_the_database_about_its_session_at_once(user: User) -> None:
    alice, navigation = await chatting_with_bob(user)
    end_in_database_only(alice)

    await reconnect(user)  # events may have been lost while it was away: the session's end among them

    await until(lambda: navigation.ignored == ['/login?notice=expired'], 'the page was told to leave')


async def test_events_that_arrive_while_the_database_answers_share_its_answer(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    await chatting_with_bob(user)
    asked: list[str | None] = []
    ask = accounts.current_session

    async def slow_ask(token: str | None) -> SessionInfo | None:
        asked.append(token)
        await asyncio.sleep(0.3)  # the typing notice and the click both arrive while this answers
        return await ask(token)

    monkeypatch.setattr(accounts, 'current_session', slow_ask)
    # typing 'second' sends its notice: a guarded event of its own
    monkeypatch.setattr(typing_notices, 'TYPING_EVERY', 0.0)
    later = guard.monotonic() + guard.CHECK_EVERY + 0.1
    monkeypatch.setattr(guard, 'monotonic', lambda: later)

    user.find('chat-input').type('second')
    user.find('chat-send').click()

    await until(lambda: 'second' in texts(user), 'the message was sent after the check')
    assert len(asked) == 1
