"""The sidebar query (two statements: the newest conversations, then their unread counts as index ranges) gives
exactly what a plain reading of the tables gives: the same rows, order and counts, on SQLite and MariaDB, with a
limit, a name filter, ``only_ids``, a banned peer, a cleared conversation and conversations without messages."""

from __future__ import annotations

import random
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from db import conversations as conversation_queries
from db import messages as message_queries
from db import users as user_queries
from db.engine import session_scope

NOW = datetime(2026, 12, 1, 12, 0)


def reference(user_id: int, *, limit: int, name_filter: str = '', only_ids: set[int] | None = None) -> list[tuple]:
    """The sidebar computed the plain way: every membership, its conversation, peer and a count per conversation."""
    with session_scope() as db:
        connection = db.connection()
        members = connection.execute(
            text(
                'SELECT c.id, c.kind, c.title, c.title_key, c.direct_lo, c.direct_hi, c.last_message_id, '
                'cm.last_read_id FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id '
                'WHERE cm.user_id = :me'
            ),
            {'me': user_id},
        ).all()
        users = {
            uid: (name, key, banned)
            for uid, name, key, banned in connection.execute(
                text('SELECT id, username, name_key, is_banned FROM users')
            )
        }
        messages = connection.execute(text('SELECT conversation_id, id FROM messages')).all()
    rows = []
    for cid, kind, title, title_key, lo, hi, last_id, read_id in members:
        peer_id = peer_name = None
        if kind == 'direct':
            peer_id = hi if lo == user_id else lo
            peer_name, peer_key, banned = users[peer_id]
            if banned:
                continue
            if name_filter and name_filter not in peer_key:
                continue
        elif name_filter and name_filter not in (title_key or ''):
            continue
        if only_ids is not None and cid not in only_ids:
            continue
        unread = sum(1 for m_cid, m_id in messages if m_cid == cid and m_id > read_id)
        rows.append((cid, kind, title, peer_id, peer_name, last_id, read_id, unread))
    rows.sort(key=lambda r: (r[5], r[0]), reverse=True)
    return rows[:limit]


def got(user_id: int, **kwargs: object) -> list[tuple]:
    with session_scope() as db:
        return [
            (r.conversation_id, r.kind, r.title, r.peer_id, r.peer_name, r.last_message_id, r.last_read_id, r.unread)
            for r in conversation_queries.sidebar(db, user_id=user_id, **kwargs)  # type: ignore[arg-type]
        ]


def test_sidebar_rows_and_unread_counts_equal_a_plain_reading(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(12)
    with session_scope() as db:
        ids = [
            user_queries.create_user(db, username=f'user{i}', name_key=f'user{i}', password_hash='x').id
            for i in range(12)
        ]
    me, people = ids[0], [i for i in ids[1:] if i is not None]
    assert me is not None
    conversations: list[int] = []
    with session_scope() as db:
        for peer in people[:8]:
            found = conversation_queries.get_or_create_direct(db, user_a=me, user_b=peer, now=NOW)
            conversations.append(found.id or 0)
        for k in range(5):
            room = conversation_queries.create_room(
                db, title=f'Room {k}', title_key=f'room {k}', visibility='public', owner_id=people[k], now=NOW
            )
            assert room.id is not None
            conversation_queries.add_member(db, conversation_id=room.id, user_id=me, role='member', now=NOW)
            conversations.append(room.id)
        other = conversation_queries.get_or_create_direct(db, user_a=people[0], user_b=people[1], now=NOW)
        assert other.id is not None
    busy = conversations[:-2]  # the last two conversations keep no messages at all
    with session_scope() as db:
        for _ in range(400):
            cid = rng.choice([*busy, other.id])
            members = conversation_queries.member_ids(db, conversation_id=cid)
            message_queries.add_message(db, conversation_id=cid, sender_id=rng.choice(members), kind='text', body='x')
    with session_scope() as db:
        for cid in busy:  # read marks: none, part of the way, to the end
            conversation = conversation_queries.get_conversation(db, conversation_id=cid)
            assert conversation is not None
            newest = conversation.last_message_id
            mark = rng.choice([0, newest // 2, newest])
            if mark:
                conversation_queries.mark_read(db, conversation_id=cid, user_id=me, message_id=mark)
        conversation_queries.delete_messages(db, conversation_id=busy[3])  # a cleared conversation
        user_queries.set_flags(db, user_id=people[2], banned=True)  # a banned peer's conversation is left out
        for _ in range(6):  # more unread than the cap below
            message_queries.add_message(db, conversation_id=busy[1], sender_id=people[1], kind='text', body='y')
    assert sum(1 for row in reference(me, limit=50) if row[-1]) > 2, 'the data must hold unread messages'
    for terms in (conversation_queries.UNREAD_TERMS, 2):  # the counts in one statement, and split over several
        monkeypatch.setattr(conversation_queries, 'UNREAD_TERMS', terms)
        check_every_variant(me, busy=busy, conversations=conversations, other=other.id)
    monkeypatch.setattr(conversation_queries, 'UNREAD_CAP', 3)  # counted up to the cap
    assert any(row[-1] > 3 for row in reference(me, limit=50)), 'the data must hold more unread than the cap'
    check_every_variant(me, busy=busy, conversations=conversations, other=other.id, cap=3)


def check_every_variant(me: int, *, busy: list[int], conversations: list[int], other: int, cap: int = 10**9) -> None:
    for kwargs in (
        {'limit': 50},
        {'limit': 5},
        {'limit': 1},
        {'limit': 50, 'name_filter': 'room'},
        {'limit': 50, 'name_filter': 'user1'},
        {'limit': 50, 'name_filter': 'nobody'},
        {'limit': 50, 'only_ids': {busy[0], conversations[-1], other}},
        {'limit': 50, 'only_ids': set()},
    ):
        expected = [(*row[:-1], min(row[-1], cap)) for row in reference(me, **kwargs)]  # type: ignore[arg-type]
        assert got(me, **kwargs) == expected, kwargs  # type: ignore[arg-type]
