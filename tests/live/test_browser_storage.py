"""NiceGUI's browser storage on one Redis client per process (real Redis, a prefix of the test's own)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from nicegui import core
from nicegui import storage as nicegui_storage
from nicegui.persistence import RedisPersistentDict

from chat_ui.live import browser_storage
from chat_ui.live.browser_storage import CLIENT_OPTIONS, SharedRedisDict, StorageLink

from .conftest import eventually


@pytest.fixture(autouse=True)
async def nicegui_loop() -> AsyncIterator[None]:
    """The loop NiceGUI schedules its storage writes and listeners on, as a running app has it."""
    saved = core.loop
    core.loop = asyncio.get_running_loop()
    yield
    core.loop = saved


async def storage_connections(url: str) -> int:
    client = aioredis.from_url(url)
    try:
        return sum(1 for entry in await client.client_list() if entry.get('name') == CLIENT_OPTIONS['client_name'])
    finally:
        await client.aclose()


async def opened(link: StorageLink, url: str, prefix: str, name: str) -> SharedRedisDict:
    item = SharedRedisDict(url=url, id=name, key_prefix=prefix, shared=link)
    await item.initialize()
    return item


async def test_a_hundred_storages_share_one_client_and_one_subscription(redis_url: str, redis_prefix: str) -> None:
    link = StorageLink()
    try:
        items = [await opened(link, redis_url, redis_prefix, f'tab-{index}') for index in range(100)]
        for index, item in enumerate(items):
            item['n'] = index
        await eventually(link.listening.is_set, what='the change subscription')
        await asyncio.sleep(0.3)  # the writes go out in the background
        assert await storage_connections(redis_url) <= browser_storage.POOL_SIZE + 1  # NiceGUI's own class: 200
    finally:
        await link.stop()


async def test_what_nicegui_wrote_is_read_and_what_is_written_nicegui_reads(redis_url: str, redis_prefix: str) -> None:
    theirs = RedisPersistentDict(url=redis_url, id='user-1', key_prefix=redis_prefix)
    await theirs.initialize()
    theirs['token'] = 'abc'
    link = StorageLink()
    try:
        await asyncio.sleep(0.3)  # NiceGUI's dict writes in the background
        ours = await opened(link, redis_url, redis_prefix, 'user-1')
        assert dict(ours) == {'token': 'abc'}
        ours['token'] = '新しい'
        await eventually(lambda: theirs.get('token') == '新しい', what="NiceGUI's dict seeing our change")
        await asyncio.sleep(0.3)
        later = RedisPersistentDict(url=redis_url, id='user-1', key_prefix=redis_prefix)
        await later.initialize()
        assert dict(later) == {'token': '新しい'}
        await later.close()
    finally:
        await theirs.close()
        await link.stop()


async def test_a_change_on_one_process_reaches_the_copy_on_the_other(redis_url: str, redis_prefix: str) -> None:
    first, second = StorageLink(), StorageLink()
    try:
        here = await opened(first, redis_url, redis_prefix, 'user-7')
        there = await opened(second, redis_url, redis_prefix, 'user-7')
        other = await opened(second, redis_url, redis_prefix, 'user-8')
        await eventually(second.listening.is_set, what='the change subscription')
        here.update(token='t1', lang='zh')
        await eventually(lambda: dict(there) == {'token': 't1', 'lang': 'zh'}, what='the change on the other side')
        del here['token']
        await eventually(lambda: dict(there) == {'lang': 'zh'}, what='the removal on the other side')
        assert dict(other) == {}  # another browser's storage is untouched
        await there.close()
        assert 'user-7' not in {key.removeprefix(redis_prefix) for key in second.dicts}
    finally:
        for link in (first, second):
            await link.stop()


def test_nicegui_makes_shared_dicts_once_in_use(redis_url: str, redis_prefix: str) -> None:
    saved = (nicegui_storage.RedisPersistentDict, nicegui_storage.Storage.redis_url)
    try:
        browser_storage.use_shared()
        nicegui_storage.Storage.redis_url = redis_url
        made = nicegui_storage.Storage._create_persistent_dict('someone')
        assert isinstance(made, SharedRedisDict)
    finally:
        nicegui_storage.RedisPersistentDict, nicegui_storage.Storage.redis_url = saved  # type: ignore[misc]
