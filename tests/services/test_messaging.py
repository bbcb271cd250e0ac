"""Messages of conversations (direct and rooms): send, windows, catch-up, read marks, search, clear; with the
events each publishes and who receives them."""

import pytest
from sqlalchemy.engine import Engine

from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.live.events import HistoryCleared, MessageCreated, ReadMarked, ReceiptMoved
from chat_ui.services import conversations, messaging
from chat_ui.services.search_index import search_index
from chat_ui.ui.highlight import highlight
from db import messages as message_queries
from db.engine import session_scope
from tests.support.events import CapturedEvents, only, to_users
from tests.support.factories import make_users, set_flags


async def direct(a: SessionInfo, b: SessionInfo) -> int:
    view = await conversations.open_direct(a, peer_id=b.user_id)
    assert view.id is not None
    return view.id


async def test_send_stores_then_publishes_once_to_both_people(engine: Engine, events: CapturedEvents) -> None:
    a, b, _ = make_users('alice', 'bob', 'carol')
    chat = await direct(a, b)
    view = await messaging.send_text(a, conversation_id=chat, text='  hello 你好 😀  ')
    assert view is not None and view.body == 'hello 你好 😀' and view.sender_name == 'alice'
    assert events.of(MessageCreated) == [(MessageCreated(message=view), to_users(a.user_id, b.user_id))]
    assert [v.body for v in await messaging.load_window(b, conversation_id=chat)] == ['hello 你好 😀']


async def test_opening_a_direct_conversation_twice_finds_the_same_one(engine: Engine) -> None:
    a, b = make_users('alice', 'bob')
    first = await conversations.open_direct(a, peer_id=b.user_id)
    second = await conversations.open_direct(b, peer_id=a.user_id)
    assert first.id == second.id and first.title == 'bob' and second.title == 'alice'


@pytest.mark.parametrize('text', ['', '   ', '\n\n'])
async def test_empty_text_is_ignored(engine: Engine, text: str) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    assert await messaging.send_text(a, conversation_id=chat, text=text) is None
    assert await messaging.load_window(a, conversation_id=chat) == []


async def test_refusals_write_nothing(engine: Engine, events: CapturedEvents) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    chat = await direct(a, b)
    with pytest.raises(ChatError) as info:
        await messaging.send_text(a, conversation_id=chat, text='x' * 5001)
    assert info.value.key == 'message_too_long'
    for who, conversation_id in [(c, chat), (a, 999_999)]:
        with pytest.raises(ChatError) as info:
            await messaging.send_text(who, conversation_id=conversation_id, text='intruder')
        assert info.value.key == 'not_a_member'
    with pytest.raises(ChatError) as info:
        await conversations.open_direct(a, peer_id=a.user_id)
    assert info.value.key == 'peer_unavailable'
    set_flags(a.user_id, muted=True)
    with pytest.raises(ChatError) as info:
        await messaging.send_text(a, conversation_id=chat, text='muted')
    assert info.value.key == 'muted'
    set_flags(a.user_id, muted=False)
    set_flags(b.user_id, banned=True)
    with pytest.raises(ChatError) as info:
        await messaging.send_text(a, conversation_id=chat, text='to a banned peer')
    assert info.value.key == 'peer_unavailable'
    assert events.of(MessageCreated) == []
    with session_scope() as db:
        assert message_queries.window(db, conversation_id=chat, limit=10) == []


async def test_non_members_cannot_read_search_or_clear(engine: Engine) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    chat = await direct(a, b)
    await messaging.send_text(a, conversation_id=chat, text='secret')
    for call in (
        messaging.load_window(c, conversation_id=chat),
        messaging.load_newer(c, conversation_id=chat, after_id=0),
        messaging.search(c, conversation_id=chat, keyword='secret'),
        messaging.clear_history(c, conversation_id=chat),
        messaging.mark_read(c, conversation_id=chat, message_id=1),
        conversations.conversation(c, conversation_id=chat),
    ):
        with pytest.raises(ChatError) as info:
            await call
        assert info.value.key == 'not_a_member'
    assert [v.body for v in await messaging.load_window(a, conversation_id=chat)] == ['secret']


async def test_windows_and_catch_up_by_id(engine: Engine) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    sent = [await messaging.send_text(a if i % 2 else b, conversation_id=chat, text=f'm{i}') for i in range(120)]
    ids = [view.id for view in sent if view is not None]
    newest = await messaging.load_window(a, conversation_id=chat)
    assert [v.id for v in newest] == ids[-50:]
    older = await messaging.load_window(a, conversation_id=chat, before_id=newest[0].id)
    assert [v.id for v in older] == ids[-100:-50]
    missed = await messaging.load_newer(b, conversation_id=chat, after_id=ids[100])
    assert [v.id for v in missed] == ids[101:]


async def test_unread_counts_live_on_the_server_and_reading_tells_my_tabs(
    engine: Engine, events: CapturedEvents
) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    for text in ('one', 'two', 'three'):
        await messaging.send_text(a, conversation_id=chat, text=text)
    rows = {row.id: row for row in await conversations.sidebar(b)}
    assert rows[chat].unread == 3
    assert {row.id: row.unread for row in await conversations.sidebar(a)}[chat] == 0  # own messages are read
    newest = (await messaging.load_window(b, conversation_id=chat))[-1].id
    events.clear()
    assert await messaging.mark_read(b, conversation_id=chat, message_id=newest)
    assert events.items == [
        (ReadMarked(conversation_id=chat, user_id=b.user_id, message_id=newest), to_users(b.user_id)),
        (ReceiptMoved(conversation_id=chat, reader_id=b.user_id, message_id=newest), to_users(a.user_id)),
    ]  # the read receipt for alice (both have receipts on by default)
    assert not await messaging.mark_read(b, conversation_id=chat, message_id=newest)  # never twice, never back
    assert {row.id: row.unread for row in await conversations.sidebar(b)}[chat] == 0
    await messaging.mark_read(b, conversation_id=chat, message_id=10**12)  # a forged id cannot read ahead
    await messaging.send_text(a, conversation_id=chat, text='four')
    assert {row.id: row.unread for row in await conversations.sidebar(b)}[chat] == 1


async def test_search_counts_in_python_case_insensitive_literal(engine: Engine) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    chat, other = await direct(a, b), await direct(a, c)
    for text in ['Meeting', 'meeting MEETING', 'a (b', '50%', 'x_y', 'xy', '我爱苹果']:
        await messaging.send_text(a, conversation_id=chat, text=text)
    await messaging.send_text(a, conversation_id=other, text='meeting elsewhere')
    result = await messaging.search(b, conversation_id=chat, keyword='meeting')
    assert result is not None and result.count == 2
    assert [v.body for v in result.messages] == ['meeting MEETING', 'Meeting']
    for keyword, count in [('(', 1), ('%', 1), ('_', 1), ('苹', 1), ('zzz', 0)]:
        found = await messaging.search(a, conversation_id=chat, keyword=keyword)
        assert found is not None and found.count == count, keyword
    assert await messaging.search(a, conversation_id=chat, keyword='   ') is None
    with pytest.raises(ChatError):
        await messaging.search(a, conversation_id=chat, keyword='k' * 101)


def test_highlight_escapes_first() -> None:
    assert highlight('<b>Hi</b> hi', 'hi') == '&lt;b&gt;<mark>Hi</mark>&lt;/b&gt; <mark>hi</mark>'
    assert highlight('a.b.c', '.') == 'a<mark>.</mark>b<mark>.</mark>c'
    assert highlight('<img src=x onerror=alert(1)>', 'img') == '&lt;<mark>img</mark> src=x onerror=alert(1)&gt;'
    assert highlight('我爱苹果', '苹') == '我爱<mark>苹</mark>果'


async def test_clear_history_deletes_for_both_and_tells_both(engine: Engine, events: CapturedEvents) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    chat, other = await direct(a, b), await direct(a, c)
    await messaging.send_text(a, conversation_id=chat, text='one')
    await messaging.send_text(b, conversation_id=chat, text='two')
    await messaging.send_text(a, conversation_id=other, text='stays')
    await messaging.clear_history(b, conversation_id=chat)
    assert await messaging.load_window(a, conversation_id=chat) == []
    assert [v.body for v in await messaging.load_window(a, conversation_id=other)] == ['stays']
    assert only(events.of(HistoryCleared)) == (
        HistoryCleared(conversation_id=chat, by_user_id=b.user_id),
        to_users(a.user_id, b.user_id),
    )


async def test_sidebar_newest_activity_first_then_everyone_else_by_name(engine: Engine) -> None:
    a, _, c, d = make_users('alice', 'bob', 'carol', 'dave')
    room = await conversations.create_room(a, title='Lunch', private=False)
    await messaging.send_text(a, conversation_id=await direct(a, c), text='hi carol')
    await messaging.send_text(d, conversation_id=await direct(d, a), text='hi alice')
    assert [row.title for row in await conversations.sidebar(a)] == ['dave', 'carol', 'Lunch', 'bob']
    assert room.id is not None and room.role == 'owner'


async def test_sidebar_window_and_filter(engine: Engine) -> None:
    me, *others = make_users('me', *[f'user{i:02d}' for i in range(12)])
    await messaging.send_text(others[10], conversation_id=await direct(others[10], me), text='hi')
    await messaging.send_text(me, conversation_id=await direct(me, others[11]), text='hello')
    await conversations.create_room(me, title='User group', private=True)
    window = [row.title for row in await conversations.sidebar(me, limit=5)]
    assert window == ['user11', 'user10', 'User group', 'user00', 'user01']
    found = [row.title for row in await conversations.sidebar(me, name_filter='USER1', limit=5)]
    assert found == ['user11', 'user10']
    assert [row.title for row in await conversations.sidebar(me, name_filter='grou')] == ['User group']


async def test_search_index_follows_new_and_cleared_messages(engine: Engine) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    await messaging.send_text(a, conversation_id=chat, text='apple pie')
    first = await messaging.search(a, conversation_id=chat, keyword='APPLE')
    assert first is not None and first.count == 1
    await messaging.send_text(b, conversation_id=chat, text='Apple juice')
    with session_scope() as db:  # written behind the service's back (another server process)
        message_queries.add_message(db, conversation_id=chat, sender_id=a.user_id, body='pineapple')
    second = await messaging.search(a, conversation_id=chat, keyword='apple')
    assert second is not None and [v.body for v in second.messages] == ['pineapple', 'Apple juice', 'apple pie']
    await messaging.clear_history(a, conversation_id=chat)
    await messaging.send_text(a, conversation_id=chat, text='apple again')
    third = await messaging.search(a, conversation_id=chat, keyword='apple')
    assert third is not None and [v.body for v in third.messages] == ['apple again']
    search_index.clear()
