"""Message and conversation queries on SQLite and MariaDB: windows, records, deletion, the sidebar with unread
counts, members and roles."""

from datetime import datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine

from db import conversations as conversation_queries
from db import messages as message_queries
from db import users as user_queries
from db.engine import session_scope
from db.models import Conversation, Message

NOW = datetime(2026, 12, 1, 12, 0)


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


def room(owner: int, title: str, *members: int) -> int:
    with session_scope() as db:
        created = conversation_queries.create_room(
            db, title=title, title_key=title.casefold(), visibility='public', owner_id=owner, now=NOW
        )
        assert created.id is not None
        for k, member in enumerate(members):
            conversation_queries.add_member(
                db, conversation_id=created.id, user_id=member, role='member', now=NOW + timedelta(seconds=k + 1)
            )
        return created.id


def send(conversation_id: int, sender: int, body: str | None, kind: str = 'text', file_key: str | None = None) -> int:
    with session_scope() as db:
        message = message_queries.add_message(
            db, conversation_id=conversation_id, sender_id=sender, kind=kind, body=body, file_key=file_key
        )
        assert message.id is not None
        return message.id


def test_window_and_paging_with_1000_messages(engine: Engine) -> None:
    a, b, c = make_users('a', 'b', 'c')
    ab, ac = direct(a, b), direct(a, c)
    rows = []
    for i in range(1000):
        rows.append({'conversation_id': ab, 'sender_id': a if i % 2 else b, 'kind': 'text', 'body': f'm{i}'})
        if i % 10 == 0:
            rows.append({'conversation_id': ac, 'sender_id': a, 'kind': 'text', 'body': f'other{i}'})
    with session_scope() as db:
        db.execute(insert(Message), rows)
    seen: list[str] = []
    before = None
    with session_scope() as db:
        while page := message_queries.window(db, conversation_id=ab, limit=50, before_id=before):
            ids = [m.id for m in page]
            assert ids == sorted(ids)
            seen = [m.body or '' for m in page] + seen
            before = page[0].id
    assert seen == [f'm{i}' for i in range(1000)]
    with session_scope() as db:
        newest = message_queries.window(db, conversation_id=ab, limit=50)
        assert [m.body for m in newest] == [f'm{i}' for i in range(950, 1000)]
        assert [
            m.body for m in message_queries.newer(db, conversation_id=ab, after_id=newest[-3].id or 0, limit=9)
        ] == [
            'm998',
            'm999',
        ]


def test_a_direct_pair_is_one_conversation_whoever_starts_it(engine: Engine) -> None:
    a, b = make_users('a', 'b')
    assert direct(a, b) == direct(b, a)
    with session_scope() as db:
        assert sorted(conversation_queries.member_ids(db, conversation_id=direct(a, b))) == sorted([a, b])


def test_sending_makes_the_conversation_newest_and_read_by_its_sender(engine: Engine) -> None:
    a, b = make_users('a', 'b')
    ab = direct(a, b)
    first = send(ab, a, 'hello')
    with session_scope() as db:
        conversation = conversation_queries.get_conversation(db, conversation_id=ab)
        assert conversation is not None and conversation.last_message_id == first
        me = conversation_queries.get_member(db, conversation_id=ab, user_id=a)
        peer = conversation_queries.get_member(db, conversation_id=ab, user_id=b)
        assert me is not None and peer is not None and (me.last_read_id, peer.last_read_id) == (first, 0)


def test_the_newest_message_mark_never_goes_back(engine: Engine) -> None:
    """A send that commits after a later one (concurrent senders) leaves the later id as the newest."""
    a, b = make_users('a', 'b')
    ab = direct(a, b)
    later = 10**9  # as if a later message had committed first
    with session_scope() as db:
        db.execute(update(Conversation).where(Conversation.id == ab).values(last_message_id=later))  # type: ignore[arg-type]
    send(ab, a, 'committed last')
    with session_scope() as db:
        conversation = conversation_queries.get_conversation(db, conversation_id=ab)
        assert conversation is not None and conversation.last_message_id == later


def test_sidebar_in_one_query_newest_first_with_unread_counts(engine: Engine) -> None:
    a, b, c, d = make_users('alice', 'bob', 'carol', 'dave')
    ab, ac, ad = direct(a, b), direct(a, c), direct(a, d)
    team = room(b, 'team', a, c)
    for _ in range(3):
        send(ab, b, 'from bob')
    send(team, c, 'from carol in team')
    send(ac, a, 'mine')
    send(ad, d, 'from dave')
    with session_scope() as db:
        rows = conversation_queries.sidebar(db, user_id=a, limit=10)
        assert [(r.kind, r.title or r.peer_name, r.unread) for r in rows] == [
            ('direct', 'dave', 1),
            ('direct', 'carol', 0),
            ('room', 'team', 1),
            ('direct', 'bob', 3),
        ]
        last = rows[-1]
        assert conversation_queries.mark_read(db, conversation_id=ab, user_id=a, message_id=last.last_message_id)
        assert not conversation_queries.mark_read(db, conversation_id=ab, user_id=a, message_id=1)  # never back
    with session_scope() as db:
        rows = conversation_queries.sidebar(db, user_id=a, limit=2)
        assert [r.peer_name for r in rows] == ['dave', 'carol']
        assert {r.peer_name: r.unread for r in conversation_queries.sidebar(db, user_id=a, limit=10)}['bob'] == 0
        assert [r.title for r in conversation_queries.sidebar(db, user_id=a, limit=10, name_filter='tea')] == ['team']
        user_queries.set_flags(db, user_id=d, banned=True)
    with session_scope() as db:  # a banned peer's conversation leaves the sidebar
        assert 'dave' not in [r.peer_name for r in conversation_queries.sidebar(db, user_id=a, limit=10)]
        assert conversation_queries.direct_peer_ids(db, user_id=a) == {b, c, d}


def test_members_roles_order_and_successor(engine: Engine) -> None:
    owner, m1, m2, m3 = make_users('owner', 'm1', 'm2', 'm3')
    team = room(owner, 'team', m1, m2, m3)
    with session_scope() as db:
        conversation_queries.set_role(db, conversation_id=team, user_id=m3, role='admin')
        assert [u.username for _, u in conversation_queries.members(db, conversation_id=team)] == [
            'owner',
            'm3',
            'm1',
            'm2',
        ]
        heir = conversation_queries.successor(db, conversation_id=team, leaving_id=owner)
        assert heir is not None and heir.user_id == m3
        conversation_queries.set_role(db, conversation_id=team, user_id=m3, role='member')
        heir = conversation_queries.successor(db, conversation_id=team, leaving_id=owner)
        assert heir is not None and heir.user_id == m1  # longest-standing member
        assert conversation_queries.member_count(db, conversation_id=team) == 4


def test_delete_messages_returns_file_keys_and_keeps_other_conversations(engine: Engine) -> None:
    a, b, c = make_users('a', 'b', 'c')
    ab, ac = direct(a, b), direct(a, c)
    send(ab, a, 'x')
    send(ab, b, None, kind='image', file_key='key-1')
    send(ac, a, 'keep')
    with session_scope() as db:
        assert conversation_queries.delete_messages(db, conversation_id=ab) == ['key-1']
    with session_scope() as db:
        assert message_queries.window(db, conversation_id=ab, limit=10) == []
        assert [m.body for m in message_queries.window(db, conversation_id=ac, limit=10)] == ['keep']
        assert message_queries.conversation_state(db, conversation_id=ab)[2] == 1  # the revision moved


def test_records_of_a_user_and_of_a_room(engine: Engine) -> None:
    a, b, c = make_users('a', 'b', 'c')
    ab, ac, bc = direct(a, b), direct(a, c), direct(b, c)
    team = room(b, 'team', a, c)
    send(ab, a, 'hello')
    send(ac, c, None, kind='image', file_key='k')
    send(bc, b, 'other')
    send(ab, b, '50% HELLO')
    send(team, c, 'team talk')
    send(team, a, 'a in team')
    with session_scope() as db:
        rows, total = message_queries.records(db, user_id=a, offset=0, limit=10)
        assert total == 4 and [m.body for m in rows] == ['a in team', '50% HELLO', None, 'hello']
        hello = [m.id for m in rows if m.body == '50% HELLO']
        rows, total = message_queries.records(db, user_id=a, only_ids=hello, offset=0, limit=10)
        assert total == 1 and rows[0].body == '50% HELLO'
        rows, total = message_queries.records(db, conversation_id=team, offset=0, limit=10)
        assert total == 2 and [m.body for m in rows] == ['a in team', 'team talk']


def test_lobby_and_rooms_page(engine: Engine) -> None:
    a, b, c = make_users('a', 'b', 'c')
    small = room(a, 'Small talk')
    room(b, 'Big hall', a, c)
    with session_scope() as db:
        conversation_queries.rename_room(db, conversation_id=small, title='Quiet corner', title_key='quiet corner')
        lobby = conversation_queries.lobby(db, title_filter='', limit=10)
        assert [(r.title, r.members) for r in lobby] == [('Big hall', 3), ('Quiet corner', 1)]
        assert [r.title for r in conversation_queries.lobby(db, title_filter='quiet', limit=10)] == ['Quiet corner']
        rows, total = conversation_queries.rooms_page(db, title_filter='', offset=0, limit=1)
        assert total == 2 and [(r.title, r.owner_name) for r in rows] == [('Big hall', 'b')]
