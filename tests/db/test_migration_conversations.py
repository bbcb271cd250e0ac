"""A database made by the one-to-one release (migration 0003) upgrades in place to conversations, losing nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from db import engine as db_engine
from db.migrate import upgrade

PAIRS = {('ann', 'bob'): 40, ('ann', 'cid'): 25, ('bob', 'cid'): 0}
BODIES = ['hello 你好', 'Meeting at 10', '100% sure_ok \\ done', '苹果 apple', '🎉 party']


def populate_0003(connection: Connection) -> None:
    """Users, sessions, an audit entry and interleaved messages (text and files) as release 0003 stored them."""
    start = datetime(2026, 11, 1, 8, 0)
    for i, name in enumerate(['ann', 'bob', 'cid', 'boss']):
        connection.execute(
            text(
                'INSERT INTO users (id, username, name_key, password_hash, is_admin, is_muted, is_banned, created_at) '
                'VALUES (:id, :name, :name, :hash, :admin, 0, 0, :at)'
            ),
            {'id': i + 1, 'name': name, 'hash': 'x', 'admin': name == 'boss', 'at': start},
        )
    connection.execute(
        text('INSERT INTO user_sessions (token_hash, user_id, created_at, expires_at) VALUES (:h, 1, :at, :exp)'),
        {'h': 'a' * 64, 'at': start, 'exp': start + timedelta(days=7)},
    )
    connection.execute(
        text("INSERT INTO admin_actions (admin_id, action, target_id, created_at) VALUES (4, 'mute', 2, :at)"),
        {'at': start},
    )
    ids = {'ann': 1, 'bob': 2, 'cid': 3}
    remaining = dict(PAIRS)
    k = 0
    while any(remaining.values()):  # interleave the conversations, as real traffic does
        for (a, b), left in remaining.items():
            if not left:
                continue
            lo, hi = sorted((ids[a], ids[b]))
            sender = lo if k % 3 else hi
            is_file = k % 7 == 0
            connection.execute(
                text(
                    'INSERT INTO messages (user_lo, user_hi, sender_id, kind, body, file_key, file_name, file_mime, '
                    'file_size, created_at) VALUES (:lo, :hi, :s, :kind, :body, :key, :fname, :mime, :size, :at)'
                ),
                {
                    'lo': lo,
                    'hi': hi,
                    's': sender,
                    'kind': 'image' if is_file else 'text',
                    'body': None if is_file else BODIES[k % len(BODIES)],
                    'key': f'00000000-0000-4000-8000-{k:012d}' if is_file else None,
                    'fname': f'p{k}.png' if is_file else None,
                    'mime': 'image/png' if is_file else None,
                    'size': 100 + k if is_file else None,
                    'at': start + timedelta(seconds=k),
                },
            )
            remaining[(a, b)] = left - 1
            k += 1


def snapshot(connection: Connection, pair_filter: str) -> dict[str, object]:
    rows = connection.execute(
        text(
            'SELECT m.id, m.sender_id, m.kind, m.body, m.file_key, m.file_name, m.file_mime, m.file_size, m.created_at '
            f'FROM messages m WHERE {pair_filter} ORDER BY m.id'
        )
    ).all()
    return {'rows': [tuple(r) for r in rows]}


def search(connection: Connection, pair_filter: str, keyword: str) -> list[int]:
    return [
        row[0]
        for row in connection.execute(
            text(
                f"SELECT m.id FROM messages m WHERE {pair_filter} AND m.kind = 'text' AND m.body LIKE :kw ORDER BY m.id"
            ),
            {'kw': f'%{keyword}%'},
        ).all()
    ]


def test_0003_database_upgrades_with_every_message_file_and_order(blank_database_url: str) -> None:
    engine: Engine = db_engine.build_engine(blank_database_url)
    upgrade(engine, '0003')
    with engine.begin() as connection:
        populate_0003(connection)
    old_filters = {('ann', 'bob'): 'm.user_lo = 1 AND m.user_hi = 2', ('ann', 'cid'): 'm.user_lo = 1 AND m.user_hi = 3'}
    with engine.connect() as connection:
        before = {pair: snapshot(connection, f) for pair, f in old_filters.items()}
        searches_before = {
            (pair, kw): search(connection, f, kw) for pair, f in old_filters.items() for kw in ('Meeting', '苹', '%')
        }
        old_max = connection.execute(text('SELECT MAX(id) FROM messages')).scalar_one()

    upgrade(engine)

    with engine.connect() as connection:
        conversations = connection.execute(
            text('SELECT id, kind, direct_lo, direct_hi, last_message_id FROM conversations ORDER BY id')
        ).all()
        assert [(kind, lo, hi) for _, kind, lo, hi, _ in conversations] == [('direct', 1, 2), ('direct', 1, 3)]
        by_pair = {(lo, hi): cid for cid, _, lo, hi, _ in conversations}
        new_filters = {
            ('ann', 'bob'): f'm.conversation_id = {by_pair[(1, 2)]}',
            ('ann', 'cid'): f'm.conversation_id = {by_pair[(1, 3)]}',
        }
        for pair, f in new_filters.items():
            assert snapshot(connection, f) == before[pair]
            for kw in ('Meeting', '苹', '%'):
                assert search(connection, f, kw) == searches_before[(pair, kw)]
        assert connection.execute(text('SELECT COUNT(*) FROM messages')).scalar_one() == sum(PAIRS.values())
        members = connection.execute(
            text('SELECT conversation_id, user_id, role, last_read_id FROM conversation_members ORDER BY 1, 2')
        ).all()
        newest = {cid: last for cid, *_, last in conversations}
        assert [(c, u, role) for c, u, role, _ in members] == [
            (by_pair[(1, 2)], 1, 'member'),
            (by_pair[(1, 2)], 2, 'member'),
            (by_pair[(1, 3)], 1, 'member'),
            (by_pair[(1, 3)], 3, 'member'),
        ]
        assert all(read == newest[c] for c, _, _, read in members)  # nothing turns unread by the upgrade
        assert connection.execute(text('SELECT COUNT(*) FROM user_sessions')).scalar_one() == 1
        assert connection.execute(text('SELECT action, target_id FROM admin_actions')).all() == [('mute', 2)]

    with engine.begin() as connection:  # ids keep growing after the upgrade, even after the newest rows are deleted
        connection.execute(text('DELETE FROM messages WHERE id = :id'), {'id': old_max})
        connection.execute(
            text(
                'INSERT INTO messages (conversation_id, sender_id, kind, body, created_at) '
                "VALUES (:c, 1, 'text', 'after', :at)"
            ),
            {'c': by_pair[(1, 2)], 'at': datetime(2026, 12, 1)},
        )
        assert connection.execute(text("SELECT id FROM messages WHERE body = 'after'")).scalar_one() > old_max
    engine.dispose()
