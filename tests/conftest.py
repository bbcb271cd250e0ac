"""Shared fixtures: a fresh database per test on SQLite and on MariaDB (no mocks)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pymysql
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from chat_ui.live.hub import hub
from db import engine as db_engine
from db.migrate import upgrade
from tests.faults import WriteFault
from tests.support.events import CapturedEvents

MARIADB_HOST = os.environ.get('TEST_MARIADB_HOST', '127.0.0.1')
MARIADB_PORT = int(os.environ.get('TEST_MARIADB_PORT', '3306'))
MARIADB_USER = os.environ.get('TEST_MARIADB_USER', 'root')
MARIADB_PASSWORD = os.environ.get('TEST_MARIADB_PASSWORD', '')
REQUIRE_ALL = os.environ.get('CHAT_TESTS_REQUIRE_ALL') == '1'

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With CHAT_TESTS_REQUIRE_ALL=1 (CI), a skipped MariaDB, Redis or browser test fails the run."""
    if REQUIRE_ALL and _skipped and exitstatus == 0:
        session.exitstatus = 1
        print(f'\nCHAT_TESTS_REQUIRE_ALL=1 but {len(_skipped)} tests were skipped: {_skipped[:5]}')


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(reason)
    pytest.skip(reason)


def _mariadb_connect(database: str | None = None) -> pymysql.Connection:
    return pymysql.connect(
        host=MARIADB_HOST,
        port=MARIADB_PORT,
        user=MARIADB_USER,
        password=MARIADB_PASSWORD,
        database=database,
        charset='utf8mb4',
        connect_timeout=3,
    )


@contextmanager
def _mariadb_scratch(prefix: str) -> Iterator[str]:
    """The URL of a new, empty MariaDB database, dropped afterwards."""
    name = f'{prefix}_{uuid.uuid4().hex[:12]}'
    try:
        connection = _mariadb_connect()
    except pymysql.MySQLError as error:
        skip_or_fail(f'MariaDB is not reachable at {MARIADB_HOST}:{MARIADB_PORT}: {error}')
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci')
    connection.close()
    password = f':{MARIADB_PASSWORD}' if MARIADB_PASSWORD else ''
    try:
        yield f'mysql+pymysql://{MARIADB_USER}{password}@{MARIADB_HOST}:{MARIADB_PORT}/{name}'
    finally:
        connection = _mariadb_connect()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS `{name}`')
        connection.close()


@pytest.fixture(scope='session')
def mariadb_database() -> Iterator[str]:
    """A MariaDB database created for this test run (migrated once) and dropped after it."""
    with _mariadb_scratch('chat_test') as url:
        upgrade(db_engine.build_engine(url))
        yield url


def _empty_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text('SET FOREIGN_KEY_CHECKS=0'))
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(text(f'DELETE FROM `{table.name}`'))
        connection.execute(text('SET FOREIGN_KEY_CHECKS=1'))


@pytest.fixture(params=['sqlite', pytest.param('mariadb', marks=pytest.mark.mariadb)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database: a SQLite file, or the test run's MariaDB database emptied."""
    if request.param == 'sqlite':
        return f'sqlite:///{tmp_path / "test.db"}'
    url: str = request.getfixturevalue('mariadb_database')
    engine = db_engine.build_engine(url)
    _empty_tables(engine)
    engine.dispose()
    return url


@pytest.fixture(params=['sqlite', pytest.param('mariadb', marks=pytest.mark.mariadb)])
def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database without any schema (for migration tests): a SQLite file, or a MariaDB database of its own."""
    if request.param == 'sqlite':
        yield f'sqlite:///{tmp_path / "blank.db"}'
        return
    with _mariadb_scratch('chat_blank') as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The process engine pointed at a fresh database with the newest schema."""
    configured = db_engine.configure(database_url)
    upgrade(configured)
    yield configured
    configured.dispose()


@pytest.fixture
def events() -> Iterator[CapturedEvents]:
    """Every live event published during the test (after the JSON round trip), with its audience."""
    hub.reset()
    captured = CapturedEvents(hub)
    hub.bus = captured
    yield captured
    hub.reset()


@pytest.fixture
def write_fault() -> Iterator[WriteFault]:
    """Make the process engine's database refuse or hold writes (see ``tests/faults.py``); undone after the test."""
    fault = WriteFault()
    yield fault
    fault.remove()


@pytest.fixture(autouse=True)
def fresh_process_state() -> Iterator[None]:
    """The in-memory search index and the waiting read marks are per process and keyed by ids; test databases
    reuse ids."""
    from chat_ui.services.read_marks import read_marks
    from chat_ui.services.search_index import search_index

    search_index.clear()
    read_marks.clear()
    yield
    search_index.clear()
    read_marks.clear()


@pytest.fixture(autouse=True)
def no_send_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests send quickly: the send limit is off unless a test asks for it with ``send_limit_on`` (also for the
    servers that page and browser tests start from the environment)."""
    from chat_ui.services import send_limit

    monkeypatch.setenv('CHAT_SEND_LIMIT', '0')
    send_limit.configure(0)
    yield
    send_limit.configure(send_limit.DEFAULT_COUNT)


@pytest.fixture
def send_limit_on(no_send_limit: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The production limit (10 messages per 10 s per user)."""
    from chat_ui.services import send_limit

    monkeypatch.setenv('CHAT_SEND_LIMIT', str(send_limit.DEFAULT_COUNT))
    send_limit.configure(send_limit.DEFAULT_COUNT)


# --------------------------------------------------------------------------------------------- Redis (scale-out)

REDIS_HOST = os.environ.get('TEST_REDIS_HOST', '127.0.0.1')
REDIS_PORT = int(os.environ.get('TEST_REDIS_PORT', '6379'))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The local Redis (required in CI); tests keep to their own key prefix (``redis_prefix``)."""
    import redis

    url = f'redis://{REDIS_HOST}:{REDIS_PORT}/0'
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
            client.ping()
    except (redis.RedisError, OSError) as error:
        skip_or_fail(f'Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}: {error}')
    yield url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key and channel prefix no one else uses; its keys are deleted afterwards."""
    import redis

    prefix = f'nicechat-test-{uuid.uuid4().hex[:10]}:'
    yield prefix
    with redis.Redis.from_url(redis_url) as client:
        keys = list(client.scan_iter(match=f'{prefix}*'))
        if keys:
            client.delete(*keys)
