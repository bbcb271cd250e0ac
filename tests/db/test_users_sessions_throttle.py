from datetime import datetime, timedelta

import pymysql
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from db import sessions as session_queries
from db import throttle as throttle_queries
from db import users as user_queries
from db.engine import session_scope

NOW = datetime(2026, 3, 14, 15, 9, 26, 535000)  # any fixed moment: the queries take the clock as an argument


def make_user(name: str, *, admin: bool = False, banned: bool = False) -> int:
    with session_scope() as db:
        user = user_queries.create_user(db, username=name, name_key=name.casefold(), password_hash='x', is_admin=admin)
        user.is_banned = banned
        assert user.id is not None
        return user.id


def test_chinese_and_emoji_name_round_trips(engine: Engine) -> None:
    user_id = make_user('小明😀')
    with session_scope() as db:
        user = user_queries.get_user(db, user_id=user_id)
        assert user is not None and user.username == '小明😀'
        assert user_queries.get_user_by_key(db, name_key='小明😀') is not None


def test_duplicate_name_key_is_refused(engine: Engine) -> None:
    make_user('alice')
    with pytest.raises(IntegrityError):
        make_user('alice')


def test_admin_exists_and_contacts(engine: Engine) -> None:
    with session_scope() as db:
        assert not user_queries.admin_exists(db)
    me = make_user('me')
    make_user('root', admin=True)
    make_user('zed')
    make_user('banned', banned=True)
    make_user('amy')
    with session_scope() as db:
        assert user_queries.admin_exists(db)
        names = [u.username for u in user_queries.list_contacts(db, exclude_user_id=me, limit=10)]
        assert [u.username for u in user_queries.list_contacts(db, exclude_user_id=me, limit=1)] == ['amy']
        assert [u.username for u in user_queries.list_contacts(db, exclude_user_id=me, limit=9, name_filter='ZE')] == [
            'zed'
        ]
        assert user_queries.list_contacts(db, exclude_user_id=me, limit=9, name_filter='%') == []
    assert names == ['amy', 'zed']


def test_record_login_and_password_update(engine: Engine) -> None:
    user_id = make_user('bob')
    at = NOW
    with session_scope() as db:
        user_queries.record_login(db, user_id=user_id, at=at, ip='10.0.0.1', device='Firefox 😀')
        user_queries.set_password_hash(db, user_id=user_id, password_hash='new')
    with session_scope() as db:
        user = user_queries.get_user(db, user_id=user_id)
        assert user is not None
        assert (user.last_login_at, user.last_login_ip, user.last_login_device, user.password_hash) == (
            at,
            '10.0.0.1',
            'Firefox 😀',
            'new',
        )


def test_sessions_live_revoked_expired_banned(engine: Engine) -> None:
    user_id = make_user('carol')
    now = NOW
    with session_scope() as db:
        first = session_queries.create_session(
            db, user_id=user_id, token_hash='a' * 64, expires_at=now + timedelta(hours=1), ip=None, user_agent=None
        )
        second = session_queries.create_session(
            db, user_id=user_id, token_hash='b' * 64, expires_at=now + timedelta(hours=1), ip='::1', user_agent='UA'
        )
        revoked = session_queries.revoke_user_sessions(
            db, user_id=user_id, reason='replaced', now=now, keep_id=second.id
        )
    assert revoked == [first.id]
    with session_scope() as db:
        assert session_queries.get_live_session(db, token_hash='a' * 64, now=now) is None
        live = session_queries.get_live_session(db, token_hash='b' * 64, now=now)
        assert live is not None and live[1].username == 'carol'
        assert session_queries.get_live_session(db, token_hash='b' * 64, now=now + timedelta(hours=2)) is None
        assert session_queries.revoke_session(db, token_hash='b' * 64, reason='logout', now=now) is not None
        assert session_queries.revoke_session(db, token_hash='b' * 64, reason='logout', now=now) is None
    with session_scope() as db:
        assert session_queries.get_live_session(db, token_hash='b' * 64, now=now) is None


def test_banned_user_session_is_not_live(engine: Engine) -> None:
    user_id = make_user('dave', banned=True)
    now = NOW
    with session_scope() as db:
        session_queries.create_session(
            db, user_id=user_id, token_hash='c' * 64, expires_at=now + timedelta(hours=1), ip=None, user_agent=None
        )
    with session_scope() as db:
        assert session_queries.get_live_session(db, token_hash='c' * 64, now=now) is None


def test_throttle_counts_locks_and_clears(engine: Engine) -> None:
    now = NOW
    with session_scope() as db:
        row = throttle_queries.lock_throttle(db, name_key='eve', now=now)
        assert (row.failures, row.locked_until) == (0, None)
    for expected in range(1, 6):
        with session_scope() as db:
            row = throttle_queries.lock_throttle(db, name_key='eve', now=now)
            assert row.failures == expected - 1
            count = throttle_queries.count_attempt(db, row=row, now=now, lock_after=5, lock_for=timedelta(seconds=60))
            assert count == expected
    with session_scope() as db:
        row = throttle_queries.lock_throttle(db, name_key='eve', now=now)
        assert (row.failures, row.locked_until) == (5, now + timedelta(seconds=60))
        assert throttle_queries.lock_throttle(db, name_key='other', now=now).failures == 0
    with session_scope() as db:
        throttle_queries.clear_failures(db, name_key='eve')
    with session_scope() as db:
        assert throttle_queries.get_throttle(db, name_key='eve') is None
        assert throttle_queries.get_throttle(db, name_key='other') is not None


def test_survives_dropped_connections(engine: Engine) -> None:
    """Connections killed under the pool (a DB restart) are replaced by pre-ping."""
    make_user('frank')
    if engine.dialect.name == 'mysql':
        with engine.connect() as connection:
            ids = [row[0] for row in connection.execute(text('SELECT CONNECTION_ID()'))]
        admin = pymysql.connect(
            host=engine.url.host,
            port=engine.url.port or 3306,
            user=engine.url.username,
            password=engine.url.password or '',
        )
        with admin.cursor() as cursor:
            for connection_id in ids:
                cursor.execute(f'KILL {int(connection_id)}')
        admin.close()
    else:
        engine.dispose()
    with session_scope() as db:
        assert user_queries.get_user_by_key(db, name_key='frank') is not None
