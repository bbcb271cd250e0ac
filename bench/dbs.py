"""Databases of a run: a SQLite file under the scratch folder, or a MariaDB database created and dropped here."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pymysql
from sqlalchemy import text
from sqlalchemy.engine import Engine

from db import engine as db_engine
from db.migrate import upgrade

MARIADB_HOST = os.environ.get('BENCH_MARIADB_HOST', '127.0.0.1')
MARIADB_PORT = int(os.environ.get('BENCH_MARIADB_PORT', '3306'))
MARIADB_USER = os.environ.get('BENCH_MARIADB_USER', 'root')
MARIADB_PASSWORD = os.environ.get('BENCH_MARIADB_PASSWORD', '')


def _connect() -> pymysql.Connection:
    return pymysql.connect(
        host=MARIADB_HOST,
        port=MARIADB_PORT,
        user=MARIADB_USER,
        password=MARIADB_PASSWORD,
        charset='utf8mb4',
        connect_timeout=5,
    )


def mariadb_available() -> str | None:
    """The server's version, or None when no MariaDB answers."""
    try:
        connection = _connect()
    except pymysql.MySQLError:
        return None
    with connection.cursor() as cursor:
        cursor.execute('SELECT VERSION()')
        version = cursor.fetchone()[0]
    connection.close()
    return str(version)


def mariadb_setting(name: str) -> str | None:
    connection = _connect()
    with connection.cursor() as cursor:
        cursor.execute('SHOW VARIABLES LIKE %s', (name,))
        row = cursor.fetchone()
    connection.close()
    return str(row[1]) if row else None


@contextmanager
def mariadb_database() -> Iterator[str]:
    """A fresh ``bench_<random>`` database (utf8mb4_unicode_ci, as README says), dropped afterwards."""
    name = f'bench_{uuid.uuid4().hex[:10]}'
    connection = _connect()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci')
    connection.close()
    password = f':{MARIADB_PASSWORD}' if MARIADB_PASSWORD else ''
    try:
        yield f'mysql+pymysql://{MARIADB_USER}{password}@{MARIADB_HOST}:{MARIADB_PORT}/{name}'
    finally:
        connection = _connect()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS `{name}`')
        connection.close()


def sqlite_url(path: Path) -> str:
    for suffix in ('', '-wal', '-shm'):
        Path(f'{path}{suffix}').unlink(missing_ok=True)
    return f'sqlite:///{path.resolve()}'


def migrated_engine(url: str) -> Engine:
    """A standalone engine (not the process-wide one) on a database brought to the newest schema."""
    engine = db_engine.build_engine(url)
    upgrade(engine)
    return engine


def count_messages(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text('SELECT COUNT(*) FROM messages')).scalar_one())
