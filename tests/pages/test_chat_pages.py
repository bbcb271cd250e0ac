import asyncio
from collections.abc import Callable

import pytest
from nicegui.testing import User

from chat_ui.live.events import ReadMarked
from chat_ui.services import accounts, conversations
from chat_ui.services.read_marks import read_marks
from db import conversations as conversation_queries
from db import users as user_queries
from db.engine import session_scope
from tests.support.events import CapturedEvents

from .conftest import (
    bubbles,
    contact_row,
    contact_rows,
    login,
    message_rows,
    open_contact,
    rendered_html,
    route_navigation,
    sees_contact,
    sees_text,
)


async def signed_in(user: User, name: str) -> None:
    await accounts.register(name, 'secret123', 'secret123')
    await login(user, name)
    await user.should_see('contact-list', retries=30)


async def open_chat(user: User, peer: str) -> None:
    await sees_contact(user, peer)
    open_contact(user, peer)
    await user.should_see(marker='chat-input', retries=30)


async def send(user: User, text: str) -> None:
    user.find('chat-input').type(text)
    user.find('chat-send').click()


async def has_bubble(user: User, text: str) -> None:
    """Wait until a message bubble with exactly this text is on the user's page."""
    for _ in range(100):
        if any(body == text for _, body in bubbles(user)):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f'no bubble {text!r} in {bubbles(user)}')


def online(user: User, name: str) -> str:
    row = contact_row(user, name)
    assert row is not None, f'{name} is not in the contact list'
    return str(row['on'])


def contact_rows_order(user: User) -> list[str]:
    return [row['name'] for row in contact_rows(user)]


async def three_people(user: User, create_user: Callable[[], User]) -> tuple[User, User, User]:
    alice, bob, carol = user, create_user(), create_user()
    route_navigation(alice, bob, carol)
    for name in ('alice', 'bob', 'carol'):
        await accounts.register(name, 'secret123', 'secret123')
    for person, name in ((alice, 'alice'), (bob, 'bob'), (carol, 'carol')):
        await login(person, name)
        await person.should_see('contact-list', retries=30)
    return alice, bob, carol


async def test_message_reaches_the_peer_live_and_nobody_else(user: User, create_user: Callable[[], User]) -> None:
    alice, bob, carol = await three_people(user, create_user)
    await open_chat(bob, 'alice')
    await open_chat(carol, 'alice')
    await open_chat(alice, 'bob')
    await send(alice, 'hello bob')
    await has_bubble(bob, 'hello bob')
    await sees_text(alice, 'hello bob')
    await sees_text(carol, 'hello bob', present=False)
    assert [m for m, _ in bubbles(alice)] == ['true']
    assert [m for m, _ in bubbles(bob)] == ['false']
    await send(bob, 'hi alice')
    await has_bubble(alice, 'hi alice')
    assert [m for m, _ in bubbles(alice)] == ['true', 'false']


async def test_unread_marker_for_a_closed_conversation(user: User, create_user: Callable[[], User]) -> None:
    alice, bob, _ = await three_people(user, create_user)
    await open_chat(bob, 'carol')
    await open_chat(alice, 'bob')
    await send(alice, 'are you there?')
    await has_bubble(alice, 'are you there?')
    await sees_text(bob, 'are you there?', present=False)
    for _ in range(100):
        row = contact_row(bob, 'alice')
        if row is not None and row['n'] == 1:
            break
        await asyncio.sleep(0.02)
    assert row is not None and row['n'] == 1
    assert contact_row(bob, 'carol')['n'] == 0  # type: ignore[index]
    assert contact_rows_order(bob)[0] == 'alice'


async def shows_online(user: User, name: str, expected: str) -> None:
    """Wait until ``name``'s dot in the user's list says ``expected`` (changes are sent together, within 0.5 s)."""
    for _ in range(250):
        if online(user, name) == expected:
            return
        await asyncio.sleep(0.02)
    assert online(user, name) == expected


async def test_presence_follows_connections(user: User, create_user: Callable[[], User]) -> None:
    alice, bob, _ = await three_people(user, create_user)
    await shows_online(bob, 'alice', 'true')
    await shows_online(bob, 'carol', 'true')
    alice.find('logout').click()
    await alice.should_see('login-username', retries=30)
    await shows_online(bob, 'alice', 'false')
    await login(alice, 'alice')
    await alice.should_see('contact-list', retries=30)
    await shows_online(bob, 'alice', 'true')


async def test_search_highlights_and_counts(user: User, create_user: Callable[[], User]) -> None:
    alice, _, _ = await three_people(user, create_user)
    await open_chat(alice, 'bob')
    for text in [
        'Meeting at 10',
        'no meeting today, MEETING tomorrow',
        '我爱苹果',
        'discount 50% off',
        'a_b and ab',
        'other',
    ]:
        await send(alice, text)
        await has_bubble(alice, text)
    alice.find('search-input').type('meeting')
    alice.find('search-submit').click()
    await sees_text(alice, "2 message(s) containing 'meeting'")
    html = ' '.join(rendered_html(alice))
    assert 'no <mark>meeting</mark> today, <mark>MEETING</mark> tomorrow' in html
    assert '<mark>Meeting</mark> at 10' in html
    alice.find('search-input').clear().type('苹')
    alice.find('search-submit').click()
    await sees_text(alice, "1 message(s) containing '苹'")
    alice.find('search-input').clear().type('%')
    alice.find('search-submit').click()
    await sees_text(alice, "1 message(s) containing '%'")
    alice.find('search-input').clear().type('_')
    alice.find('search-submit').click()
    await sees_text(alice, "1 message(s) containing '_'")
    alice.find('search-input').clear().type('zebra')
    alice.find('search-submit').click()
    await sees_text(alice, "No messages containing 'zebra'")


async def test_clear_history_empties_both_panes(user: User, create_user: Callable[[], User]) -> None:
    alice, bob, _ = await three_people(user, create_user)
    await open_chat(alice, 'bob')
    await open_chat(bob, 'alice')
    await send(alice, 'to be forgotten')
    await has_bubble(bob, 'to be forgotten')
    alice.find('clear-history').click()
    await alice.should_see('Clear all chat history with bob? This cannot be undone!', retries=50)
    alice.find('confirm-cancel').click()
    await alice.should_not_see('confirm-cancel', retries=50)
    await sees_text(alice, 'to be forgotten')
    alice.find('clear-history').click()
    await alice.should_see('confirm-ok', retries=50)
    alice.find('confirm-ok').click()
    await sees_text(alice, 'to be forgotten', present=False)
    await sees_text(bob, 'to be forgotten', present=False)
    await sees_text(bob, 'Chat history cleared')
    await sees_text(alice, 'Chat history cleared')


async def test_muted_user_cannot_send(user: User, create_user: Callable[[], User]) -> None:
    alice, bob, _ = await three_people(user, create_user)
    await open_chat(alice, 'bob')
    await open_chat(bob, 'alice')
    with session_scope() as db:
        muted = user_queries.get_user_by_key(db, name_key='alice')
        assert muted is not None
        muted.is_muted = True
    await send(alice, 'can anyone hear me')
    await alice.should_see('muted', retries=30)
    await sees_text(bob, 'can anyone hear me', present=False)


async def test_too_long_message_is_refused(user: User, create_user: Callable[[], User]) -> None:
    alice, _, _ = await three_people(user, create_user)
    await open_chat(alice, 'bob')
    await send(alice, 'x' * 5001)
    await alice.should_see('too long', retries=30)
    assert bubbles(alice) == []


async def test_contact_window_brings_in_writers_and_filters(
    user: User, create_user: Callable[[], User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conversations, 'SIDEBAR_SHOWN', 2)
    alice, bob, carol = await three_people(user, create_user)
    for name in ('dave', 'erin'):
        await accounts.register(name, 'secret123', 'secret123')
    await alice.open('/')
    await sees_contact(alice, 'bob')
    await sees_contact(alice, 'carol')
    await sees_contact(alice, 'erin', present=False)
    await alice.should_see('Type a name to find anyone else', retries=50)
    await login(erin := create_user(), 'erin')
    route_navigation(alice, bob, carol, erin)
    await sees_contact(erin, 'alice')
    await open_chat(erin, 'alice')
    await send(erin, 'from outside the window')
    await sees_contact(alice, 'erin')
    assert contact_rows_order(alice)[0] == 'erin'
    alice.find('Search chats and people').type('dav')
    await sees_contact(alice, 'dave')
    await sees_contact(alice, 'bob', present=False)


async def test_forged_or_malformed_row_clicks_open_nothing(user: User, create_user: Callable[[], User]) -> None:
    """The browser reports the clicked row; only an id of a row in this user's own list may open a conversation."""
    alice, _, _ = await three_people(user, create_user)
    await sees_contact(alice, 'bob')
    for args in (
        [{}, {'id': 'u1'}],  # alice herself
        [{}, {'id': 'u999'}],  # nobody
        [{}, {'id': 'r1'}],  # a room she is not in
        [{}, {'id': 2}],  # a number, not a row key
        [{}, {'id': None}],
        [{}, 'bob'],
        'not a list',
        [],
    ):
        alice.find('contact-list').trigger('rowClick', args)
        await asyncio.sleep(0.05)
        await alice.should_not_see('chat-peer', retries=5)
        assert all(row['cls'] == 'contact-row' for row in contact_rows(alice))
    open_contact(alice, 'bob')
    await sees_text(alice, 'bob')
    assert [row['name'] for row in contact_rows(alice) if row['cls'] != 'contact-row'] == ['bob']


async def test_search_folds_unicode_case_for_count_and_marks(user: User, create_user: Callable[[], User]) -> None:
    alice, _, _ = await three_people(user, create_user)
    await open_chat(alice, 'bob')
    for text in ['ΟΔΟΣ', 'Straße', 'İstanbul']:
        await send(alice, text)
        await has_bubble(alice, text)
    for keyword, summary, marked in [
        ('ς', "1 message(s) containing 'ς'", 'ΟΔΟ<mark>Σ</mark>'),
        ('SS', "1 message(s) containing 'SS'", 'Stra<mark>ß</mark>e'),
        ('istanbul', "1 message(s) containing 'istanbul'", '<mark>İstanbul</mark>'),
    ]:
        alice.find('search-input').clear().type(keyword)
        alice.find('search-submit').click()
        await sees_text(alice, summary)
        assert marked in ' '.join(rendered_html(alice))


def user_id(name: str) -> int:
    with session_scope() as db:
        found = user_queries.get_user_by_key(db, name_key=name)
        assert found is not None and found.id is not None
        return found.id


def newest_shown(user: User) -> int:
    return max(int(row['id']) for row in message_rows(user))


async def test_an_open_pane_reports_its_reads_in_batches(
    user: User, create_user: Callable[[], User], events: CapturedEvents
) -> None:
    """Messages arriving in an open pane are read, and the marks reach the server in batches (the newest wins):
    a busy room must not cost a write per member per message."""
    alice, bob, _ = await three_people(user, create_user)
    await open_chat(bob, 'alice')
    await open_chat(alice, 'bob')
    events.clear()
    texts = [f'quick {i}' for i in range(6)]
    for text in texts:
        await send(alice, text)
        await has_bubble(alice, text)
    await has_bubble(bob, texts[-1])
    await read_marks.flush()
    bob_id = user_id('bob')
    marks = [event.message_id for event, _ in events.of(ReadMarked) if event.user_id == bob_id]
    assert marks and marks[-1] == newest_shown(bob), marks
    assert len(marks) < len(texts), f'one read mark per message: {marks}'


async def test_a_pane_that_is_left_at_once_still_has_its_read_mark_written(
    user: User, create_user: Callable[[], User]
) -> None:
    alice, bob, _ = await three_people(user, create_user)
    await open_chat(bob, 'alice')
    await open_chat(alice, 'bob')
    for text in ('one', 'two', 'three'):
        await send(alice, text)
        await has_bubble(alice, text)
    await has_bubble(bob, 'three')
    newest = newest_shown(bob)
    await bob.open('/rooms')  # bob leaves the moment he has seen the last message
    await read_marks.flush()
    with session_scope() as db:
        chat = conversation_queries.find_direct(db, user_a=user_id('alice'), user_b=user_id('bob'))
        assert chat is not None and chat.id is not None
        assert conversation_queries.last_read_ids(db, conversation_id=chat.id)[user_id('bob')] == newest
