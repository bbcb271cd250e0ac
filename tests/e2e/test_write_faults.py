"""A database that refuses writes, in real Chromium against a real server on MariaDB.

The fault is real: the server connects as its own MariaDB user with table-level privileges, and the test revokes
INSERT on ``messages`` (MariaDB applies table privileges to open connections at their next statement), then
grants it back. The server is never restarted.
"""

from __future__ import annotations

import tempfile
import uuid
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest
from playwright.sync_api import expect

from db.engine import build_engine
from db.migrate import upgrade
from tests.conftest import MARIADB_HOST, MARIADB_PORT, _mariadb_connect, skip_or_fail

from .conftest import ChatServer, NewPage, _serve
from .helpers import unique_name
from .test_chat import open_chat, signed_in

SEND_FAILED_ZH = '消息未发送'
UPLOAD_FAILED_ZH = '文件未发送'


@dataclass
class Grants:
    """The server's MariaDB account and a root connection that changes what it may do."""

    database: str
    account: str
    url: str
    root: pymysql.Connection

    def revoke_insert(self) -> None:
        with self.root.cursor() as cursor:
            cursor.execute(f'REVOKE INSERT ON `{self.database}`.`messages` FROM {self.account}')

    def grant_insert(self) -> None:
        with self.root.cursor() as cursor:
            cursor.execute(f'GRANT INSERT ON `{self.database}`.`messages` TO {self.account}')

    def bodies(self) -> list[tuple[str, str | None]]:
        with self.root.cursor() as cursor:
            cursor.execute(f'SELECT kind, body FROM `{self.database}`.`messages` ORDER BY id')
            return [(kind, body) for kind, body in cursor.fetchall()]


@pytest.fixture
def grants() -> Iterator[Grants]:
    """A migrated MariaDB database and an account with SELECT, INSERT, UPDATE, DELETE on each of its tables."""
    tag = uuid.uuid4().hex[:10]
    database, user, password = f'chat_e2e_{tag}', f'nc_e2e_{tag}', uuid.uuid4().hex
    try:
        root = _mariadb_connect()
    except pymysql.MySQLError as error:
        skip_or_fail(f'MariaDB is not reachable at {MARIADB_HOST}:{MARIADB_PORT}: {error}')
    root.autocommit(True)
    account = f"'{user}'@'{MARIADB_HOST}'"
    try:
        with root.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci')
        migrator = build_engine(f'mysql+pymysql://root@{MARIADB_HOST}:{MARIADB_PORT}/{database}')
        upgrade(migrator)
        migrator.dispose()
        with root.cursor() as cursor:
            cursor.execute(f"CREATE USER {account} IDENTIFIED BY '{password}'")
            cursor.execute(f'SHOW TABLES FROM `{database}`')
            for (table,) in cursor.fetchall():
                cursor.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON `{database}`.`{table}` TO {account}')
        url = f'mysql+pymysql://{user}:{password}@{MARIADB_HOST}:{MARIADB_PORT}/{database}'
        yield Grants(database=database, account=account, url=url, root=root)
    finally:
        with root.cursor() as cursor:
            cursor.execute(f'DROP USER IF EXISTS {account}')
            cursor.execute(f'DROP DATABASE IF EXISTS `{database}`')
        root.close()


@pytest.fixture
def mariadb_chat_server(grants: Grants) -> Iterator[ChatServer]:
    with tempfile.TemporaryDirectory(prefix='chat-e2e-') as tmp:
        yield from _serve(Path(tmp), {'DATABASE_URL': grants.url})


def wav_file(path: Path) -> Path:
    with wave.open(str(path), 'wb') as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b'\x00\x10' * 8000)
    return path


def uploaded(server: ChatServer) -> list[str]:
    folder = server.data_dir / 'uploads'
    return sorted(p.name for p in folder.rglob('*') if p.is_file()) if folder.exists() else []


def test_refused_writes_keep_the_text_and_the_same_page_sends_after_recovery(
    new_page: NewPage, mariadb_chat_server: ChatServer, grants: Grants, tmp_path: Path
) -> None:
    server = mariadb_chat_server
    a_name, b_name = unique_name('wa'), unique_name('wb')
    b = signed_in(new_page, server, b_name, locale='zh-CN')
    a = signed_in(new_page, server, a_name, locale='zh-CN')
    open_chat(a, b_name)
    open_chat(b, a_name)

    grants.revoke_insert()
    box = a.get_by_test_id('chat-input')
    box.fill('保存我 keep me')
    box.press('Enter')
    expect(a.get_by_text(SEND_FAILED_ZH, exact=False)).to_be_visible()
    expect(box).to_have_value('保存我 keep me')
    a.get_by_test_id('chat-upload').locator('input[type=file]').set_input_files(wav_file(tmp_path / 'voice.wav'))
    expect(a.get_by_text(UPLOAD_FAILED_ZH, exact=False)).to_be_visible()
    expect(a.get_by_test_id('message')).to_have_count(0)
    expect(b.get_by_test_id('message')).to_have_count(0)
    assert grants.bodies() == []
    assert uploaded(server) == []

    grants.grant_insert()
    a.get_by_test_id('chat-send').click()
    expect(b.get_by_test_id('message').filter(has_text='保存我 keep me')).to_have_count(1)
    expect(a.get_by_test_id('message').filter(has_text='保存我 keep me')).to_have_count(1)
    expect(box).to_have_value('')
    a.get_by_test_id('chat-upload').locator('input[type=file]').set_input_files(wav_file(tmp_path / 'voice.wav'))
    expect(b.get_by_test_id('message').and_(b.locator('[data-kind="audio"]'))).to_have_count(1)
    expect(a.get_by_test_id('message')).to_have_count(2)
    expect(b.get_by_test_id('message')).to_have_count(2)
    assert grants.bodies() == [('text', '保存我 keep me'), ('audio', None)]
    assert server.process.poll() is None
    assert 'not stored' in server.log()
