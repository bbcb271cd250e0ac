"""Migration 0007 on a database of the conversations release (0005): every existing user shares read receipts, and
the mentions table starts empty and cascades with its message."""

from __future__ import annotations

from datetime import datetime

from alembic import command
from sqlalchemy import inspect, text

from db import engine as db_engine
from db.migrate import alembic_config, upgrade


def test_0005_database_upgrades_with_receipts_on_and_an_empty_mentions_table(blank_database_url: str) -> None:
    engine = db_engine.build_engine(blank_database_url)
    try:
        upgrade(engine, '0005')
        at = datetime(2026, 11, 1, 8, 0)
        with engine.begin() as connection:
            for i, name in enumerate(['ann', 'bob']):
                connection.execute(
                    text(
                        'INSERT INTO users (id, username, name_key, password_hash, is_admin, is_muted, is_banned, '
                        'created_at) VALUES (:id, :name, :name, :hash, 0, 0, 0, :at)'
                    ),
                    {'id': i + 1, 'name': name, 'hash': 'x', 'at': at},
                )
            connection.execute(
                text(
                    'INSERT INTO conversations (id, kind, visibility, created_at, last_message_id, revision, title, '
                    "title_key) VALUES (1, 'room', 'public', :at, 0, 0, 'Team', 'team')"
                ),
                {'at': at},
            )
            connection.execute(
                text(
                    'INSERT INTO messages (id, conversation_id, sender_id, kind, body, created_at) '
                    "VALUES (1, 1, 1, 'text', '@bob hi', :at)"
                ),
                {'at': at},
            )
        upgrade(engine, '0007')
        with engine.begin() as connection:
            assert connection.execute(text('SELECT username, read_receipts FROM users ORDER BY id')).all() == [
                ('ann', 1),
                ('bob', 1),
            ]
            assert connection.execute(text('SELECT COUNT(*) FROM message_mentions')).scalar() == 0
            connection.execute(text('INSERT INTO message_mentions VALUES (1, 2, 1)'))
            connection.execute(text('DELETE FROM messages WHERE id = 1'))
            assert connection.execute(text('SELECT COUNT(*) FROM message_mentions')).scalar() == 0
        indexes = {index['name'] for index in inspect(engine).get_indexes('message_mentions')}
        assert 'ix_mentions_user' in indexes
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes['connection'] = connection
            command.downgrade(config, '0005')
        assert 'message_mentions' not in inspect(engine).get_table_names()
        assert 'read_receipts' not in {c['name'] for c in inspect(engine).get_columns('users')}
    finally:
        engine.dispose()
