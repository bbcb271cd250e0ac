"""Export bench: the size and time of "export my data" for one user with many messages and files, with the
server's RSS growth and the event-loop lag while the zip is built (in a child process since stop 24).

    uv run python -m bench.export_bench --messages 20000 --files 20 --file-mb 1 [--mariadb]

The user is in one direct conversation and four rooms; messages are spread over them (mixed English/Chinese bodies
from bench.datagen), files are random bytes (incompressible, stored as is).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.datagen import body, insert_users
from bench.dbs import mariadb_database, sqlite_url
from chat_ui.core.config import Settings, set_settings
from chat_ui.services import exports
from chat_ui.services.file_store import stored_path
from db import conversations as conversation_queries
from db import engine as db_engine
from db import files as file_queries
from db.engine import session_scope
from db.migrate import upgrade
from db.models import Message


def rss_mb() -> float:
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    return 0.0


def populate(messages: int, files: int, file_mb: float, upload_dir: Path) -> int:
    ids = insert_users(db_engine.get_engine(), ['me', 'peer', 'r1', 'r2', 'r3'])
    me = ids['me']
    now = datetime(2026, 12, 1, 8, 0)
    with session_scope() as db:
        direct = conversation_queries.get_or_create_direct(db, user_a=me, user_b=ids['peer'], now=now)
        conversations = [direct.id]
        for i in range(4):
            room = conversation_queries.create_room(
                db, title=f'Room {i}', title_key=f'room {i}', visibility='public', owner_id=me, now=now
            )
            for other in ('r1', 'r2', 'r3'):
                conversation_queries.add_member(db, conversation_id=room.id, user_id=ids[other], role='member', now=now)
            conversations.append(room.id)
    rng = random.Random(15)
    senders = list(ids.values())
    rows = []
    for i in range(messages):
        rows.append(
            {
                'conversation_id': conversations[i % len(conversations)],
                'sender_id': me if i % 2 else rng.choice(senders),
                'kind': 'text',
                'body': body(rng),
                'created_at': now + timedelta(seconds=i),
            }
        )
    file_rows = []
    chunk = os.urandom(1024 * 1024)
    for i in range(files):
        key = str(uuid.uuid4())
        path = upload_dir / key
        with open(path, 'wb') as out:
            for _ in range(int(file_mb)):
                out.write(chunk)
        size = path.stat().st_size
        conversation = conversations[i % len(conversations)]
        rows.append(
            {
                'conversation_id': conversation,
                'sender_id': me,
                'kind': 'audio',
                'body': None,
                'file_key': key,
                'file_name': f'clip{i}.mp3',
                'file_mime': 'audio/mpeg',
                'file_size': size,
                'created_at': now + timedelta(seconds=messages + i),
            }
        )
        file_rows.append((key, conversation, size))
    with session_scope() as db:
        for start in range(0, len(rows), 5000):
            db.execute(insert(Message), rows[start : start + 5000])
        for key, conversation, size in file_rows:
            file_queries.add_file(
                db,
                key=key,
                owner_id=me,
                purpose='attachment',
                conversation_id=conversation,
                mime='audio/mpeg',
                name='clip.mp3',
                size=size,
            )
    return me


async def measure(user_id: int) -> dict[str, float]:
    job = exports.ExportJob(user_id=user_id)
    lags: list[float] = []
    peak = [rss_mb()]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    before = rss_mb()
    sampler.start()
    started = time.perf_counter()
    task = asyncio.create_task(exports.build(job))
    while not task.done():
        tick = time.perf_counter()
        await asyncio.sleep(0.005)
        lags.append((time.perf_counter() - tick - 0.005) * 1000)
    await task
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    assert job.state == 'done' and job.key is not None
    path = stored_path(job.key)
    assert path is not None
    lags.sort()
    return {
        'seconds': elapsed,
        'zip_mb': path.stat().st_size / 1_048_576,
        'rss_growth_mb': peak[0] - before,
        'lag_p99_ms': lags[int(len(lags) * 0.99) - 1] if lags else 0.0,
        'lag_median_ms': statistics.median(lags) if lags else 0.0,
        'steps': job.done,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--messages', type=int, default=20_000)
    parser.add_argument('--files', type=int, default=20)
    parser.add_argument('--file-mb', type=float, default=1.0)
    parser.add_argument('--mariadb', action='store_true')
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix='export-bench-')))
        url = stack.enter_context(mariadb_database()) if args.mariadb else sqlite_url(folder / 'bench.db')
        uploads = folder / 'uploads'
        uploads.mkdir()
        set_settings(Settings(_env_file=None, upload_dir=uploads, data_dir=folder))  # type: ignore[call-arg]
        upgrade(db_engine.configure(url))
        user_id = populate(args.messages, args.files, args.file_mb, uploads)
        result = asyncio.run(measure(user_id))
        database = 'MariaDB' if args.mariadb else 'SQLite'
        print(
            f'export of {args.messages} messages + {args.files} files x {args.file_mb:g} MB on {database}: '
            f'{result["seconds"]:.2f} s, zip {result["zip_mb"]:.1f} MB, RSS growth {result["rss_growth_mb"]:.1f} MB, '
            f'event-loop lag p99 {result["lag_p99_ms"]:.1f} ms (median {result["lag_median_ms"]:.1f} ms), '
            f'{result["steps"]} steps'
        )
        db_engine.get_engine().dispose()


if __name__ == '__main__':
    main()
