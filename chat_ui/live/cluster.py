"""Several server processes behind one balancer: live events and presence between them over Redis (``REDIS_URL``).

One Redis connection pool per process: one connection subscribes (``pubsub``), one publishes; never one per tab.

Events. Every process publishes on ONE channel per deployment (``<prefix>ev``) and every process receives everything
and delivers only to the topics it has local subscribers for (``Hub.deliver`` looks the topics up before it decodes).
Per-topic channels were the alternative: each page open/close would SUBSCRIBE/UNSUBSCRIBE (a chat page follows its
user, everyone and the presence of every person it shows: dozens of topics), an event to two users would be two
PUBLISHes and a process subscribed to both would receive it twice. With the handful of processes a NiceChat
deployment has, receiving every event costs each process a string split per event (a few µs) and Redis one fan-out
per process; Synapse's workers also all read one replication stream. A message is ``<origin>|<topics>|<wire>``: the
sending process delivers locally at once (so local pages never wait for Redis, and keep working while it is down) and
ignores its own messages when they come back.

Pub/sub, not a Stream: the database is the source of truth and every page catches up from it after a gap (a page
that reconnects reloads its window; after a Redis outage the hub delivers ``BusResumed`` to every local page, which
catches up the same way). An event lost in an outage therefore never loses a message, and pub/sub keeps Redis free of
per-event state. Events sent while Redis is unreachable wait in a bounded queue and go out when it is back.

Presence. ``<prefix>alive:<id>`` is this process's heartbeat key (expires after ``CHAT_PRESENCE_TTL`` s, refreshed
every third of it), ``<prefix>pres:<id>`` the set of users with a page here (same TTL), ``<prefix>instances`` the set
of known process ids. A process publishes on ``<prefix>pr`` only when one of its users comes or goes (``<id>|<user>|1``
or ``0``) and, at each heartbeat, reads the other live processes' sets (repairing anything a lost message left wrong);
a process whose heartbeat key expired is dropped (and its keys deleted) by whoever notices first. Every process
computes who is online itself and tells only its own pages of a change.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
import redis.asyncio as aioredis

from .events import BusResumed
from .hub import EVERYONE, Hub
from .presence import Presence

log = logging.getLogger(__name__)
QUEUE_LIMIT = 10_000  # events kept while Redis is unreachable (oldest dropped beyond that; pages catch up anyway)
BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0)
STOP_STEP_TIMEOUT = 3.0  # s for each step of stopping the bus
CLIENT_OPTIONS: dict[str, Any] = {'socket_connect_timeout': 2, 'health_check_interval': 5, 'socket_keepalive': True}
POOL_SIZE = 4  # connections of the bus's client (publisher, heartbeats, claims; the subscriber has its own)


def bounded_client(url: str, size: int, **options: Any) -> aioredis.Redis:
    """A client whose pool holds at most ``size`` connections: a burst of commands waits for a free one instead
    of opening a connection each (and keeping them all open)."""
    pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=size, timeout=10, **options)
    return aioredis.Redis(connection_pool=pool)


class Node:
    """This process in its deployment: its id, and the Redis bus when there is one."""

    def __init__(self) -> None:
        self.instance = 'local'
        self.bus: RedisBus | None = None
        self.draining = False


node = Node()


class RedisBus:
    """The hub's bus between processes: local delivery at once, then one PUBLISH on the deployment's channel."""

    def __init__(self, hub: Hub, presence: Presence, *, url: str, prefix: str, instance: str, ttl: float) -> None:
        self.hub = hub
        self.presence = presence
        self.instance = instance
        self.prefix = prefix
        self.ttl = ttl
        self.events_channel = f'{prefix}ev'
        self.presence_channel = f'{prefix}pr'
        self.client = bounded_client(url, POOL_SIZE, **CLIENT_OPTIONS)
        self._queue: collections.deque[tuple[str, str]] = collections.deque()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.connected = False  # the subscriber is listening
        self.down_since: float | None = None
        self.on_resumed: list[Callable[[], Any]] = []
        presence.on_local_change = self._local_presence_changed

    # ----------------------------------------------------------------------------------------- sending

    def send(self, topics: list[str], wire: str) -> None:
        for topic in topics:
            if ',' in topic or '|' in topic:
                raise ValueError(f'a topic cannot contain "," or "|": {topic!r}')
        self.hub.deliver(topics, wire)
        self._enqueue(self.events_channel, f'{self.instance}|{",".join(topics)}|{wire}')

    def _enqueue(self, channel: str, data: str) -> None:
        if len(self._queue) >= QUEUE_LIMIT:
            self._queue.popleft()
            log.warning('live bus: Redis unreachable for long, dropped the oldest queued event')
        self._queue.append((channel, data))
        self._wake.set()

    def _local_presence_changed(self, user_id: int, online: bool) -> None:
        self._enqueue(self.presence_channel, f'{self.instance}|{user_id}|{int(online)}')

    async def _publisher(self) -> None:
        failures = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = list(self._queue)[:500]
                try:
                    async with self.client.pipeline(transaction=False) as pipe:
                        for channel, data in batch:
                            pipe.publish(channel, data)
                            if channel == self.presence_channel:
                                self._presence_write(pipe, data)
                        await pipe.execute()
                except (redis.RedisError, OSError) as error:
                    failures += 1
                    if failures == 1:
                        log.warning('live bus: cannot publish to Redis (%s); %d event(s) wait', error, len(batch))
                    await asyncio.sleep(BACKOFF[min(failures, len(BACKOFF)) - 1])
                    continue
                if failures:
                    log.warning('live bus: publishing to Redis again after %d failed attempt(s)', failures)
                failures = 0
                for _ in batch:
                    if self._queue:
                        self._queue.popleft()

    def _presence_write(self, pipe: Any, data: str) -> None:
        _, user, online = data.split('|')
        key = self._pres_key(self.instance)
        if online == '1':
            pipe.sadd(key, user)
            pipe.pexpire(key, self._ttl_ms())
        else:
            pipe.srem(key, user)

    # ----------------------------------------------------------------------------------------- receiving

    async def _subscriber(self) -> None:
        failures = 0
        listened_before = False
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.events_channel, self.presence_channel)
                if failures:
                    log.warning('live bus: subscribed to Redis again after %d failed attempt(s)', failures)
                failures = 0
                if listened_before:
                    await self._resumed()
                listened_before = True
                self.down_since = None
                self.connected = True  # listening, and the local pages were told to catch up
                async for message in pubsub.listen():
                    if message.get('type') == 'message':
                        self._received(message['channel'], message['data'])
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as error:
                failures += 1
                if self.connected or failures == 1:
                    log.warning('live bus: lost the Redis subscription (%s); reconnecting', error)
                self.connected = False
                if self.down_since is None:
                    self.down_since = time.monotonic()
                await asyncio.sleep(BACKOFF[min(failures, len(BACKOFF)) - 1])
            finally:
                self.connected = False
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _received(self, channel: bytes, data: bytes) -> None:
        try:
            text = data.decode()
            origin, first, rest = text.split('|', 2)
        except (UnicodeDecodeError, ValueError):
            log.warning('live bus: dropped a malformed message')
            return
        if origin == self.instance:
            return
        if channel.decode() == self.events_channel:
            self.hub.deliver(first.split(','), rest)
        elif first.isdigit() and rest in ('0', '1'):
            self.presence.remote_change(origin, int(first), rest == '1')
        elif first == '*' and rest == '0':  # a process that stops says so
            self.presence.forget_instance(origin)

    async def _resumed(self) -> None:
        down = time.monotonic() - self.down_since if self.down_since is not None else 0.0
        log.warning('live bus: Redis is back after %.1f s; pages catch up from the database', down)
        with contextlib.suppress(redis.RedisError, OSError):
            await self.heartbeat()
        self.hub.publish_local(BusResumed(down_seconds=round(down, 3)), [EVERYONE])
        for callback in self.on_resumed:
            callback()

    # ----------------------------------------------------------------------------------------- presence

    def _pres_key(self, instance: str) -> str:
        return f'{self.prefix}pres:{instance}'

    def _alive_key(self, instance: str) -> str:
        return f'{self.prefix}alive:{instance}'

    def _ttl_ms(self) -> int:
        return max(int(self.ttl * 1000), 100)

    async def heartbeat(self) -> None:
        """Say this process is alive, rewrite its users, read the other live processes' users."""
        mine = [str(user) for user in self.presence.local_users()]
        ttl = self._ttl_ms()
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.set(self._alive_key(self.instance), '1', px=ttl)
            pipe.sadd(f'{self.prefix}instances', self.instance)
            pipe.delete(self._pres_key(self.instance))
            if mine:
                pipe.sadd(self._pres_key(self.instance), *mine)
                pipe.pexpire(self._pres_key(self.instance), ttl)
            pipe.smembers(f'{self.prefix}instances')
            replies = await pipe.execute()
        others = sorted(i.decode() for i in replies[-1] if i.decode() != self.instance)
        async with self.client.pipeline(transaction=False) as pipe:
            for other in others:
                pipe.exists(self._alive_key(other))
                pipe.smembers(self._pres_key(other))
            replies = await pipe.execute()
        snapshot: dict[str, set[int]] = {}
        dead = []
        for index, other in enumerate(others):
            if replies[2 * index]:
                snapshot[other] = {int(u) for u in replies[2 * index + 1] if u.isdigit()}
            else:
                dead.append(other)
        if dead:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.srem(f'{self.prefix}instances', *dead)
                for other in dead:
                    pipe.delete(self._pres_key(other))
                await pipe.execute()
            log.info('presence: dropped stopped process(es) %s', ', '.join(dead))
        self.presence.set_remote(snapshot)

    async def _heartbeats(self) -> None:
        failures = 0
        while True:
            try:
                await self.heartbeat()
                failures = 0
            except (redis.RedisError, OSError) as error:
                failures += 1
                if failures == 1:
                    log.warning('presence: heartbeat to Redis failed (%s)', error)
            await asyncio.sleep(self.ttl / 3)

    # ----------------------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        with contextlib.suppress(redis.RedisError, OSError):
            await self.heartbeat()
        loop = asyncio.get_running_loop()
        for job in (self._subscriber, self._publisher, self._heartbeats):
            self._tasks.append(loop.create_task(job(), name=f'redis bus {job.__name__}'))

    async def flush(self, timeout: float = 2.0) -> None:
        """Wait (a little) until every queued event went out."""
        deadline = time.monotonic() + timeout
        while self._queue and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        """Say goodbye (this process's users are offline here at once), then close the connections; every step is
        bounded, so a Redis that stopped answering cannot hold up the process's shutdown."""
        await self.flush()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, STOP_STEP_TIMEOUT)
        self._tasks.clear()
        with contextlib.suppress(redis.RedisError, OSError, TimeoutError):
            await asyncio.wait_for(self._say_goodbye(), STOP_STEP_TIMEOUT)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.aclose(), STOP_STEP_TIMEOUT)

    async def _say_goodbye(self) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.delete(self._alive_key(self.instance), self._pres_key(self.instance))
            pipe.srem(f'{self.prefix}instances', self.instance)
            pipe.publish(self.presence_channel, f'{self.instance}|*|0')
            await pipe.execute()

    async def claim(self, key: str, seconds: float, timeout: float = 1.0) -> bool:
        """Take ``key`` for ``seconds`` for the whole deployment: False while another holder has it. True as well
        when Redis cannot be asked (each process then limits on its own)."""
        try:
            taken = await asyncio.wait_for(
                self.client.set(f'{self.prefix}{key}', self.instance, nx=True, px=max(1, int(seconds * 1000))),
                timeout,
            )
        except (TimeoutError, redis.RedisError, OSError):
            return True
        return bool(taken)

    async def ping(self, timeout: float = 1.0) -> bool:
        try:
            return bool(await asyncio.wait_for(self.client.ping(), timeout))
        except (TimeoutError, redis.RedisError, OSError):
            return False


# --------------------------------------------------------------------------------------------- start-up checks


def check_shared(url: str, prefix: str, *, storage_secret: str, upload_dir: Path) -> str | None:
    """Why this process does not share what the other processes of its deployment share (None when it does).

    The first process records a fingerprint of ``STORAGE_SECRET`` in Redis and a token it writes into the upload
    directory; a later process with another secret, or whose upload directory does not hold that token (a local
    directory on another machine), is refused.
    """
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3) as client:
            fingerprint = hashlib.sha256(b'nicechat storage secret\0' + storage_secret.encode()).hexdigest()
            key = f'{prefix}storage-secret'
            client.set(key, fingerprint, nx=True)
            if (client.get(key) or b'').decode() != fingerprint:
                return (
                    'STORAGE_SECRET differs from the one the other processes of this deployment use '
                    f'(Redis key {key}); give every process the same STORAGE_SECRET'
                )
            marker = upload_dir / '.nicechat-shared'
            token = marker.read_text(encoding='utf-8').strip() if marker.exists() else None
            key = f'{prefix}upload-token'
            if token is None:
                stored = client.get(key)
                if stored is not None:
                    return (
                        f'the upload directory {upload_dir} is not the one the other processes of this deployment '
                        f'use (it lacks their {marker.name} file); mount the shared directory there (or, for a new '
                        f'empty shared directory, delete the Redis key {key})'
                    )
                token = secrets.token_hex(16)
                marker.write_text(token, encoding='utf-8')
            client.set(key, token, nx=True)
            if (client.get(key) or b'').decode() != token:
                return (
                    f'the upload directory {upload_dir} is not the one the other processes of this deployment use '
                    f'(its {marker.name} differs from Redis key {key}); mount the shared directory there'
                )
    except (redis.RedisError, OSError) as error:
        return f'cannot reach Redis at REDIS_URL ({error})'
    return None
