"""Exactly one admin is a rule of the database itself (migration 0004), not a check-then-insert in the service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from db import users as user_queries
from db.engine import build_engine, session_scope
from db.migrate import upgrade

INSERT_USER = text(
    'INSERT INTO users (username, name_key, password_hash, is_admin, is_muted, is_banned, created_at) '
    "VALUES (:name, :name, 'x', :admin, 0, 0, '2026-01-01 12:00:00')"
)


def insert_user(connection: Connection, name: str, *, admin: bool) -> int:
    connection.execute(INSERT_USER, {'name': name, 'admin': admin})
    return int(connection.execute(text('SELECT id FROM users WHERE name_key = :name'), {'name': name}).scalar_one())


def admin_names(connection: Connection) -> list[str]:
    return list(connection.execute(text('SELECT username FROM users WHERE is_admin = 1 ORDER BY id')).scalars())


def test_database_refuses_a_second_admin(engine: Engine) -> None:
    with session_scope() as db:
        user_queries.create_user(db, username='root', name_key='root', password_hash='x', is_admin=True)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_user(connection, 'mallory', admin=True)
    with pytest.raises(IntegrityError), session_scope() as db:
        user_queries.create_user(db, username='eve', name_key='eve', password_hash='x', is_admin=True)
    with engine.begin() as connection:
        insert_user(connection, 'alice', admin=False)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("UPDATE users SET is_admin = 1 WHERE name_key = 'alice'"))
    with engine.begin() as connection:
        assert admin_names(connection) == ['root']
        connection.execute(text("UPDATE users SET is_admin = 0 WHERE name_key = 'root'"))
        connection.execute(text("UPDATE users SET is_admin = 1 WHERE name_key = 'alice'"))
        assert admin_names(connection) == ['alice']


@pytest.fixture
def engine_at_0003(blank_database_url: str) -> Iterator[Engine]:
    """A database made by the release before migration 0004."""
    engine = build_engine(blank_database_url)
    upgrade(engine, '0003')
    yield engine
    engine.dispose()


def test_upgrade_keeps_the_admin_and_its_rows_and_refuses_a_second(engine_at_0003: Engine) -> None:
    with engine_at_0003.begin() as connection:
        root = insert_user(connection, 'root', admin=True)
        alice = insert_user(connection, 'alice', admin=False)
        connection.execute(
            text(
                'INSERT INTO user_sessions (token_hash, user_id, created_at, expires_at) '
                "VALUES ('t', :root, '2026-01-01 12:00:00', '2026-01-08 12:00:00')"
            ),
            {'root': root},
        )
        connection.execute(
            text(
                'INSERT INTO messages (user_lo, user_hi, sender_id, kind, body, created_at) '
                "VALUES (:lo, :hi, :hi, 'text', 'hello', '2026-01-01 12:00:00')"
            ),
            {'lo': root, 'hi': alice},
        )
        connection.execute(
            text(
                'INSERT INTO admin_actions (admin_id, action, target_id, created_at) '
                "VALUES (:root, 'mute', :alice, '2026-01-01 12:00:00')"
            ),
            {'root': root, 'alice': alice},
        )
    upgrade(engine_at_0003)
    with engine_at_0003.begin() as connection:
        assert admin_names(connection) == ['root']
        for table in ('users', 'user_sessions', 'messages', 'admin_actions'):
            assert connection.execute(text(f'SELECT COUNT(*) FROM {table}')).scalar_one() == (
                2 if table == 'users' else 1
            ), table
    with pytest.raises(IntegrityError), engine_at_0003.begin() as connection:
        insert_user(connection, 'mallory', admin=True)
    with pytest.raises(IntegrityError), engine_at_0003.begin() as connection:
        connection.execute(text('UPDATE users SET is_admin = 1 WHERE id = :alice'), {'alice': alice})
    with engine_at_0003.begin() as connection:
        assert admin_names(connection) == ['root']


def test_upgrade_demotes_extra_admins_left_by_the_old_race(engine_at_0003: Engine) -> None:
    with engine_at_0003.begin() as connection:
        insert_user(connection, 'root', admin=True)
        insert_user(connection, 'root2', admin=True)
    upgrade(engine_at_0003)
    with engine_at_0003.begin() as connection:
        assert admin_names(connection) == ['root']
        assert connection.execute(text('SELECT COUNT(*) FROM users')).scalar_one() == 2
