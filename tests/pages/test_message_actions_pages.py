"""Message actions in simulated pages: the menu offers what the server allows, edit and recall reach the peer's
open page live, replies carry a quote that leads to an older message, forged events change nothing, and the
admin's records remove a message (audited) and keep its earlier versions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from nicegui import ElementFilter, ui
from nicegui.testing import User, UserInteraction

from chat_ui.core import clock
from chat_ui.services import accounts, conversations, messaging
from db.engine import session_scope
from db.models import Message

from .conftest import message_rows, route_navigation, until
from .test_admin_pages import make_admin
from .test_chat_pages import has_bubble, open_chat, send, signed_in


def chunk_with(user: User, message_id: int) -> ui.element:
    with user:
        chunks = [e for e in ElementFilter(kind=ui.element, local_scope=False) if 'chat-chunk' in e.classes]
    return next(c for c in chunks if any(row['id'] == message_id for row in c.props['rows']))


def any_chunk(user: User) -> ui.element:
    with user:
        return next(e for e in ElementFilter(kind=ui.element, local_scope=False) if 'chat-chunk' in e.classes)


def row_of(user: User, text: str) -> dict[str, Any]:
    return next(row for row in message_rows(user) if row.get('b') == text)


def row_by_id(user: User, message_id: int) -> dict[str, Any] | None:
    return next((row for row in message_rows(user) if row['id'] == message_id), None)


def emit(user: User, chunk: ui.element, event: str, args: Any) -> None:
    UserInteraction(user, {chunk}, None).trigger(event, args)


def present(user: User, marker: str) -> bool:
    with user:
        return any(True for _ in ElementFilter(marker=marker, local_scope=False))


async def pair(user: User, create_user: Callable[[], User]) -> tuple[User, User]:
    alice, bob = user, create_user()
    route_navigation(alice, bob)
    await signed_in(alice, 'alice')
    await signed_in(bob, 'bob')
    await open_chat(alice, 'bob')
    await open_chat(bob, 'alice')
    return alice, bob


async def menu_for(user: User, text: str) -> None:
    row = row_of(user, text)
    emit(user, chunk_with(user, row['id']), 'menu', [row['id']])
    await user.should_see('action-reply', retries=50)


async def test_edit_and_recall_reach_the_peer_live(user: User, create_user: Callable[[], User]) -> None:
    alice, bob = await pair(user, create_user)
    await send(alice, 'helo wrold')
    await has_bubble(bob, 'helo wrold')
    await send(bob, 'from bob')
    await has_bubble(alice, 'from bob')

    await menu_for(alice, 'from bob')  # someone else's message: reply only
    assert not present(alice, 'action-edit') and not present(alice, 'action-recall')
    alice.find('action-reply').click()
    await alice.should_see('reply-banner')
    alice.find('reply-cancel').click()
    await until(lambda: not present(alice, 'reply-banner'), 'reply banner closed')

    await menu_for(alice, 'helo wrold')
    alice.find('action-edit').click()
    await alice.should_see('edit-banner')
    await until(lambda: alice.find('chat-input').elements.pop().value == 'helo wrold', 'text in the input')
    alice.find('chat-input').clear().type('hello world')
    alice.find('chat-send').click()
    await has_bubble(bob, 'hello world')
    assert row_of(bob, 'hello world').get('e') == 'edited'
    await until(lambda: not present(alice, 'edit-banner'), 'edit banner closed')
    assert row_of(alice, 'hello world').get('e') == 'edited'

    await menu_for(alice, 'hello world')
    alice.find('action-recall').click()
    await until(lambda: any(row['k'] == 'recalled' for row in message_rows(bob)), 'recalled for bob')
    recalled = next(row for row in message_rows(bob) if row['k'] == 'recalled')
    assert recalled['b'] == 'alice recalled a message' and 'hello world' not in str(message_rows(bob))
    assert next(row for row in message_rows(alice) if row['k'] == 'recalled')['b'] == 'You recalled a message'


async def test_menu_hides_expired_actions_and_the_server_refuses_them(
    user: User, create_user: Callable[[], User], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = await pair(user, create_user)
    await send(alice, 'old news')
    await has_bubble(bob, 'old news')
    later = clock.now() + timedelta(minutes=16)
    monkeypatch.setattr(clock, 'now', lambda: later)
    await menu_for(alice, 'old news')
    assert not present(alice, 'action-edit') and not present(alice, 'action-recall')


async def test_forged_menu_and_quote_events_change_nothing(user: User, create_user: Callable[[], User]) -> None:
    alice, bob = await pair(user, create_user)
    await send(bob, 'visible')
    await has_bubble(alice, 'visible')
    await accounts.register('carol', 'secret123', 'secret123')
    view = await conversations.open_direct(_actor('carol'), peer_id=_user_id('bob'))
    assert view.id is not None
    secret = await messaging.send_text(_actor('carol'), conversation_id=view.id, text='secret of carol')
    assert secret is not None
    chunk = any_chunk(alice)
    for forged in ([secret.id], [999_999], ['1'], [None], [True], {}, [[1]]):
        emit(alice, chunk, 'menu', forged)
        emit(alice, chunk, 'quote', forged)
    await asyncio.sleep(0.3)
    assert not present(alice, 'action-reply')
    assert 'secret of carol' not in str(message_rows(alice))
    assert [row['b'] for row in message_rows(alice)] == ['visible']


def _user_id(name: str) -> int:
    from db import users as user_queries

    with session_scope() as db:
        found = user_queries.get_user_by_key(db, name_key=name)
        assert found is not None and found.id is not None
        return found.id


def _actor(name: str) -> Any:
    from chat_ui.core.views import SessionInfo

    return SessionInfo(session_id=0, user_id=_user_id(name), username=name, is_admin=False, is_muted=False)


async def test_reply_quote_leads_to_an_older_message(user: User, create_user: Callable[[], User]) -> None:
    alice, _bob = await pair(user, create_user)
    chat = _conversation_of('alice', 'bob')
    first = await messaging.send_text(_actor('bob'), conversation_id=chat, text='the very first')
    assert first is not None
    for i in range(200):  # more than the window keeps rendered
        await messaging.send_text(_actor('bob'), conversation_id=chat, text=f'filler {i}')
    await messaging.send_text(_actor('bob'), conversation_id=chat, text='answer', reply_to_id=first.id)
    await has_bubble(alice, 'answer')
    quote = row_of(alice, 'answer')
    assert (quote['rq'], quote['rn'], quote['rx']) == (first.id, 'bob', 'the very first')
    assert row_by_id(alice, first.id) is None  # not in the window shown
    emit(alice, chunk_with(alice, quote['id']), 'quote', [first.id])
    await until(lambda: (row_by_id(alice, first.id) or {}).get('h') is True, 'original loaded and highlighted')
    await alice.should_see('load-newer')
    alice.find('load-newer').click()
    await until(lambda: row_by_id(alice, first.id) is None and not present(alice, 'load-newer'), 'back to newest')


async def test_reply_from_the_menu_quotes_and_is_refused_elsewhere(user: User, create_user: Callable[[], User]) -> None:
    alice, bob = await pair(user, create_user)
    await send(bob, 'question?\nsecond line')
    await has_bubble(alice, 'question?\nsecond line')
    await menu_for(alice, 'question?\nsecond line')
    alice.find('action-reply').click()
    await alice.should_see('reply-banner')
    await send(alice, 'the answer')
    await has_bubble(bob, 'the answer')
    row = row_of(bob, 'the answer')
    assert (row['rn'], row['rx']) == ('bob', 'question?')
    await until(lambda: not present(alice, 'reply-banner'), 'reply banner gone after sending')


def _conversation_of(a: str, b: str) -> int:
    from db import conversations as conversation_queries

    with session_scope() as db:
        found = conversation_queries.find_direct(db, user_a=_user_id(a), user_b=_user_id(b))
        assert found is not None and found.id is not None
        return found.id


async def test_admin_removes_a_message_and_keeps_its_versions(user: User, create_user: Callable[[], User]) -> None:
    from chat_ui.services import message_actions

    await make_admin()
    root, alice, bob = user, create_user(), create_user()
    route_navigation(root, alice, bob)
    await signed_in(alice, 'alice')
    await signed_in(bob, 'bob')
    await open_chat(bob, 'alice')
    chat = _conversation_of('alice', 'bob')
    sent = await messaging.send_text(_actor('alice'), conversation_id=chat, text='first draft')
    assert sent is not None
    await message_actions.edit_message(_actor('alice'), message_id=sent.id, text='final text')
    await has_bubble(bob, 'final text')

    from .conftest import login

    await login(root, 'root', 'admin123')
    await root.should_see('admin-users', retries=50)
    root.find('view-alice').click()
    await root.should_see('record-history', retries=50)
    await root.should_see(f'remove-message-{sent.id}')
    root.find(f'remove-message-{sent.id}').click()
    await root.should_see('confirm-ok')
    root.find('confirm-ok').click()
    await root.should_see('record-recalled', retries=50)
    await until(lambda: (row_by_id(bob, sent.id) or {}).get('k') == 'recalled', 'removed live for bob')
    assert row_by_id(bob, sent.id)['b'] == 'A message was removed by the administrator'  # type: ignore[index]
    with session_scope() as db:
        row = db.get(Message, sent.id)
        assert row is not None and row.body is None and row.recalled_by != row.sender_id
