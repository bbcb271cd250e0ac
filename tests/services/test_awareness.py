"""Typing notices, read receipts, mentions, search everywhere and the window around a message: the rules, the
events and their audiences, and hostile input (other people's conversations, forged ids, HTML keywords)."""

import asyncio

import pytest
from sqlalchemy.engine import Engine

from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.live import cluster
from chat_ui.live.events import MessageCreated, ReadMarked, ReceiptMoved, ReceiptsChanged, TypingStarted
from chat_ui.services import accounts, conversations, global_search, messaging, receipts, typing
from chat_ui.services.mentions import find_mentions
from db import mentions as mention_queries
from db.engine import session_scope
from tests.live.conftest import node as redis_node
from tests.services.conftest import FakeClock
from tests.support.events import CapturedEvents, only, to_users
from tests.support.factories import make_users, set_flags


@pytest.fixture(autouse=True)
def fresh_gate() -> None:
    typing.gate.clear()


async def direct(a: SessionInfo, b: SessionInfo) -> int:
    view = await conversations.open_direct(a, peer_id=b.user_id)
    assert view.id is not None
    return view.id


async def room_of(owner: SessionInfo, *members: SessionInfo, title: str = 'Team') -> int:
    view = await conversations.create_room(owner, title=title, private=True)
    assert view.id is not None
    for member in members:
        await conversations.add_member(owner, conversation_id=view.id, username=member.username)
    return view.id


async def refused(key: str, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ChatError) as info:
        await call
    assert info.value.key == key


# ------------------------------------------------------------------------------------------------ typing


async def test_typing_reaches_the_other_members_only_and_at_most_every_3_s(
    engine: Engine, events: CapturedEvents, fake_clock: FakeClock
) -> None:
    a, b, c, _d = make_users('alice', 'bob', 'carol', 'dave')
    room = await room_of(a, b, c)
    events.clear()
    assert await typing.typing(a, conversation_id=room)
    event, audience = only(events.of(TypingStarted))
    assert event == TypingStarted(conversation_id=room, user_id=a.user_id, username='alice')
    assert audience == to_users(b.user_id, c.user_id)  # not alice's own pages, not dave
    fake_clock.advance(2.9)
    assert not await typing.typing(a, conversation_id=room)
    assert len(events.of(TypingStarted)) == 1
    assert await typing.typing(b, conversation_id=room)  # the gate is per person
    fake_clock.advance(0.1)
    assert await typing.typing(a, conversation_id=room)
    assert len(events.of(TypingStarted)) == 3


async def test_typing_is_never_stored(engine: Engine, events: CapturedEvents, fake_clock: FakeClock) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    await typing.typing(a, conversation_id=chat)
    assert await messaging.load_window(b, conversation_id=chat) == []
    assert events.of(MessageCreated) == []


async def test_the_typing_gate_holds_across_processes_through_redis(
    engine: Engine,
    events: CapturedEvents,
    fake_clock: FakeClock,
    redis_url: str,
    redis_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    monkeypatch.setattr(typing, 'TYPING_EVERY', 0.5)
    async with redis_node(redis_url, redis_prefix, 'p1') as here:
        monkeypatch.setattr(cluster.node, 'bus', here.bus)
        events.clear()
        assert await typing.typing(a, conversation_id=chat)
        typing.gate.clear()  # alice's next notice comes from her tab on another process, whose gate saw nothing
        fake_clock.advance(1.0)
        assert not await typing.typing(a, conversation_id=chat)
        assert await typing.typing(b, conversation_id=chat)  # per person there too
        assert len(events.of(TypingStarted)) == 2
        await asyncio.sleep(0.6)  # the Redis key expires after TYPING_EVERY
        typing.gate.clear()
        assert await typing.typing(a, conversation_id=chat)
        assert len(events.of(TypingStarted)) == 3


async def test_forged_typing_for_other_conversations_is_refused_and_sends_nothing(
    engine: Engine, events: CapturedEvents, fake_clock: FakeClock
) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    chat = await direct(a, b)
    room = await room_of(a, b)
    events.clear()
    await refused('not_a_member', typing.typing(c, conversation_id=chat))
    await refused('not_a_member', typing.typing(c, conversation_id=room))
    await refused('not_a_member', typing.typing(c, conversation_id=987_654))
    set_flags(b.user_id, muted=True)
    await refused('muted', typing.typing(b, conversation_id=chat))
    assert events.of(TypingStarted) == []


# ------------------------------------------------------------------------------------------------ read receipts


async def test_reading_tells_the_peer_and_the_marker_follows_the_read_mark(
    engine: Engine, events: CapturedEvents
) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    first = await messaging.send_text(a, conversation_id=chat, text='one')
    second = await messaging.send_text(a, conversation_id=chat, text='two')
    assert first is not None and second is not None
    assert await receipts.peer_read(a, conversation_id=chat) == 0
    events.clear()
    await messaging.mark_read(b, conversation_id=chat, message_id=first.id)
    assert only(events.of(ReceiptMoved)) == (
        ReceiptMoved(conversation_id=chat, reader_id=b.user_id, message_id=first.id),
        to_users(a.user_id),
    )
    assert only(events.of(ReadMarked))[1] == to_users(b.user_id)
    assert await receipts.peer_read(a, conversation_id=chat) == first.id
    events.clear()
    await messaging.mark_read(b, conversation_id=chat, message_id=first.id)  # not moved: nothing new to tell
    assert events.of(ReceiptMoved) == []


@pytest.mark.parametrize('switched_off', ['reader', 'sender'])
async def test_receipts_off_on_either_side_shows_nothing(
    engine: Engine, events: CapturedEvents, switched_off: str
) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    sent = await messaging.send_text(a, conversation_id=chat, text='one')
    assert sent is not None
    await accounts.set_read_receipts(b if switched_off == 'reader' else a, False)
    assert await accounts.read_receipts(b if switched_off == 'reader' else a) is False
    events.clear()
    await messaging.mark_read(b, conversation_id=chat, message_id=sent.id)
    assert events.of(ReceiptMoved) == []
    assert await receipts.peer_read(a, conversation_id=chat) is None
    assert await receipts.peer_read(b, conversation_id=chat) is None
    await accounts.set_read_receipts(b if switched_off == 'reader' else a, True)
    assert await receipts.peer_read(a, conversation_id=chat) == sent.id


async def test_switching_receipts_tells_my_pages_and_my_direct_peers_only_when_it_changes(
    engine: Engine, events: CapturedEvents
) -> None:
    a, b, c, d = make_users('alice', 'bob', 'carol', 'dan')
    await direct(a, b)
    await direct(c, a)
    await conversations.create_room(d, title='Elsewhere', private=False)
    events.clear()
    await accounts.set_read_receipts(a, False)
    assert events.of(ReceiptsChanged) == [
        (ReceiptsChanged(user_id=a.user_id, enabled=False), to_users(a.user_id, b.user_id, c.user_id))
    ]
    events.clear()
    await accounts.set_read_receipts(a, False)  # no change, no event
    assert events.of(ReceiptsChanged) == []
    await accounts.set_read_receipts(a, True)
    assert only(events.of(ReceiptsChanged))[0] == ReceiptsChanged(user_id=a.user_id, enabled=True)


async def test_receipts_are_for_direct_conversations_and_members_only(engine: Engine) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    chat = await direct(a, b)
    room = await room_of(a, b)
    assert await receipts.peer_read(a, conversation_id=room) is None
    await refused('not_a_member', receipts.peer_read(c, conversation_id=chat))


# ------------------------------------------------------------------------------------------------ mentions


def test_mention_rule_longest_name_folding_and_boundaries() -> None:
    names = {1: 'ann', 2: 'Anna', 3: 'Straße', 4: '李雷'}
    assert find_mentions('hi @anna!', names) == [3, 8, 2]
    assert find_mentions('@ANN, @ann.', names) == [0, 4, 1, 6, 10, 1]
    assert find_mentions('@annabel', names) == []  # no member of that name
    assert find_mentions('mail ann@ann.example', names) == []  # inside a word
    assert find_mentions('@STRASSE @straße', names) == [9, 16, 3]  # same length only: the written name
    assert find_mentions('@李雷 你好', names) == [0, 3, 4]
    assert find_mentions('@ @@ann', names) == [3, 7, 1]  # a lone @ is text
    assert find_mentions('no mention', names) == []


async def test_a_room_mention_is_stored_carried_and_counted_until_read(engine: Engine, events: CapturedEvents) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    room = await room_of(a, b, c)
    events.clear()
    view = await messaging.send_text(a, conversation_id=room, text='@BOB look, <b>@carol</b> too')
    assert view is not None and view.mentions == [0, 4, b.user_id, 14, 20, c.user_id]
    assert only(events.of(MessageCreated))[0].message.mentions == view.mentions  # through the wire form
    with session_scope() as db:
        assert mention_queries.mentioned_in(db, message_ids=[view.id]) == {view.id: [b.user_id, c.user_id]}
    assert [v.mentions for v in await messaging.load_window(b, conversation_id=room)] == [view.mentions]
    await messaging.send_text(a, conversation_id=room, text='and again @bob')
    rows = {r.title: r for r in await conversations.sidebar(b)}
    assert (rows['Team'].unread, rows['Team'].mentions) == (2, 2)
    assert (await conversations.conversation(c, conversation_id=room)).mentions == 1
    await messaging.mark_read(b, conversation_id=room, message_id=view.id)
    assert (await conversations.conversation(b, conversation_id=room)).mentions == 1
    await messaging.clear_history(a, conversation_id=room)
    assert (await conversations.conversation(c, conversation_id=room)).mentions == 0


async def test_no_mentions_of_non_members_or_in_direct_conversations(engine: Engine) -> None:
    a, b, _c = make_users('alice', 'bob', 'carol')
    room = await room_of(a, b)
    chat = await direct(a, b)
    in_room = await messaging.send_text(a, conversation_id=room, text='@carol is not here')
    in_chat = await messaging.send_text(a, conversation_id=chat, text='@bob hello')
    assert in_room is not None and in_room.mentions is None
    assert in_chat is not None and in_chat.mentions is None
    with session_scope() as db:
        assert mention_queries.mentioned_in(db, message_ids=[in_room.id, in_chat.id]) == {}


# ------------------------------------------------------------------------------------------------ search everywhere


async def test_search_everywhere_groups_my_conversations_newest_match_first(engine: Engine) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    chat_b = await direct(a, b)
    chat_c = await direct(a, c)
    room = await room_of(a, b, title='Plans 计划')
    private = await direct(b, c)
    await messaging.send_text(a, conversation_id=chat_b, text='Apple pie')
    await messaging.send_text(b, conversation_id=room, text='苹果 APPLES')
    await messaging.send_text(c, conversation_id=chat_c, text='nothing here')
    await messaging.send_text(b, conversation_id=private, text='secret apple')
    await messaging.send_text(a, conversation_id=chat_b, text='green apple 苹果')
    result = await global_search.search_everywhere(a, keyword='  aPPle ')
    assert result is not None and result.keyword == 'aPPle' and result.count == 3
    assert [(g.conversation_id, g.title, g.count) for g in result.groups] == [
        (chat_b, 'bob', 2),
        (room, 'Plans 计划', 1),
    ]
    assert [m.body for m in result.groups[0].messages] == ['green apple 苹果', 'Apple pie']
    cjk = await global_search.search_everywhere(a, keyword='苹')
    assert cjk is not None and [g.conversation_id for g in cjk.groups] == [chat_b, room]


async def test_search_everywhere_hostile_and_empty_keywords(engine: Engine) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    await messaging.send_text(a, conversation_id=chat, text='100% <b>bold</b> a_b')
    assert await global_search.search_everywhere(a, keyword='   ') is None
    await refused('keyword_too_long', global_search.search_everywhere(a, keyword='x' * 101))
    html = await global_search.search_everywhere(a, keyword='<b>')
    assert html is not None and html.count == 1 and html.groups[0].messages[0].body == '100% <b>bold</b> a_b'
    for literal in ('%', '_', '<script>'):
        result = await global_search.search_everywhere(a, keyword=literal)
        assert result is not None and result.count == (0 if literal == '<script>' else 1)


async def test_a_removed_member_finds_nothing_of_the_room(engine: Engine) -> None:
    a, b = make_users('alice', 'bob')
    room = await room_of(a, b)
    await messaging.send_text(a, conversation_id=room, text='room secret')
    found = await global_search.search_everywhere(b, keyword='secret')
    assert found is not None and found.count == 1
    await conversations.remove_member(a, conversation_id=room, user_id=b.user_id)
    assert await global_search.search_everywhere(b, keyword='secret') == global_search.GlobalSearchResult(
        keyword='secret', count=0, groups=[]
    )


async def test_load_around_returns_the_window_and_refuses_other_peoples_messages(engine: Engine) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    chat = await direct(a, b)
    other = await direct(b, c)
    sent = [await messaging.send_text(a, conversation_id=chat, text=f'm{i}') for i in range(40)]
    ids = [m.id for m in sent if m is not None]
    window = await global_search.load_around(b, conversation_id=chat, message_id=ids[30])
    assert [m.id for m in window.messages] == ids[5:36]
    assert (window.message_id, window.more_older, window.more_newer) == (ids[30], True, True)
    edge = await global_search.load_around(a, conversation_id=chat, message_id=ids[-1])
    assert [m.id for m in edge.messages] == ids[-26:] and edge.more_newer is False
    outsider = await messaging.send_text(b, conversation_id=other, text='not yours')
    assert outsider is not None
    await refused('not_a_member', global_search.load_around(a, conversation_id=other, message_id=outsider.id))
    await refused('message_not_found', global_search.load_around(a, conversation_id=chat, message_id=outsider.id))
    await refused('message_not_found', global_search.load_around(a, conversation_id=chat, message_id=10**9))
