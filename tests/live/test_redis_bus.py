"""The Redis bus and presence between processes, against a real Redis (own key prefix) and real peer processes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import redis

from chat_ui.core.config import Settings
from chat_ui.live.cluster import RedisBus, check_shared
from chat_ui.live.events import BusResumed, MessageCreated, PresenceChanged, SessionEnded, decode
from chat_ui.live.hub import EVERYONE, Hub, presence_topic
from chat_ui.live.presence import Presence
from tests.live.conftest import eventually, every_event, node


async def test_every_event_type_round_trips_through_a_second_process(redis_url, redis_prefix, peer) -> None:
    peer('B')
    events = [e for e in every_event() if not isinstance(e, BusResumed)]
    assert {type(e) for e in events} >= {MessageCreated, SessionEnded, PresenceChanged}
    async with node(redis_url, redis_prefix, 'A', topics=('u2',)) as a:
        for event in events:
            a.hub.publish(event, ['u1'])  # B decodes it, encodes it again and sends it to u2
        await eventually(lambda: len(a.seen) >= len(events), what='every echo')
        await asyncio.sleep(0.2)
        assert a.seen == events  # each exactly once, in order, equal field by field


async def test_local_delivery_is_immediate_and_own_messages_are_not_delivered_twice(redis_url, redis_prefix) -> None:
    async with (
        node(redis_url, redis_prefix, 'A', topics=('u5',)) as a,
        node(redis_url, redis_prefix, 'B', topics=('u5',)) as b,
    ):
        event = SessionEnded(session_id=1, reason='replaced')
        a.hub.publish(event, ['u5', 'u6'])
        assert a.seen == [event]  # before any round trip to Redis
        await eventually(lambda: b.seen == [event], what='B got it')
        await asyncio.sleep(0.3)
        assert a.seen == [event] and b.seen == [event]


async def test_forged_or_malformed_bus_messages_are_dropped(redis_url, redis_prefix) -> None:
    async with node(redis_url, redis_prefix, 'A', topics=('u1', EVERYONE)) as a:
        with redis.Redis.from_url(redis_url) as client:
            for data in (b'\xff\xfe', b'no separators', b'X|u1|{"t":"Nope","d":{}}', b'X|u1|{"t":"SessionEnded"}'):
                client.publish(f'{redis_prefix}ev', data)
            client.publish(f'{redis_prefix}pr', b'X|abc|1')
            client.publish(f'{redis_prefix}ev', b'X|u1|{"t":"SessionEnded","d":{"session_id":3,"reason":"ban"}}')
        await eventually(lambda: bool(a.seen), what='the valid one')
        assert a.seen == [SessionEnded(session_id=3, reason='ban')]
        assert not a.presence.is_online(0)


async def test_a_subscriber_receives_later_events_after_redis_restarts(own_redis) -> None:
    prefix = 'nicechat-restart:'
    async with node(own_redis.url, prefix, 'A') as a, node(own_redis.url, prefix, 'B', topics=('u1', EVERYONE)) as b:
        a.hub.publish(SessionEnded(session_id=1, reason='r'), ['u1'])
        await eventually(lambda: len(b.seen) == 1, what='before the restart')
        own_redis.stop()
        await eventually(lambda: not b.bus.connected, what='B noticed')
        a.hub.publish(SessionEnded(session_id=2, reason='r'), ['u1'])  # during the outage: queued by A
        await asyncio.sleep(1.0)
        own_redis.start()
        took = await eventually(lambda: b.bus.connected, timeout=15, what='B resubscribed')
        assert any(isinstance(e, BusResumed) for e in b.seen)  # B's pages catch up from the database
        a.hub.publish(SessionEnded(session_id=3, reason='r'), ['u1'])
        await eventually(lambda: SessionEnded(session_id=3, reason='r') in b.seen, what='a later event')
        print(f'resubscribed {took:.2f} s after the restart')


async def test_presence_across_processes_and_a_killed_process_goes_offline_within_its_ttl(
    redis_url, redis_prefix, peer
) -> None:
    ttl = 1.0
    async with node(redis_url, redis_prefix, 'A', ttl=ttl, topics=(presence_topic(42), presence_topic(43))) as a:
        b = peer('B', ttl)
        assert b.command('online 42 c1') == 'ok'
        await eventually(lambda: a.presence.is_online(42), what='42 online on A')
        assert a.seen == [PresenceChanged(user_id=42, online=True)]
        # a second page of the same user, and A's own page: no change, nothing delivered
        assert b.command('online 42 c2') == 'ok'
        a.presence._add(42, 'a1', 9)
        await asyncio.sleep(0.5)
        assert a.seen == [PresenceChanged(user_id=42, online=True)]
        a.presence._remove(42, 'a1')
        assert b.command('online 43 c3') == 'ok'
        await eventually(lambda: a.presence.is_online(43), what='43 online on A')
        killed = time.monotonic()
        b.kill()
        await eventually(lambda: not a.presence.is_online(42) and not a.presence.is_online(43), timeout=30)
        took = time.monotonic() - killed
        assert took <= ttl + ttl / 3 + 1.0
        assert a.seen[-2:] in (
            [PresenceChanged(user_id=42, online=False), PresenceChanged(user_id=43, online=False)],
            [PresenceChanged(user_id=43, online=False), PresenceChanged(user_id=42, online=False)],
        )
        with redis.Redis.from_url(redis_url) as client:
            assert not client.exists(f'{redis_prefix}pres:B')
            assert b'B' not in client.smembers(f'{redis_prefix}instances')
        print(f'killed process offline after {took:.2f} s (ttl {ttl} s)')


async def test_a_stopping_process_takes_its_users_offline_at_once(redis_url, redis_prefix, peer) -> None:
    async with node(redis_url, redis_prefix, 'A', ttl=30.0, topics=(presence_topic(7),)) as a:
        b = peer('B', 30.0)
        b.command('online 7 c')
        await eventually(lambda: a.presence.is_online(7))
        assert b.command('stop') == 'stopped'
        await eventually(lambda: not a.presence.is_online(7), timeout=2, what='offline at once')


async def test_only_presence_changes_are_published(redis_url, redis_prefix) -> None:
    client = redis.asyncio.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(f'{redis_prefix}pr')
    async with node(redis_url, redis_prefix, 'A') as a:
        for index in range(5):
            a.presence._add(1, f'c{index}', 1)  # five pages of user 1
        for index in range(5):
            a.presence._remove(1, f'c{index}')
        await a.bus.flush()
    seen = []
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        message = await pubsub.get_message(timeout=0.1)
        if message:
            seen.append(message['data'])
    assert seen[:2] == [b'A|1|1', b'A|1|0']
    assert seen[2:] == [b'A|*|0']  # the goodbye of the stop
    await pubsub.aclose()
    await client.aclose()


async def test_a_page_starting_on_a_process_sees_who_is_online_on_the_others(redis_url, redis_prefix) -> None:
    async with node(redis_url, redis_prefix, 'A') as a:
        a.presence._add(11, 'c', 1)
        await a.bus.flush()
        async with node(redis_url, redis_prefix, 'B') as b:
            assert b.presence.is_online(11)  # read at start-up, before any change is published


def test_scale_out_needs_a_shared_secret_and_upload_dir(tmp_path: Path) -> None:
    bare = Settings(_env_file=None, REDIS_URL='redis://127.0.0.1:6379/0')  # type: ignore[call-arg]
    assert 'STORAGE_SECRET' in (bare.scale_out_problem() or '')
    no_dir = Settings(_env_file=None, REDIS_URL='redis://x', STORAGE_SECRET='s')  # type: ignore[call-arg]
    assert 'UPLOAD_DIR' in (no_dir.scale_out_problem() or '')
    ok = Settings(_env_file=None, REDIS_URL='redis://x', STORAGE_SECRET='s', CHAT_DATA_DIR=str(tmp_path))  # type: ignore[call-arg]
    assert ok.scale_out_problem() is None
    wrong = Settings(_env_file=None, REDIS_URL='http://x', STORAGE_SECRET='s', UPLOAD_DIR=str(tmp_path))  # type: ignore[call-arg]
    assert 'redis://' in (wrong.scale_out_problem() or '')
    assert Settings(_env_file=None).scale_out_problem() is None  # type: ignore[call-arg]


def test_processes_must_share_the_secret_and_the_upload_directory(redis_url, redis_prefix, tmp_path: Path) -> None:
    shared, other = tmp_path / 'shared', tmp_path / 'other'
    shared.mkdir()
    other.mkdir()
    assert check_shared(redis_url, redis_prefix, storage_secret='s1', upload_dir=shared) is None
    assert check_shared(redis_url, redis_prefix, storage_secret='s1', upload_dir=shared) is None  # a second process
    assert 'STORAGE_SECRET' in (check_shared(redis_url, redis_prefix, storage_secret='s2', upload_dir=shared) or '')
    problem = check_shared(redis_url, redis_prefix, storage_secret='s1', upload_dir=other)
    assert problem is not None and str(other) in problem
    assert 'cannot reach Redis' in (
        check_shared('redis://127.0.0.1:1/0', 'x:', storage_secret='s', upload_dir=shared) or ''
    )


def test_topics_with_separators_are_refused(redis_url) -> None:
    hub = Hub()
    bus = RedisBus(hub, Presence(hub), url=redis_url, prefix='x:', instance='A', ttl=5)
    with pytest.raises(ValueError, match='topic'):
        bus.send(['u1,u2'], '{}')
    assert decode(bus.hub is hub and '{"t":"SessionEnded","d":{"session_id":1,"reason":"x"}}')
