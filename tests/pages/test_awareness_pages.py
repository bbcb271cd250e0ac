"""Typing indicator, read markers, mentions, search everywhere and the window around a message, in the page
(NiceGUI's simulated users, two or three people)."""

from collections.abc import Callable
from typing import Any

import pytest
from nicegui import ElementFilter
from nicegui.testing import User

from chat_ui.core.views import SessionInfo
from chat_ui.live.events import TypingStarted
from chat_ui.live.hub import hub, user_topic
from chat_ui.services import accounts, typing
from db import users as user_queries
from db.engine import session_scope
from tests.support.events import CapturedEvents

from .conftest import message_rows, open_contact, rendered_text, sees_contact
from .test_room_pages import create_room, eventually, open_members, open_row, people, send, sidebar_row, table_rows


@pytest.fixture(autouse=True)
def fresh_gate() -> None:
    typing.gate.clear()


async def open_chat(user: User, peer: str) -> None:
    await sees_contact(user, peer)
    open_contact(user, peer)
    await user.should_see(marker='chat-input', retries=30)


async def say(user: User, text: str) -> None:
    """Send and wait until the sender's page shows it (the next text is typed into an empty input)."""
    await send(user, text)
    await eventually(lambda: any(row.get('b') == text for row in message_rows(user)), f'{text!r} not shown')


def typing_text(user: User) -> str:
    text = rendered_text(user)
    return text if 'typing' in text else ''


def user_id(name: str) -> int:
    with session_scope() as db:
        found = user_queries.get_user_by_key(db, name_key=name)
        assert found is not None and found.id is not None
        return found.id


def marked(user: User) -> list[tuple[str, Any]]:
    """(text, read marker) of every bubble that carries a read marker."""
    return [(row.get('b', ''), row['rd']) for row in message_rows(user) if row.get('rd')]


async def test_typing_shows_for_the_open_conversation_and_clears_on_send_and_silence(
    user: User, create_user: Callable[[], User], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob, carol = await people(user, create_user, 'alice', 'bob', 'carol')
    await open_chat(alice, 'bob')
    await open_chat(bob, 'alice')
    await open_chat(carol, 'alice')
    alice.find('chat-input').type('hel')
    await eventually(lambda: 'alice is typing…' in typing_text(bob), 'bob never saw alice typing')
    assert typing_text(carol) == ''  # not a member of that conversation
    assert typing_text(alice) == ''  # not shown to the typist
    await send(alice, 'hello')
    await eventually(lambda: typing_text(bob) == '', 'the indicator stayed after the message')

    monkeypatch.setattr(typing, 'TYPING_SHOWN', 0.2)
    monkeypatch.setattr(typing, 'TYPING_EVERY', 0.0)  # the page's and the server's gate (3 s otherwise)
    alice.find('chat-input').type('more')
    await eventually(lambda: 'alice is typing…' in typing_text(bob), 'no second notice')
    await eventually(lambda: typing_text(bob) == '', 'the indicator did not clear after silence')


async def test_several_typists_are_named_and_other_conversations_show_nothing(
    user: User, create_user: Callable[[], User]
) -> None:
    alice, bob, carol = await people(user, create_user, 'alice', 'bob', 'carol')
    await create_room(alice, 'Team')
    await open_members(alice)
    for person, name in ((bob, 'bob'), (carol, 'carol')):
        alice.find('add-member-input').type(name)
        alice.find('add-member-submit').click()
        await eventually(lambda p=person: sidebar_row(p, 'Team') is not None, f'{name} not added')
    open_row(bob, 'Team')
    open_row(carol, 'Team')
    await bob.should_see(marker='chat-input', retries=30)
    await carol.should_see(marker='chat-input', retries=30)
    bob.find('chat-input').type('b')
    carol.find('chat-input').type('c')
    await eventually(lambda: 'bob and carol are typing…' in typing_text(alice), 'two typists not named')
    # a forged or misdirected notice for a conversation that is not open shows nothing
    hub.publish(
        TypingStarted(conversation_id=987_654, user_id=user_id('bob'), username='bob'), [user_topic(user_id('carol'))]
    )
    await eventually(lambda: 'bob' not in typing_text(carol), 'carol saw a notice for another conversation')


async def test_read_marker_follows_the_peer_and_the_switch_stops_it_both_ways(
    user: User, create_user: Callable[[], User]
) -> None:
    alice, bob = await people(user, create_user, 'alice', 'bob')
    await open_chat(alice, 'bob')
    await say(alice, 'one')
    await say(alice, 'two')
    assert marked(alice) == []
    await open_chat(bob, 'alice')
    await eventually(lambda: marked(alice) == [('two', 'Read')], f'no marker: {message_rows(alice)}')
    await say(alice, 'three')
    await eventually(lambda: marked(alice) == [('three', 'Read')], 'the open pane did not read live')

    await bob.open('/profile')  # bob switches receipts off on his profile page, then opens the chat again
    for switch in bob.find('read-receipts').elements:
        switch.value = False
    await eventually(
        lambda: all(e.props.get('data-state') == 'off' for e in bob.find('read-receipts').elements), 'state'
    )
    await eventually(lambda: not user_queries_receipts('bob'), 'setting not stored')
    await bob.open('/')
    await open_chat(bob, 'alice')
    await say(alice, 'four')
    await eventually(lambda: any(r.get('b') == 'four' for r in message_rows(bob)), 'bob did not get it')
    assert marked(alice) == []  # bob shares no receipts any more: his earlier one went at once, "four" is not shared
    alice.find('contact-list').trigger('rowClick', [{}, {'id': f'u{user_id("bob")}'}])
    await eventually(lambda: any(r.get('b') == 'four' for r in message_rows(alice)), 'reopened')
    await eventually(lambda: marked(alice) == [], 'marker shown although bob switched receipts off')
    await send(bob, 'reply')
    await eventually(lambda: marked(bob) == [], 'bob sees markers although his receipts are off')


async def test_the_switch_redraws_open_panes_on_both_sides_at_once(
    user: User, create_user: Callable[[], User], events: CapturedEvents
) -> None:
    """Switching receipts off (on the profile page of another tab) removes the marker from the peer's open pane and
    from the person's own open pane without a reload; switching them on brings it back."""
    alice, bob = await people(user, create_user, 'alice', 'bob')
    bob_elsewhere = SessionInfo(session_id=0, user_id=user_id('bob'), username='bob', is_admin=False, is_muted=False)
    await open_chat(alice, 'bob')
    await open_chat(bob, 'alice')
    await say(bob, 'from bob')
    await say(alice, 'from alice')
    await eventually(lambda: marked(alice) == [('from alice', 'Read')], f'no marker for alice {events.items}')
    await eventually(lambda: marked(bob) == [('from bob', 'Read')], f'no marker for bob {message_rows(bob)}')
    await accounts.set_read_receipts(bob_elsewhere, False)
    await eventually(lambda: marked(alice) == [], 'alice still sees the marker of bob, who switched it off')
    await eventually(lambda: marked(bob) == [], "bob's open tab still shows markers")
    await accounts.set_read_receipts(bob_elsewhere, True)
    await eventually(lambda: marked(alice) == [('from alice', 'Read')], 'the marker did not come back')
    await eventually(lambda: marked(bob) == [('from bob', 'Read')], "bob's marker did not come back")


def user_queries_receipts(name: str) -> bool:
    with session_scope() as db:
        return user_queries.read_receipts(db, user_ids=[user_id(name)])[user_id(name)]


async def test_mentions_are_highlighted_parts_and_badge_the_room_until_read(
    user: User, create_user: Callable[[], User]
) -> None:
    alice, bob = await people(user, create_user, 'alice', 'bob')
    await create_room(alice, 'Team')
    await open_members(alice)
    alice.find('add-member-input').type('bob')
    alice.find('add-member-submit').click()
    await eventually(lambda: sidebar_row(bob, 'Team') is not None, 'bob not in the room')
    await say(alice, 'hi @BOB <b>look</b>')
    await eventually(lambda: (sidebar_row(bob, 'Team') or {}).get('at') == 1, f'no badge: {sidebar_row(bob, "Team")}')
    row = next(r for r in message_rows(alice) if r.get('b', '').startswith('hi'))
    assert row['p'] == [['hi ', 0], ['@BOB', 1], [' <b>look</b>', 0]]  # text parts, never HTML
    await say(alice, 'no mention here')
    await eventually(lambda: (sidebar_row(bob, 'Team') or {}).get('u') == 2, 'unread not counted')
    assert sidebar_row(bob, 'Team')['at'] == 1  # type: ignore[index]
    open_row(bob, 'Team')
    await eventually(lambda: (sidebar_row(bob, 'Team') or {}).get('at') == 0, 'badge stayed after reading')


def result_rows(user: User) -> list[dict[str, Any]]:
    return table_rows(user, 'global-results')


async def test_search_everywhere_opens_the_conversation_at_the_message(
    user: User, create_user: Callable[[], User]
) -> None:
    alice, bob, _carol = await people(user, create_user, 'alice', 'bob', 'carol')
    await open_chat(alice, 'bob')
    for i in range(60):
        await say(alice, f'filler {i}' if i != 10 else 'the Needle 苹果')
    await open_chat(alice, 'carol')
    await eventually(lambda: message_rows(alice) == [], 'the conversation with carol did not open')
    await say(alice, 'needle for carol')

    bob.find('global-search-input').type('苹')
    bob.find('global-search-submit').click()
    await eventually(lambda: len(result_rows(bob)) == 2, f'results: {result_rows(bob)}')
    group, hit = result_rows(bob)
    assert group['title'] == 'alice' and hit['p'] == [['the Needle ', 0], ['苹', 1], ['果', 0]]
    bob.find('global-results').trigger('rowClick', [{}, {'id': hit['id']}])
    await eventually(lambda: any(r.get('h') for r in message_rows(bob)), 'not opened at the message')
    shown = message_rows(bob)
    assert [r['b'] for r in shown if r.get('h')] == ['the Needle 苹果']
    assert shown[-1]['b'] == 'filler 15'  # the window around it, not the newest
    await bob.should_see(marker='load-newer')
    bob.find('load-newer').click()
    await eventually(lambda: message_rows(bob) and message_rows(bob)[-1]['b'] == 'filler 59', 'not back to newest')

    alice.find('global-search-input').type('NEEDLE')
    alice.find('global-search-submit').click()
    await eventually(lambda: [r['title'] for r in result_rows(alice) if r.get('g')] == ['carol', 'bob'], 'groups')


async def test_search_everywhere_with_html_and_nothing_found(user: User, create_user: Callable[[], User]) -> None:
    (alice,) = await people(user, create_user, 'alice')
    alice.find('global-search-input').type('<img src=x onerror=alert(1)>')
    alice.find('global-search-submit').click()
    await alice.should_see(marker='global-search-empty', retries=50)
    await alice.should_see("No messages containing '<img src=x onerror=alert(1)>'")
    with alice:
        assert not list(ElementFilter(marker='global-results', local_scope=False))
