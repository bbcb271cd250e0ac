"""NiceGUI's browser storage in Redis on ONE connection pool and ONE subscription per process (``use_shared``).

With ``Storage.redis_url`` set, NiceGUI makes a ``RedisPersistentDict`` for every browser (``app.storage.user``,
which holds the sign-in token) and for every tab (it creates a tab storage at each handshake), and each of them opens
a Redis client of its own plus a pub/sub connection for its change messages: about five Redis connections per open
page (measured with ``bench.failover``: 196 for 40 pages), and a new client per page built (``redis.from_url`` reads
the package metadata from disk each time). ``SharedRedisDict`` keeps NiceGUI's keys, value format and change
messages, so it reads and writes exactly what NiceGUI's own class does, but every dict of the process uses one
client, and one pattern subscription (``<prefix>*changes``) hands each change to the local dict of that key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Any

import redis.asyncio as aioredis
from nicegui import background_tasks, core, json
from nicegui import storage as nicegui_storage
from nicegui.persistence import RedisPersistentDict
from nicegui.persistence.persistent_dict import PersistentDict

from .cluster import bounded_client

log = logging.getLogger(__name__)
CHANGES = 'changes'  # NiceGUI's suffix of a storage's change channel
BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0)
POOL_SIZE = 8  # connections for every storage's reads and writes together (the subscription has its own)
CLIENT_OPTIONS: dict[str, Any] = {
    'health_check_interval': 10,
    'socket_connect_timeout': 5,
    'retry_on_timeout': True,
    'socket_keepalive': True,
    'client_name': 'nicechat-storage',
}


class StorageLink:
    """One process's Redis client for all its browser storages, and the subscription that feeds them changes."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.client: aioredis.Redis | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.dicts: weakref.WeakValueDictionary[str, SharedRedisDict] = weakref.WeakValueDictionary()
        self.patterns: set[str] = set()
        self._listener: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    def client_for(self, url: str) -> aioredis.Redis:
        """The shared client (a new one for another URL or event loop: a client belongs to the loop it ran on)."""
        loop = _running_loop()
        if self.client is None or self.url != url or (loop is not None and self.loop not in (None, loop)):
            if self._listener is not None:
                self._listener.cancel()
                self._listener = None
            self.url, self.loop = url, loop
            self.client = bounded_client(url, POOL_SIZE, **CLIENT_OPTIONS)
        elif self.loop is None:
            self.loop = loop
        return self.client

    def register(self, item: SharedRedisDict) -> None:
        self.dicts[item.key] = item
        pattern = f'{item.key_prefix}*{CHANGES}'
        if pattern not in self.patterns:
            self.patterns.add(pattern)
            if self._listener is not None:  # listen again, to every pattern
                self._listener.cancel()
                self._listener = None
        if core.is_loop_running():
            self._listen_soon()
        else:
            core.app.on_startup(self._listen_soon)

    def unregister(self, item: SharedRedisDict) -> None:
        if self.dicts.get(item.key) is item:
            del self.dicts[item.key]

    async def stop(self) -> None:
        """At shutdown: stop listening and close the client."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    def _listen_soon(self) -> None:
        if self._listener is None or self._listener.done():
            self._listener = background_tasks.create(self._listen(), name='browser storage changes')

    async def _listen(self) -> None:
        failures = 0
        while True:
            assert self.client is not None
            pubsub = self.client.pubsub()
            try:
                await pubsub.psubscribe(*self.patterns)
                self.listening.set()
                failures = 0
                async for message in pubsub.listen():
                    if message['type'] == 'pmessage':
                        self.apply(message['channel'], message['data'])
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis down or gone: NiceGUI's storage keeps working locally; retry
                self.listening.clear()
                delay = BACKOFF[min(failures, len(BACKOFF) - 1)]
                failures += 1
                log.warning('browser storage: change subscription lost (%r); again in %.1f s', error, delay)
                await asyncio.sleep(delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def apply(self, channel: bytes | str, data: bytes | str) -> None:
        """Another process changed a storage: bring the local copy of that key (if any) up to date."""
        name = channel.decode() if isinstance(channel, bytes) else channel
        item = self.dicts.get(name[: -len(CHANGES)]) if name.endswith(CHANGES) else None
        if item is None:
            return
        try:
            new_data = json.loads(data.decode() if isinstance(data, bytes) else data)
        except ValueError:
            return
        if not isinstance(new_data, dict) or new_data == item:
            return
        for key in set(item) - new_data.keys():  # one by one: clear() would delete the Redis key
            del item[key]
        item.update(new_data)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


link = StorageLink()


class SharedRedisDict(RedisPersistentDict):
    """NiceGUI's Redis storage of one browser or tab, on the process's shared client (``link``)."""

    def __init__(
        self,
        *,
        url: str,
        id: str,  # NiceGUI's parameter name
        key_prefix: str = 'nicegui:',
        ttl: int | None = None,
        shared: StorageLink | None = None,
    ) -> None:
        self._link = shared or link
        self.url = url
        self._redis_client_params = {key: value for key, value in CLIENT_OPTIONS.items() if key != 'client_name'}
        self.redis_client = self._link.client_for(url)
        self.key_prefix = key_prefix
        self.key = key_prefix + id
        self.ttl = ttl
        self._listener_task = None
        PersistentDict.__init__(self, data={}, on_change=self.publish)

    def _start_listening(self) -> None:
        self._link.register(self)

    async def close(self) -> None:
        """Forget this storage here; the shared client and subscription stay for the others."""
        self._link.unregister(self)


def use_shared() -> None:
    """Make NiceGUI create ``SharedRedisDict`` wherever it would create its own ``RedisPersistentDict``."""
    nicegui_storage.RedisPersistentDict = SharedRedisDict  # type: ignore[misc]
