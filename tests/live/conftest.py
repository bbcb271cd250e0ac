"""Redis bus fixtures: a peer process, and a Redis server this test owns (to stop and restart it)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
import subprocess
import sys
import time
import typing
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from chat_ui.live.cluster import RedisBus
from chat_ui.live.events import EVENT_TYPES, NESTED, LiveEvent
from chat_ui.live.hub import Hub
from chat_ui.live.presence import Presence
from tests.conftest import skip_or_fail
from tests.support.redis_server import OwnRedis

REPO_ROOT = Path(__file__).resolve().parents[2]
LIVE_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if LIVE_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.redis)


def sample(cls: type, seed: int = 1) -> Any:
    """An instance of a dataclass with a value in every field (non-ASCII text, times, nested views)."""
    values = {}
    for name, hint in typing.get_type_hints(cls).items():
        values[name] = _value(hint, seed)
    return cls(**values)


def _value(hint: Any, seed: int) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, __import__('types').UnionType):
        return _value(next(a for a in typing.get_args(hint) if a is not type(None)), seed)
    if origin is list:
        return [_value(typing.get_args(hint)[0], seed), _value(typing.get_args(hint)[0], seed + 1)]
    if origin is typing.Literal:
        return typing.get_args(hint)[0]
    if hint is bool:
        return True
    if hint is int:
        return 7 + seed
    if hint is float:
        return 1.5
    if hint is str:
        return f'你好 <b>&|,"{seed}'
    if hint is datetime:
        return datetime(2026, 1, 2, 3, 4, 5, 678000)
    if hint in NESTED:
        return sample(hint, seed)
    raise AssertionError(f'no sample for {hint!r}')


def every_event() -> list[LiveEvent]:
    return [sample(cls, index) for index, cls in enumerate(EVENT_TYPES.values())]


async def eventually(condition: Callable[[], bool], timeout: float = 10.0, what: str = 'condition') -> float:
    """Wait until ``condition()``; the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f'{what} not reached within {timeout} s')
        await asyncio.sleep(0.02)
    return time.monotonic() - start


@dataclasses.dataclass
class Node:
    hub: Hub
    presence: Presence
    bus: RedisBus
    seen: list[Any]


@contextlib.asynccontextmanager
async def node(
    url: str, prefix: str, instance: str, *, ttl: float = 5.0, topics: tuple[str, ...] = ()
) -> AsyncIterator[Node]:
    hub = Hub()
    presence = Presence(hub)
    bus = RedisBus(hub, presence, url=url, prefix=prefix, instance=instance, ttl=ttl)
    hub.bus = bus
    seen: list[Any] = []
    for topic in topics:
        hub.subscribe(topic, seen.append)
    await bus.start()
    await eventually(lambda: bus.connected, what=f'{instance} subscribed')
    try:
        yield Node(hub, presence, bus, seen)
    finally:
        await bus.stop()


class Peer:
    """``tests/live/peer.py`` in its own process."""

    def __init__(self, url: str, prefix: str, instance: str, ttl: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, '-m', 'tests.live.peer', url, prefix, instance, str(ttl)],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.readline() == 'ready'

    def readline(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def command(self, line: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(line + '\n')
        self.process.stdin.flush()
        return self.readline()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)


@pytest.fixture
def peer(redis_url: str, redis_prefix: str) -> Iterator[Callable[..., Peer]]:
    peers: list[Peer] = []

    def start(instance: str = 'peer', ttl: float = 5.0) -> Peer:
        peers.append(Peer(redis_url, redis_prefix, instance, ttl))
        return peers[-1]

    yield start
    for p in peers:
        p.kill()


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which('redis-server') is None:
        skip_or_fail('redis-server is not installed')
    server = OwnRedis()
    server.start()
    yield server
    server.stop()
