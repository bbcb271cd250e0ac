"""The database search index (``db.search_text``) on SQLite and MariaDB gives exactly a plain scan's results:
``fold(keyword) in fold(body)`` over the conversation's text messages, newest first, on both of its paths (SQLite's
trigram candidates and the exact scan); it follows inserts, edits, recalls, clearing, deleted users and the
migration of existing data."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.engine import Engine

from db import conversations as conversation_queries
from db import messages as message_queries
from db import search_text
from db import users as user_queries
from db.engine import session_scope
from db.migrate import upgrade
from db.models import Message, User

NOW = datetime(2026, 12, 1, 12, 0)
USERS: dict[str, int] = {}

CORPUS = [
    'ΟΔΟΣ',
    'οδος σ',
    'Straße',
    'STRASSE groß',
    'MiXeD Case',
    'mixed case',
    '我爱苹果',
    '苹果很甜',
    '红苹',
    '東京タワー',
    'party 🎉 time',
    '🎉🎉',
    '👍🏽 ok',
    'family 👨‍👩‍👧 photo',
    '50% off',
    '100%% sure',
    'a_b',
    'a%b',
    'aXb',
    'back\\slash',
    'two \\\\ slashes',
    'say "hi"',
    "it's",
    "''quoted''",
    'ﬁne',
    'FINE',
    'İstanbul',
    'ISTANBUL',
    'ıssız',
    'Ǆemal',
    'café',
    'cafe\u0301',
    'line\nbreak',
    '  spaced  out  ',
    '<b>html</b>',
    'x' * 300 + 'needle',
]
KEYWORDS = [
    'σ',
    'Σ',
    'ς',
    'οδος',
    'ΟΔΟΣ',
    'ss',
    'SS',
    'ß',
    'strasse',
    'straße',
    'GROSS',
    'mixed',
    'MIXED CASE',
    'Ed c',
    '苹',
    '苹果',
    '苹果很',
    '我爱苹果',
    'タワー',
    '京',
    '🎉',
    '🎉🎉',
    '🏽',
    '👨‍👩‍👧',
    '%',
    '%%',
    '50%',
    '_',
    'a_b',
    'a%b',
    '\\',
    '\\\\',
    'back\\',
    '"',
    '"hi"',
    "'",
    "it's",
    "''",
    'fi',
    'FINE',
    'ﬁ',
    'istanbul',
    'İ',
    'i̇',
    'ı',
    'ǅ',
    'ǆemal',
    'café',
    'e\u0301',
    'e',
    '\n',
    'k\nb',
    '  ',
    'spaced  out',
    '<b>',
    'needle',
    'xxxneedle',
    'zebra',
    'zq',
    'a',
]


def make_users(*names: str) -> list[int]:
    ids = []
    with session_scope() as db:
        for name in names:
            user = user_queries.create_user(db, username=name, name_key=name, password_hash='x')
            assert user.id is not None
            ids.append(user.id)
    return ids


def direct(a: int, b: int) -> int:
    with session_scope() as db:
        conversation = conversation_queries.get_or_create_direct(db, user_a=a, user_b=b, now=NOW)
        assert conversation.id is not None
        return conversation.id


def send(conversation_id: int, sender: int, body: str | None, kind: str = 'text') -> int:
    with session_scope() as db:
        message = message_queries.add_message(
            db, conversation_id=conversation_id, sender_id=sender, kind=kind, body=body
        )
        assert message.id is not None
        return message.id


def plain_scan(conversation_id: int, keyword: str) -> list[int]:
    """The reference: every text message of the conversation, folded in Python, newest first."""
    needle = search_text.fold(keyword)
    with session_scope() as db:
        rows = db.execute(
            text('SELECT id, kind, body FROM messages WHERE conversation_id = :c ORDER BY id DESC'),
            {'c': conversation_id},
        ).all()
    return [i for i, kind, body in rows if needle and kind == 'text' and body and needle in search_text.fold(body)]


def found(conversation_id: int, keyword: str) -> list[int]:
    with session_scope() as db:
        return search_text.matching_ids(db, conversation_ids=[conversation_id], keyword=keyword)


@pytest.fixture
def corpus(engine: Engine) -> tuple[int, int]:
    """Two conversations with the corpus (interleaved) plus files, so a search must stay in its conversation;
    user ``a`` is in both, ``c`` only in the second."""
    a, b, c = make_users('a', 'b', 'c')
    ab, ac = direct(a, b), direct(a, c)
    for k, body in enumerate(CORPUS):
        send(ab, a if k % 2 else b, body)
        send(ac, c, body.upper() if k % 3 == 0 else body)
        if k % 5 == 0:
            send(ab, a, None, kind='image')
            send(ab, a, 'file text ' + body, kind='file')  # not text: never found
    USERS.update(a=a, c=c)
    return ab, ac


@pytest.mark.parametrize('path', ['index', 'scan'])
def test_every_keyword_finds_exactly_the_plain_scans_messages(
    corpus: tuple[int, int], path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path == 'scan':
        monkeypatch.setattr(search_text, 'FTS_BUDGET', -1)  # SQLite: trigram candidates never used
    for conversation in corpus:
        for keyword in KEYWORDS + CORPUS:
            assert found(conversation, keyword) == plain_scan(conversation, keyword), keyword
    assert found(corpus[0], '苹') and found(corpus[0], '%') and found(corpus[0], 'ss')  # the corpus is not vacuous


def test_trigram_candidates_are_used_on_sqlite_and_agree(corpus: tuple[int, int]) -> None:
    with session_scope() as db:
        if db.get_bind().dialect.name != 'sqlite':
            return  # FTS5 exists on SQLite only (not a skip: CI fails on skips)
        hits = db.execute(text('SELECT rowid FROM message_search WHERE message_search MATCH \'"苹果很"\'')).all()
        assert len(hits) == 2  # one per conversation: the FTS table holds every text message once
        assert search_text._fts_proposes_few(db, '"strasse"')


def test_empty_keyword_and_no_conversation_find_nothing(corpus: tuple[int, int]) -> None:
    assert found(corpus[0], '') == []
    with session_scope() as db:
        assert search_text.matching_ids(db, conversation_ids=[], keyword='a') == []


def test_several_conversations_at_once(corpus: tuple[int, int]) -> None:
    with session_scope() as db:
        both = search_text.matching_ids(db, conversation_ids=list(corpus), keyword='苹果')
    assert both == sorted(plain_scan(corpus[0], '苹果') + plain_scan(corpus[1], '苹果'), reverse=True)


def test_edit_recall_and_drop_are_followed(corpus: tuple[int, int]) -> None:
    ab = corpus[0]
    target = send(ab, USERS['a'], 'original wording')
    with session_scope() as db:  # an edit: the other helper's code changes the body, then reindexes
        db.execute(update(Message).where(Message.id == target).values(body='Reworded ÄNDERUNG'))  # type: ignore[arg-type]
        search_text.reindex_message(db, message_id=target)
    assert found(ab, 'original') == [] and found(ab, 'wording') == []
    assert found(ab, 'änderung') == [target] == plain_scan(ab, 'änderung')
    with session_scope() as db:  # a recall: the row stays, but it is no longer text
        db.execute(update(Message).where(Message.id == target).values(kind='recalled', body=None))  # type: ignore[arg-type]
        search_text.reindex_message(db, message_id=target)
    assert found(ab, 'änderung') == []
    other = send(ab, USERS['a'], 'dropped words')
    with session_scope() as db:
        search_text.drop_message(db, message_id=other)
        search_text.drop_message(db, message_id=other)  # twice is harmless
        search_text.reindex_message(db, message_id=10**9)  # an unknown message: nothing happens
    assert found(ab, 'dropped words') == []


def test_clearing_a_history_and_deleting_a_user_empty_the_index(corpus: tuple[int, int]) -> None:
    ab, ac = corpus
    with session_scope() as db:
        conversation_queries.delete_messages(db, conversation_id=ab)
    assert found(ab, 'e') == [] and found(ac, 'e') == plain_scan(ac, 'e') != []
    with session_scope() as db:
        assert (
            db.execute(text('SELECT count(*) FROM message_texts WHERE conversation_id = :c'), {'c': ab}).scalar() == 0
        )
        if db.get_bind().dialect.name == 'sqlite':
            left = db.execute(
                text('SELECT count(*) FROM message_search WHERE message_search MATCH \'"苹果很"\'')
            ).scalar()
            assert left == 1  # only the other conversation's copy is left in the trigram index
    new = send(ab, USERS['a'], 'after clearing 苹果很')
    assert found(ab, '苹果很') == [new]
    with session_scope() as db:
        db.execute(delete(User).where(User.id == USERS['c']))  # type: ignore[arg-type]  # c: their conversation goes
    with session_scope() as db:
        assert (
            db.execute(text('SELECT count(*) FROM message_texts WHERE conversation_id = :c'), {'c': ac}).scalar() == 0
        )


def test_rebuild_gives_the_same_index(corpus: tuple[int, int]) -> None:
    before = {k: found(corpus[0], k) for k in KEYWORDS}
    with session_scope() as db:
        indexed = search_text.rebuild(db, batch=7)
    with session_scope() as db:
        texts = db.execute(text("SELECT count(*) FROM messages WHERE kind = 'text' AND body IS NOT NULL")).scalar()
    assert indexed == texts
    assert {k: found(corpus[0], k) for k in KEYWORDS} == before


def test_migration_indexes_existing_messages(blank_database_url: str) -> None:
    from db import engine as db_engine

    engine = db_engine.build_engine(blank_database_url)
    upgrade(engine, '0005')
    with engine.begin() as connection:
        for i, name in enumerate(['ann', 'bob']):
            connection.execute(
                text(
                    'INSERT INTO users (id, username, name_key, password_hash, is_admin, is_muted, is_banned, '
                    "created_at) VALUES (:id, :n, :n, 'x', 0, 0, 0, :at)"
                ),
                {'id': i + 1, 'n': name, 'at': NOW},
            )
        connection.execute(
            text(
                'INSERT INTO conversations (id, kind, visibility, direct_lo, direct_hi, created_at, last_message_id, '
                "revision) VALUES (1, 'direct', 'private', 1, 2, :at, 0, 0)"
            ),
            {'at': NOW},
        )
        for k in range(12_000):  # more than one batch of the migration
            body = CORPUS[k % len(CORPUS)]
            kind = 'image' if k % 9 == 0 else 'text'
            connection.execute(
                text(
                    'INSERT INTO messages (conversation_id, sender_id, kind, body, created_at) '
                    'VALUES (1, :s, :kind, :body, :at)'
                ),
                {'s': 1 + k % 2, 'kind': kind, 'body': None if kind == 'image' else body, 'at': NOW},
            )
    upgrade(engine)
    configured = db_engine.configure(blank_database_url)
    try:
        for keyword in ('苹果很', 'SS', '%', 'needle', '🎉', 'zebra'):
            assert found(1, keyword) == plain_scan(1, keyword), keyword
        assert len(found(1, '苹果很')) > 300
    finally:
        configured.dispose()


def test_count_and_newest_agree_with_the_scan(corpus: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    for budget in (search_text.FTS_BUDGET, -1):
        monkeypatch.setattr(search_text, 'FTS_BUDGET', budget)
        for keyword in KEYWORDS:
            expected = plain_scan(corpus[0], keyword)
            with session_scope() as db:
                for limit in (1, 3, 200):
                    count, newest = search_text.count_and_newest(
                        db, conversation_id=corpus[0], keyword=keyword, limit=limit
                    )
                    assert (count, newest) == (len(expected), expected[:limit]), keyword
