from sqlalchemy import insert
from sqlalchemy.engine import Engine

from db import users as user_queries
from db.engine import session_scope
from db.models import User


def test_users_page_and_filter_with_10000_users(engine: Engine) -> None:
    rows = [{'username': f'user{i:05d}', 'name_key': f'user{i:05d}', 'password_hash': 'x'} for i in range(10_000)]
    rows += [
        {'username': 'Zoë_%', 'name_key': 'zoë_%', 'password_hash': 'x'},
        {'username': 'root', 'name_key': 'root', 'password_hash': 'x', 'is_admin': True},
    ]
    with session_scope() as db:
        db.execute(insert(User), rows)
    with session_scope() as db:
        page, total = user_queries.page_users(db, name_filter='', offset=40, limit=20)
        assert total == 10_001
        assert [u.username for u in page] == [f'user{i:05d}' for i in range(40, 60)]
        page, total = user_queries.page_users(db, name_filter='USER0999', offset=0, limit=20)
        assert total == 10 and page[0].username == 'user09990'
        page, total = user_queries.page_users(db, name_filter='%', offset=0, limit=20)
        assert [u.username for u in page] == ['Zoë_%'] and total == 1
        page, total = user_queries.page_users(db, name_filter='_', offset=0, limit=20)
        assert total == 1
        page, total = user_queries.page_users(db, name_filter='root', offset=0, limit=20)
        assert total == 0
        first = user_queries.get_user_by_key(db, name_key='user00000')
        assert first is not None and first.id is not None
        user = user_queries.set_flags(db, user_id=first.id, muted=True)
        assert user is not None and user.is_muted
        assert user_queries.set_flags(db, user_id=999_999, banned=True) is None
