from sqlalchemy import insert
from sqlalchemy.engine import Engine

from db import messages as message_queries
from db import users as user_queries
from db.engine import session_scope
from db.models import Message


def make_users(*names: str) -> list[int]:
    ids = []
    with session_scope() as db:
        for name in names:
            user = user_queries.create_user(db, username=name, name_key=name, password_hash='x')
            assert user.id is not None
            ids.append(user.id)
    return ids


def bulk(rows: list[dict]) -> None:
    with session_scope() as db:
        db.execute(insert(Message), rows)


def row(sender: int, recipient: int, body: str | None, kind: str = 'text', file_key: str | None = None) -> dict:
    lo, hi = message_queries.pair(sender, recipient)
    return {'user_lo': lo, 'user_hi': hi, 'sender_id': sender, 'kind': kind, 'body': body, 'file_key': file_key}


def test_window_and_paging_with_1000_messages(engine: Engine) -> None:
    a, b, c = make_users('a', 'b', 'c')
    rows = []
    for i in range(1000):
        rows.append(row(a if i % 2 else b, b if i % 2 else a, f'm{i}'))
        if i % 10 == 0:
            rows.append(row(a, c, f'other{i}'))
    bulk(rows)
    seen: list[str] = []
    before = None
    with session_scope() as db:
        while True:
            page = message_queries.window(db, user_a=b, user_b=a, limit=50, before_id=before)
            if not page:
                break
            ids = [m.id for m in page]
            assert ids == sorted(ids)
            seen = [m.body or '' for m in page] + seen
            before = page[0].id
    assert seen == [f'm{i}' for i in range(1000)]
    with session_scope() as db:
        newest = message_queries.window(db, user_a=a, user_b=b, limit=50)
        assert [m.body for m in newest] == [f'm{i}' for i in range(950, 1000)]


def test_search_candidates_stay_in_the_conversation(engine: Engine) -> None:
    a, b, c = make_users('a', 'b', 'c')
    bulk(
        [
            row(a, b, 'Meeting at ten'),
            row(b, a, 'no meeting'),
            row(a, c, 'meeting with c'),
            row(a, b, '100% sure'),
            row(a, b, '1000 sure'),
            row(a, b, 'snake_case'),
            row(a, b, 'snakeXcase'),
            row(a, b, 'back\\slash'),
            row(a, b, '我爱苹果 😀'),
            row(a, b, 'meeting.png', kind='image', file_key='k1'),
        ]
    )
    with session_scope() as db:

        def found(keyword: str) -> list[str]:
            return [body for _, body in message_queries.text_candidates(db, user_a=b, user_b=a, keyword=keyword)]

        assert sorted(found('meeting'), key=str.lower) == ['Meeting at ten', 'no meeting']
        assert found('%') == ['100% sure']
        assert found('_') == ['snake_case']
        assert found('\\') == ['back\\slash']
        assert found('苹') == ['我爱苹果 😀']
        assert found('😀') == ['我爱苹果 😀']
        assert found('zebra') == []


def test_delete_conversation_returns_file_keys_and_keeps_others(engine: Engine) -> None:
    a, b, c = make_users('a', 'b', 'c')
    bulk([row(a, b, 'x'), row(b, a, 'pic', kind='image', file_key='key-1'), row(a, c, 'keep')])
    with session_scope() as db:
        assert message_queries.delete_conversation(db, user_a=b, user_b=a) == ['key-1']
    with session_scope() as db:
        assert message_queries.window(db, user_a=a, user_b=b, limit=10) == []
        assert [m.body for m in message_queries.window(db, user_a=a, user_b=c, limit=10)] == ['keep']


def test_last_message_ids(engine: Engine) -> None:
    a, b, c = make_users('a', 'b', 'c')
    bulk([row(a, b, '1'), row(c, a, '2'), row(b, a, '3'), row(b, c, '4')])
    with session_scope() as db:
        latest = message_queries.last_message_ids(db, user_id=a)
        assert set(latest) == {b, c}
        assert latest[b] > latest[c]


def test_user_records_both_directions_and_files(engine: Engine) -> None:
    a, b, c = make_users('a', 'b', 'c')
    bulk([row(a, b, 'hello'), row(c, a, None, kind='image', file_key='k'), row(b, c, 'other'), row(b, a, '50% HELLO')])
    with session_scope() as db:
        rows, total = message_queries.user_records(db, user_id=a, offset=0, limit=10)
        assert total == 3 and [m.kind for m in rows] == ['text', 'image', 'text']
        rows, total = message_queries.user_records(db, user_id=a, offset=2, limit=10)
        assert total == 3 and [m.body for m in rows] == ['hello']
