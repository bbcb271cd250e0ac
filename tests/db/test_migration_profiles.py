"""Migration 0008 records every existing attachment as a stored file of its sender, purpose 'attachment', and
leaves users without a display name, avatar or forced password change."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from db import engine as db_engine
from db.migrate import upgrade
from tests.db.test_migration_conversations import populate_0003


def test_0008_records_existing_attachments(blank_database_url: str) -> None:
    engine: Engine = db_engine.build_engine(blank_database_url)
    upgrade(engine, '0003')
    with engine.begin() as connection:
        populate_0003(connection)
    upgrade(engine, '0005')
    with engine.connect() as connection:
        files = connection.execute(
            text(
                'SELECT file_key, sender_id, conversation_id, file_mime, file_name, file_size FROM messages '
                'WHERE file_key IS NOT NULL ORDER BY file_key'
            )
        ).all()
    assert files
    upgrade(engine)
    with engine.connect() as connection:
        recorded = connection.execute(
            text('SELECT `key`, owner_id, conversation_id, mime, name, size, purpose FROM stored_files ORDER BY `key`')
        ).all()
        people = connection.execute(
            text('SELECT display_name, avatar_key, must_change_password, dismissed_announcement_id FROM users')
        ).all()
    assert [tuple(r[:6]) for r in recorded] == [tuple(f) for f in files]
    assert {r[6] for r in recorded} == {'attachment'}
    assert people and all(tuple(p) == (None, None, 0, None) or tuple(p) == (None, None, False, None) for p in people)
    engine.dispose()
