"""Search everywhere on a big database: ``global_search._search_everywhere`` (what the page runs off the loop) over
N conversations of one user (direct conversations with N other people), M messages each.

    uv run python -m bench.global_search --conversations 200 --per 1000 [--mariadb]

Reports the first search (the in-memory index loads every conversation) and p50/p95 of the following ones.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from chat_ui.services import global_search
from chat_ui.services.search_index import search_index
from db import engine as db_engine
from db import search_text
from db.engine import session_scope
from db.migrate import upgrade

WORDS = ['hello', 'lunch', 'report', 'tomorrow', 'ok', '好的', '明天', '开会', '报告', 'thanks', 'see you']
KEYWORDS = {'latin': 'meeting', 'cjk_1_char': '苹', 'no_match': 'zyxwvq'}


def populate(url: str, conversations: int, per: int) -> int:
    engine = db_engine.configure(url)
    upgrade(engine)
    rng = random.Random(7)
    start = datetime(2026, 1, 1)
    with engine.begin() as c:
        c.execute(
            text(
                'INSERT INTO users (id, username, name_key, password_hash, is_admin, is_muted, is_banned, created_at, '
                "read_receipts) VALUES (:id, :n, :n, 'x', 0, 0, 0, :at, 1)"
            ),
            [{'id': i + 1, 'n': f'user{i}', 'at': start} for i in range(conversations + 1)],
        )
        c.execute(
            text(
                'INSERT INTO conversations (id, kind, visibility, direct_lo, direct_hi, created_at, last_message_id, '
                "revision) VALUES (:id, 'direct', 'private', 1, :hi, :at, 0, 0)"
            ),
            [{'id': i + 1, 'hi': i + 2, 'at': start} for i in range(conversations)],
        )
        c.execute(
            text(
                'INSERT INTO conversation_members (conversation_id, user_id, role, joined_at, last_read_id) '
                "VALUES (:c, :u, 'member', :at, 0)"
            ),
            [{'c': i + 1, 'u': u, 'at': start} for i in range(conversations) for u in (1, i + 2)],
        )
    message_id = 0
    for cid in range(1, conversations + 1):
        rows = []
        for k in range(per):
            message_id += 1
            words = rng.choices(WORDS, k=rng.randint(2, 8))
            if rng.random() < 0.02:
                words.append('meeting')
            if rng.random() < 0.02:
                words.append('苹果')
            rows.append(
                {
                    'id': message_id,
                    'c': cid,
                    's': cid + 1 if k % 2 else 1,
                    'b': ' '.join(words),
                    'at': start + timedelta(seconds=message_id),
                }
            )
        with engine.begin() as c:
            c.execute(
                text(
                    'INSERT INTO messages (id, conversation_id, sender_id, kind, body, created_at) '
                    "VALUES (:id, :c, :s, 'text', :b, :at)"
                ),
                rows,
            )
            c.execute(text('UPDATE conversations SET last_message_id = :m WHERE id = :c'), {'m': message_id, 'c': cid})
    with Session(engine) as session:  # the rows went in by plain SQL: fold them into the search index
        search_text.rebuild(session)
        session.commit()
    return message_id


def measure(reps: int) -> dict[str, dict[str, float]]:
    search_index.clear()
    found: dict[str, dict[str, float]] = {}
    for label, keyword in KEYWORDS.items():
        times = []
        for _ in range(reps + 1):
            began = time.perf_counter()
            with session_scope() as db:
                result = global_search._search_everywhere(db, 1, keyword)
            times.append((time.perf_counter() - began) * 1000)
        warm = sorted(times[1:])
        found[label] = {
            'hits': result.count,
            'first_ms': round(times[0], 1),
            'p50_ms': round(statistics.median(warm), 1),
            'p95_ms': round(warm[max(0, int(len(warm) * 0.95) - 1)], 1),
        }
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--conversations', type=int, default=200)
    parser.add_argument('--per', type=int, default=1000)
    parser.add_argument('--reps', type=int, default=20)
    parser.add_argument('--mariadb', action='store_true')
    args = parser.parse_args()
    if args.mariadb:
        from bench.dbs import mariadb_database

        with mariadb_database() as url:
            total = populate(url, args.conversations, args.per)
            print('mariadb', total, measure(args.reps))
            db_engine.get_engine().dispose()
        return
    with tempfile.TemporaryDirectory() as tmp:
        total = populate(f'sqlite:///{Path(tmp) / "bench.db"}', args.conversations, args.per)
        print('sqlite', total, measure(args.reps))


if __name__ == '__main__':
    main()
