"""Sidebar with many conversations (issue 12): what opening the chat page costs the database.

``uv run python -m bench.sidebar --db sqlite|mariadb [--conversations 500] [--messages 1000000]``

Data (bulk, like ``bench/datagen.py``; one argon2 hash shared by every user): the user ``me`` is a member of
``conversations`` conversations, 80 % direct (one peer each) and 20 % rooms (``me`` plus 5 peers). Peers also talk
among themselves (as many direct conversations again), so ``me``'s conversations are not the whole table.
``messages`` rows are spread over all conversations with skewed weights (a few busy ones, a long tail), in random
order, so ids of one conversation interleave with the others' as in real use. ``me``'s read marks: 70 % of the
conversations are read to the end, 25 % have 1–20 unread messages, 5 % 100–2,000 (``--unread typical``); with
``--unread all`` nothing is read at all (the worst case: every message of ``me``'s conversations counts).

Measured: ``chat_ui.services.conversations._sidebar`` — exactly what the page's ``conversations.sidebar`` runs in
the worker thread (the session user's check, then ``db.conversations.sidebar``: the rows and their unread counts) — with
the page's limit (50 rows) and with every row (``--conversations``). *cold*: a new engine for every call (a new
connection, made before the timing starts, so SQLite's page cache of that connection is empty); *warm*: the same connection again and again. The number of SQL
statements per call is counted with an engine event. ``EXPLAIN`` of the sidebar's statements is recorded (``--explain``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from chat_ui.services import conversations as conversation_service
from db import conversations as conversation_queries
from db.models import Conversation, ConversationMember, Message

from . import datagen, dbs
from .machine import facts

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / 'bench' / 'results' / 'tmp'
ME = 'me'


@dataclass(frozen=True)
class SidebarData:
    conversations: int = 500
    messages: int = 1_000_000
    unread: str = 'typical'  # or 'all'
    room_share: float = 0.2
    seed: int = 12


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    return {
        'n': len(ordered),
        'p50': round(statistics.median(ordered), 2),
        'p95': round(rank(95), 2),
        'max': round(ordered[-1], 2),
    }


def generate(engine: Engine, data: SidebarData) -> dict[str, Any]:
    """Fill an empty, migrated database; returns ``me``'s id and what was made."""
    rng = random.Random(data.seed)
    began = time.perf_counter()
    rooms = round(data.conversations * data.room_share)
    directs = data.conversations - rooms
    peers = [f'p{i:05d}' for i in range(max(directs, 6))]
    ids = datagen.insert_users(engine, [ME, *peers])
    me = ids[ME]
    peer_ids = [ids[name] for name in peers]
    now = datetime.utcnow() - timedelta(days=30)
    conversation_rows: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []  # conversation_id filled in below
    plan: list[tuple[str, list[int], bool]] = []  # kind, member ids, is one of me's
    for k in range(directs):
        plan.append(('direct', [me, peer_ids[k]], True))
    for _ in range(rooms):
        plan.append(('room', [me, *rng.sample(peer_ids, 5)], True))
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < data.conversations:  # the peers' own conversations, each pair once
        a, b = sorted(rng.sample(peer_ids, 2))
        if (a, b) not in pairs:
            pairs.add((a, b))
            plan.append(('direct', [a, b], False))
    for index, (kind, people, _) in enumerate(plan, start=1):
        row: dict[str, Any] = {
            'id': index,
            'kind': kind,
            'visibility': 'private',
            'created_at': now,
            'last_message_id': 0,
            'revision': 0,
            'direct_lo': None,
            'direct_hi': None,
            'title': None,
            'title_key': None,
            'owner_id': None,
        }
        if kind == 'direct':
            lo, hi = sorted(people)
            row.update(direct_lo=lo, direct_hi=hi)
        else:
            row.update(title=f'Room {index}', title_key=f'room {index}', owner_id=people[0])
        conversation_rows.append(row)
        for position, user_id in enumerate(people):
            role = 'owner' if kind == 'room' and position == 0 else 'member'
            members.append({'conversation_id': index, 'user_id': user_id, 'role': role, 'joined_at': now})
    people_of: dict[int, list[int]] = {}
    for member in members:
        people_of.setdefault(member['conversation_id'], []).append(member['user_id'])
    live = list(range(1, len(plan) + 1))
    weights = [rng.paretovariate(1.2) for _ in live]
    bodies = [datagen.body(rng) for _ in range(2048)]
    last_id: dict[int, int] = {}
    ids_of: dict[int, list[int]] = {}
    with engine.begin() as connection:
        for start in range(0, len(conversation_rows), 1000):
            connection.execute(insert(Conversation.__table__), conversation_rows[start : start + 1000])  # type: ignore[attr-defined]
        table = Message.__table__  # type: ignore[attr-defined]
        chosen = rng.choices(live, weights=weights, k=data.messages)
        base = datetime.utcnow() - timedelta(days=20)
        buffer: list[dict[str, Any]] = []
        for number, cid in enumerate(chosen, start=1):
            people = people_of[cid]
            buffer.append(
                {
                    'id': number,
                    'conversation_id': cid,
                    'sender_id': people[number % len(people)],
                    'kind': 'text',
                    'body': bodies[number % 2048],
                    'created_at': base + timedelta(milliseconds=number),
                }
            )
            last_id[cid] = number
            if cid <= data.conversations:  # one of me's
                ids_of.setdefault(cid, []).append(number)
            if len(buffer) >= 10_000:
                connection.execute(insert(table), buffer)
                buffer.clear()
        if buffer:
            connection.execute(insert(table), buffer)
        for member in members:
            cid = member['conversation_id']
            if member['user_id'] != me or cid not in ids_of:
                member['last_read_id'] = last_id.get(cid, 0)
                continue
            own = ids_of[cid]
            draw = rng.random()
            if data.unread == 'all':
                unread = len(own)
            elif draw < 0.70:
                unread = 0
            elif draw < 0.95:
                unread = rng.randint(1, 20)
            else:
                unread = rng.randint(100, 2000)
            unread = min(unread, len(own))
            member['last_read_id'] = own[len(own) - unread - 1] if unread < len(own) else 0
        for start in range(0, len(members), 5000):
            connection.execute(insert(ConversationMember.__table__), members[start : start + 5000])  # type: ignore[attr-defined]
        _set_last_ids(connection, last_id)
    with engine.begin() as connection:
        if engine.dialect.name in {'mysql', 'mariadb'}:
            connection.execute(text('ANALYZE TABLE messages, conversations, conversation_members, users'))
        else:
            connection.execute(text('ANALYZE'))
    expected_unread = _expected_unread(engine, me)
    return {
        'user_id': me,
        'conversations_of_me': data.conversations,
        'conversations_total': len(plan),
        'messages': data.messages,
        'unread_total_of_me': sum(expected_unread.values()),
        'seconds': round(time.perf_counter() - began, 1),
    }


def _set_last_ids(connection: Any, last_id: dict[int, int]) -> None:
    statement = text('UPDATE conversations SET last_message_id = :last WHERE id = :cid')
    rows = [{'cid': cid, 'last': last} for cid, last in last_id.items()]
    for start in range(0, len(rows), 5000):
        connection.execute(statement, rows[start : start + 5000])


def _expected_unread(engine: Engine, user_id: int) -> dict[int, int]:
    """The unread counts computed the plain way (a GROUP BY), to check the sidebar's figures against."""
    query = text(
        'SELECT cm.conversation_id, COUNT(m.id) FROM conversation_members cm '
        'LEFT JOIN messages m ON m.conversation_id = cm.conversation_id AND m.id > cm.last_read_id '
        'WHERE cm.user_id = :me GROUP BY cm.conversation_id'
    )
    with engine.connect() as connection:
        return {int(cid): int(count) for cid, count in connection.execute(query, {'me': user_id})}


class StatementCounter:
    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, 'before_cursor_execute', self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


def time_sidebar(
    url: str, user_id: int, *, limit: int, cold: int, warm: int, build: Callable[[str], Engine]
) -> dict[str, Any]:
    """``cold`` calls each on a new engine, then ``warm`` calls on one connection; ms and statements per call."""
    cold_ms: list[float] = []
    statements: set[int] = set()
    rows = 0
    for _ in range(cold):
        engine = build(url)
        counter = StatementCounter(engine)
        with Session(engine) as db:
            db.execute(text('SELECT 1'))  # the connection itself is made outside the timing (the app pools them)
            before = counter.count
            began = time.perf_counter()
            views = conversation_service._sidebar(db, user_id, '', limit)
            cold_ms.append((time.perf_counter() - began) * 1000)
        statements.add(counter.count - before)
        rows = len(views)
        engine.dispose()
    engine = build(url)
    counter = StatementCounter(engine)
    warm_ms: list[float] = []
    with Session(engine) as db:
        for _ in range(warm):
            before = counter.count
            began = time.perf_counter()
            conversation_service._sidebar(db, user_id, '', limit)
            warm_ms.append((time.perf_counter() - began) * 1000)
            statements.add(counter.count - before)
            db.rollback()  # end the read transaction, as session_scope does per call
    engine.dispose()
    return {
        'limit': limit,
        'rows': rows,
        'statements_per_call': sorted(statements),
        'cold_ms': percentiles(cold_ms),
        'warm_ms': percentiles(warm_ms),
    }


def check_counts(url: str, user_id: int, build: Callable[[str], Engine], conversations: int) -> int:
    """The sidebar's unread counts equal the plain GROUP BY's (up to ``UNREAD_CAP``), for every conversation; returns
    how many differ."""
    engine = build(url)
    expected = _expected_unread(engine, user_id)
    with Session(engine) as db:
        rows = conversation_queries.sidebar(db, user_id=user_id, limit=conversations)
    engine.dispose()
    got = {row.conversation_id: row.unread for row in rows}
    cap = conversation_queries.UNREAD_CAP
    wrong = sum(1 for cid, count in expected.items() if got.get(cid) != min(count, cap))
    return wrong + abs(len(got) - len(expected))


def explain(url: str, user_id: int, build: Callable[[str], Engine], limit: int) -> list[str]:
    engine = build(url)
    with Session(engine) as db:
        captured: list[tuple[str, Any]] = []

        def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            captured.append((statement, parameters))

        event.listen(engine, 'before_cursor_execute', grab)
        conversation_queries.sidebar(db, user_id=user_id, limit=limit)
        event.remove(engine, 'before_cursor_execute', grab)
        raw = db.connection().connection.dbapi_connection
        assert raw is not None
        prefix = 'EXPLAIN QUERY PLAN ' if engine.dialect.name == 'sqlite' else 'EXPLAIN '
        lines = []
        for number, (statement, parameters) in enumerate(captured, start=1):
            cursor = raw.cursor()
            cursor.execute(prefix + statement, parameters)
            lines += [f'statement {number}: ' + ' | '.join(str(v) for v in row) for row in cursor.fetchall()]
            cursor.close()
    engine.dispose()
    return lines


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == 'mariadb':
        with dbs.mariadb_database() as url:
            yield url
        return
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f'sidebar-{os.getpid()}.db'
    url = dbs.sqlite_url(path)
    try:
        yield url
    finally:
        for suffix in ('', '-wal', '-shm'):
            Path(f'{path}{suffix}').unlink(missing_ok=True)


def run(
    kind: str, data: SidebarData, *, cold: int, warm: int, show_explain: bool, folder: Path = SCRATCH
) -> dict[str, Any]:
    from db import engine as db_engine

    with database(kind, folder) as url, nullcontext():
        engine = dbs.migrated_engine(url)
        made = generate(engine, data)
        engine.dispose()
        user_id = made['user_id']
        result: dict[str, Any] = {'db': kind, 'data': asdict(data), 'generated': made}
        result['count_mismatches'] = check_counts(url, user_id, db_engine.build_engine, data.conversations)
        result['page'] = time_sidebar(
            url, user_id, limit=conversation_service.SIDEBAR_SHOWN, cold=cold, warm=warm, build=db_engine.build_engine
        )
        result['all_rows'] = time_sidebar(
            url, user_id, limit=data.conversations, cold=cold, warm=warm, build=db_engine.build_engine
        )
        if show_explain:
            result['explain'] = explain(url, user_id, db_engine.build_engine, conversation_service.SIDEBAR_SHOWN)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m bench.sidebar', description=__doc__.splitlines()[0])
    parser.add_argument('--db', choices=['sqlite', 'mariadb'], default='sqlite')
    parser.add_argument('--conversations', type=int, default=500)
    parser.add_argument('--messages', type=int, default=1_000_000)
    parser.add_argument('--unread', choices=['typical', 'all'], default='typical')
    parser.add_argument('--cold', type=int, default=20, help='calls on a new engine each')
    parser.add_argument('--warm', type=int, default=100, help='calls on one connection')
    parser.add_argument('--explain', action='store_true')
    parser.add_argument('--out', help='write the JSON result here as well')
    args = parser.parse_args(argv)
    data = SidebarData(conversations=args.conversations, messages=args.messages, unread=args.unread)
    result = run(args.db, data, cold=args.cold, warm=args.warm, show_explain=args.explain)
    result['load_after'] = os.getloadavg()
    result['machine'] = facts(ROOT)
    text_out = json.dumps(result, indent=2, default=str)
    print(text_out)
    if args.out:
        Path(args.out).write_text(text_out)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
