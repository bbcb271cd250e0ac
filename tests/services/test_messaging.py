from typing import Any

import pytest
from sqlalchemy.engine import Engine

from chat_ui.core.errors import ChatError
from chat_ui.live.hub import HistoryCleared, MessageCreated, hub
from chat_ui.services import accounts, messaging
from chat_ui.ui.highlight import highlight
from db import users as user_queries
from db.engine import session_scope


async def people(*names: str) -> list[int]:
    return [await accounts.register(name, 'secret123', 'secret123') for name in names]


def listen(user_id: int) -> list[Any]:
    events: list[Any] = []
    hub.subscribe(user_id, events.append)
    return events


async def test_send_stores_then_publishes_to_both(engine: Engine) -> None:
    hub.reset()
    a, b, c = await people('alice', 'bob', 'carol')
    to_a, to_b, to_c = listen(a), listen(b), listen(c)
    view = await messaging.send_text(sender_id=a, peer_id=b, text='  hello 你好 😀  ')
    assert view is not None and view.body == 'hello 你好 😀'
    assert to_a == [MessageCreated(view)] and to_b == [MessageCreated(view)] and to_c == []
    assert [v.body for v in await messaging.load_window(user_id=b, peer_id=a)] == ['hello 你好 😀']


@pytest.mark.parametrize('text', ['', '   ', '\n\n'])
async def test_empty_text_is_ignored(engine: Engine, text: str) -> None:
    a, b = await people('alice', 'bob')
    assert await messaging.send_text(sender_id=a, peer_id=b, text=text) is None
    assert await messaging.load_window(user_id=a, peer_id=b) == []


async def test_refusals_write_nothing(engine: Engine) -> None:
    hub.reset()
    a, b = await people('alice', 'bob')
    events = listen(b)
    with pytest.raises(ChatError) as info:
        await messaging.send_text(sender_id=a, peer_id=b, text='x' * 5001)
    assert info.value.key == 'message_too_long'
    with pytest.raises(ChatError) as info:
        await messaging.send_text(sender_id=a, peer_id=a, text='me')
    assert info.value.key == 'peer_unavailable'
    with pytest.raises(ChatError) as info:
        await messaging.send_text(sender_id=a, peer_id=999, text='ghost')
    assert info.value.key == 'peer_unavailable'
    with session_scope() as db:
        user = user_queries.get_user(db, user_id=a)
        assert user is not None
        user.is_muted = True
    with pytest.raises(ChatError) as info:
        await messaging.send_text(sender_id=a, peer_id=b, text='muted')
    assert info.value.key == 'muted'
    assert events == []
    assert await messaging.load_window(user_id=a, peer_id=b) == []


async def test_search_counts_in_python_case_insensitive_literal(engine: Engine) -> None:
    a, b, c = await people('alice', 'bob', 'carol')
    for text in ['Meeting', 'meeting MEETING', 'a (b', '50%', 'x_y', 'xy', '我爱苹果']:
        await messaging.send_text(sender_id=a, peer_id=b, text=text)
    await messaging.send_text(sender_id=a, peer_id=c, text='meeting elsewhere')
    result = await messaging.search(user_id=b, peer_id=a, keyword='meeting')
    assert result is not None and result.count == 2
    assert [v.body for v in result.messages] == ['meeting MEETING', 'Meeting']
    for keyword, count in [('(', 1), ('%', 1), ('_', 1), ('苹', 1), ('zzz', 0)]:
        found = await messaging.search(user_id=a, peer_id=b, keyword=keyword)
        assert found is not None and found.count == count, keyword
    assert await messaging.search(user_id=a, peer_id=b, keyword='   ') is None
    with pytest.raises(ChatError):
        await messaging.search(user_id=a, peer_id=b, keyword='k' * 101)


def test_highlight_escapes_first() -> None:
    assert highlight('<b>Hi</b> hi', 'hi') == '&lt;b&gt;<mark>Hi</mark>&lt;/b&gt; <mark>hi</mark>'
    assert highlight('a.b.c', '.') == 'a<mark>.</mark>b<mark>.</mark>c'
    assert highlight('<img src=x onerror=alert(1)>', 'img') == '&lt;<mark>img</mark> src=x onerror=alert(1)&gt;'
    assert highlight('我爱苹果', '苹') == '我爱<mark>苹</mark>果'


async def test_clear_history_deletes_both_sides_and_tells_both(engine: Engine) -> None:
    hub.reset()
    a, b, c = await people('alice', 'bob', 'carol')
    await messaging.send_text(sender_id=a, peer_id=b, text='one')
    await messaging.send_text(sender_id=b, peer_id=a, text='two')
    await messaging.send_text(sender_id=a, peer_id=c, text='stays')
    to_a, to_b, to_c = listen(a), listen(b), listen(c)
    await messaging.clear_history(user_id=b, peer_id=a)
    assert await messaging.load_window(user_id=a, peer_id=b) == []
    assert [v.body for v in await messaging.load_window(user_id=a, peer_id=c)] == ['stays']
    event = HistoryCleared(user_a=b, user_b=a, by_user_id=b)
    assert to_a == [event] and to_b == [event] and to_c == []


async def test_contacts_newest_conversation_first(engine: Engine) -> None:
    a, _, c, d = await people('alice', 'bob', 'carol', 'dave')
    await messaging.send_text(sender_id=a, peer_id=c, text='hi carol')
    await messaging.send_text(sender_id=d, peer_id=a, text='hi alice')
    names = [contact.username for contact in await messaging.list_contacts(user_id=a)]
    assert names == ['dave', 'carol', 'bob']


async def test_contacts_window_and_filter(engine: Engine) -> None:
    ids = await people('me', *[f'user{i:02d}' for i in range(12)])
    me, others = ids[0], ids[1:]
    await messaging.send_text(sender_id=others[10], peer_id=me, text='hi')
    await messaging.send_text(sender_id=me, peer_id=others[11], text='hello')
    window = [c.username for c in await messaging.list_contacts(user_id=me, limit=5)]
    assert window == ['user11', 'user10', 'user00', 'user01', 'user02']
    found = [c.username for c in await messaging.list_contacts(user_id=me, name_filter='USER1', limit=5)]
    assert found == ['user11', 'user10']
    contact = await messaging.get_contact(user_id=me, peer_id=others[3])
    assert contact is not None and contact.username == 'user03'
    assert await messaging.get_contact(user_id=me, peer_id=me) is None


async def test_search_index_follows_new_and_cleared_messages(engine: Engine) -> None:
    from chat_ui.services.search_index import search_index
    from db.engine import session_scope as scope
    from db.messages import add_message

    a, b = await people('alice', 'bob')
    await messaging.send_text(sender_id=a, peer_id=b, text='apple pie')
    first = await messaging.search(user_id=a, peer_id=b, keyword='APPLE')
    assert first is not None and first.count == 1
    await messaging.send_text(sender_id=b, peer_id=a, text='Apple juice')
    with scope() as db:  # written behind the service's back (another server process)
        add_message(db, sender_id=a, recipient_id=b, body='pineapple')
    second = await messaging.search(user_id=a, peer_id=b, keyword='apple')
    assert second is not None and [v.body for v in second.messages] == ['pineapple', 'Apple juice', 'apple pie']
    await messaging.clear_history(user_id=a, peer_id=b)
    await messaging.send_text(sender_id=a, peer_id=b, text='apple again')
    third = await messaging.search(user_id=a, peer_id=b, keyword='apple')
    assert third is not None and [v.body for v in third.messages] == ['apple again']
    search_index.clear()
