"""Room fan-out (issue 12): many members of public rooms online, messages into the rooms on a fixed schedule.

``uv run python -m bench.rooms --db sqlite|mariadb --rooms 1 --members 200 --rate 5 --duration 60``
``uv run python -m bench.rooms --db sqlite --rooms 50 --members 20 --rate 20 --duration 60``

- **Data**: ``rooms`` public rooms of ``members`` people each (``r<room>m<k>``; the first is the owner), inserted in
  bulk into a fresh, migrated database (one argon2 hash shared, as in ``bench/datagen.py``).
- **Server**: ``main.py`` as a subprocess (``bench/server.py``) on 127.0.0.1.
- **Clients**: every member signs in through the real ``/login`` page (``bench/ngclient.py``: the sign-in ticket,
  ``/session/start``, then ``/``) and opens ``/?c=<room id>``, the page a browser shows for that room; nothing is
  rendered, ``update`` messages are decoded as they arrive.
- **Schedule**: send times are fixed in advance (``start + i / rate``) and each send is its own task, so a slow
  server does not slow the senders down. Message ``i`` goes to room ``i mod rooms``; its sender is the next member
  of that room in turn. A send is what the browser sends: ``update:modelValue`` of ``chat-input``, then ``click`` of
  ``chat-send``. ``slip`` is how late the load generator actually sent, compared to the schedule.
- **Delivery**: from just before the send leaves the sender to the moment a member's page receives the ``update``
  whose message-window rows hold the new bubble (text ``bench <run>:<seq>``); one monotonic clock, both ends are
  in this process. Counted for every member except the sender (the sender's own echo is counted for lost only).
  Lost = a (message, member) pair never seen within 15 s after the last send; duplicated = a member's window showing
  one message under two different row ids.
- **Server cost**: RSS after start, after the sign-ins, and while the pages open (sampled every 10 pages; "per
  client" is the least-squares slope); CPU = server CPU seconds / wall seconds during the traffic.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from db.models import Conversation, ConversationMember

from . import datagen, dbs
from .machine import facts
from .ngclient import Browser, PageError, Tab, ack_loop, new_http
from .profiling import Spy
from .server import Server

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / 'bench' / 'results' / 'tmp'


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {'n': 0, 'p50': None, 'p95': None, 'p99': None, 'max': None}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    return {
        'n': len(ordered),
        'p50': round(statistics.median(ordered), 2),
        'p95': round(rank(95), 2),
        'p99': round(rank(99), 2),
        'max': round(ordered[-1], 2),
    }


def slope(points: list[tuple[int, int]]) -> float | None:
    """Least-squares slope of RSS (bytes) over connected clients."""
    if len(points) < 2:
        return None
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else None


def member_name(room: int, k: int) -> str:
    return f'r{room:02d}m{k:03d}'


def make_rooms(engine: Engine, rooms: int, members: int) -> dict[int, list[str]]:
    """``rooms`` public rooms with ``members`` each; returns room id → member names (owner first)."""
    names = [member_name(r, k) for r in range(rooms) for k in range(members)]
    ids = datagen.insert_users(engine, names)
    now = datetime.utcnow()
    layout: dict[int, list[str]] = {}
    conversation_rows = []
    member_rows = []
    for r in range(rooms):
        room_id = r + 1
        people = [member_name(r, k) for k in range(members)]
        layout[room_id] = people
        conversation_rows.append(
            {
                'id': room_id,
                'kind': 'room',
                'title': f'Bench room {r}',
                'title_key': f'bench room {r}',
                'visibility': 'public',
                'owner_id': ids[people[0]],
                'created_at': now,
                'last_message_id': 0,
                'revision': 0,
            }
        )
        for k, name in enumerate(people):
            member_rows.append(
                {
                    'conversation_id': room_id,
                    'user_id': ids[name],
                    'role': 'owner' if k == 0 else 'member',
                    'joined_at': now,
                    'last_read_id': 0,
                }
            )
    with engine.begin() as connection:
        connection.execute(insert(Conversation.__table__), conversation_rows)  # type: ignore[attr-defined]
        for start in range(0, len(member_rows), 5000):
            connection.execute(insert(ConversationMember.__table__), member_rows[start : start + 5000])  # type: ignore[attr-defined]
    return layout


@dataclass
class Member:
    name: str
    room_id: int
    browser: Browser
    tab: Tab | None = None
    input_ids: tuple[int, str] = (0, '')
    send_ids: tuple[int, str] = (0, '')
    seen: dict[int, int] = field(default_factory=dict)  # seq -> row id (first seen)
    duplicates: int = 0


@dataclass
class Sent:
    seq: int
    room_id: int
    sender: str
    scheduled: float
    sent_at: float | None = None
    arrivals: dict[str, float] = field(default_factory=dict)


class Fanout:
    def __init__(self, server: Server, run_id: str) -> None:
        self.server = server
        self.run_id = run_id
        self.prefix = f'bench {run_id}:'
        self.members: dict[str, Member] = {}
        self.sent: dict[int, Sent] = {}
        self.lags: list[float] = []
        self.stop = asyncio.Event()

    # ---------------------------------------------------------------- receiving

    def _on_update(self, member: Member):  # type: ignore[no-untyped-def]
        prefix = self.prefix

        def handle(_tab: Tab, payload: dict[str, Any]) -> None:
            t = time.perf_counter()
            for element in payload.values():
                rows = element and element.get('props', {}).get('rows')
                if not isinstance(rows, list):
                    continue
                for row in rows:
                    text = row.get('b') if isinstance(row, dict) else None
                    if not isinstance(text, str) or not text.startswith(prefix):
                        continue
                    seq = int(text[len(prefix) :])
                    row_id = row.get('id')
                    first = member.seen.get(seq)
                    if first is None:
                        member.seen[seq] = row_id
                        sent = self.sent.get(seq)
                        if sent is not None and member.name not in sent.arrivals:
                            sent.arrivals[member.name] = t
                    elif first != row_id:
                        member.duplicates += 1

        return handle

    # ---------------------------------------------------------------- set-up

    async def sign_in(self, layout: dict[int, list[str]], http: Any, concurrency: int) -> float:
        began = time.perf_counter()
        gate = asyncio.Semaphore(concurrency)

        async def one(name: str, room_id: int) -> None:
            async with gate:
                browser = Browser(http, self.server.base)
                for attempt in range(3):
                    try:
                        await browser.login(name, datagen.PASSWORD)
                        break
                    except (PageError, TimeoutError) as error:
                        if attempt == 2:
                            raise PageError(f'sign-in of {name} failed: {error}') from error
                        await asyncio.sleep(1)
                self.members[name] = Member(name, room_id, browser)

        await asyncio.gather(*(one(n, rid) for rid, names in layout.items() for n in names))
        return time.perf_counter() - began

    async def open_pages(self, concurrency: int) -> dict[str, Any]:
        gate = asyncio.Semaphore(concurrency)
        samples: list[tuple[int, int]] = [(0, self.server.rss())]
        loads: list[float] = []
        errors = 0
        opened = 0
        began = time.perf_counter()

        async def one(member: Member) -> None:
            nonlocal errors, opened
            async with gate:
                for _attempt in range(3):
                    try:
                        t = time.perf_counter()
                        member.tab = await member.browser.open(f'/?c={member.room_id}', self._on_update(member))
                        loads.append((time.perf_counter() - t) * 1000)
                        break
                    except (PageError, TimeoutError, OSError) as error:
                        errors += 1
                        last = error
                        await asyncio.sleep(1)
                else:
                    raise PageError(f'{member.name} could not open its room: {last}')
                page = member.tab.page
                member.input_ids = page.listener('chat-input', 'value')
                member.send_ids = page.listener('chat-send', 'click')
                opened += 1
                if opened % 10 == 0:
                    samples.append((opened, self.server.rss()))

        await asyncio.gather(*(one(m) for m in self.members.values()))
        await asyncio.sleep(2)
        samples.append((opened, self.server.rss()))
        per_client = slope(samples)
        return {
            'clients': opened,
            'seconds': round(time.perf_counter() - began, 1),
            'page_load_ms': percentiles(loads),
            'page_errors_retried': errors,
            'rss_before_pages_mb': round(samples[0][1] / 2**20, 1),
            'rss_connected_mb': round(samples[-1][1] / 2**20, 1),
            'per_client_kb_slope': round(per_client / 1024, 1) if per_client is not None else None,
            'per_client_kb_mean': round((samples[-1][1] - samples[0][1]) / max(1, opened) / 1024, 1),
        }

    # ---------------------------------------------------------------- traffic

    async def _lag_monitor(self, interval: float = 0.02) -> None:
        while not self.stop.is_set():
            t = time.perf_counter()
            await asyncio.sleep(interval)
            self.lags.append((time.perf_counter() - t - interval) * 1000)

    async def _send(self, sent: Sent) -> None:
        member = self.members[sent.sender]
        assert member.tab is not None
        text = f'{self.prefix}{sent.seq}'
        sent.sent_at = time.perf_counter()
        await member.tab.emit_event(member.input_ids[0], member.input_ids[1], [json.dumps(text)])
        await member.tab.emit_event(member.send_ids[0], member.send_ids[1], [])

    async def traffic(self, rate: float, duration: float, *, settle: float = 15.0) -> dict[str, Any]:
        by_room: dict[int, list[str]] = {}
        for member in self.members.values():
            by_room.setdefault(member.room_id, []).append(member.name)
        room_ids = sorted(by_room)
        turn = dict.fromkeys(room_ids, 0)
        count = int(rate * duration)
        start = time.perf_counter() + 1.0
        for seq in range(count):
            room_id = room_ids[seq % len(room_ids)]
            people = by_room[room_id]
            sender = people[turn[room_id] % len(people)]
            turn[room_id] += 1
            self.sent[seq] = Sent(seq, room_id, sender, start + seq / rate)
        lag = asyncio.create_task(self._lag_monitor())
        cpu0, wall0, load0 = self.server.cpu_seconds(), time.perf_counter(), os.getloadavg()
        tasks: list[asyncio.Task[None]] = []
        for seq in range(count):
            delay = self.sent[seq].scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self._send(self.sent[seq])))
        await asyncio.gather(*tasks, return_exceptions=True)
        sends_done = time.perf_counter()
        expected = {seq: set(by_room[s.room_id]) for seq, s in self.sent.items()}
        deadline = sends_done + settle
        while time.perf_counter() < deadline:
            if all(len(self.sent[seq].arrivals) >= len(names) for seq, names in expected.items()):
                break
            await asyncio.sleep(0.2)
        cpu1, wall1, load1 = self.server.cpu_seconds(), time.perf_counter(), os.getloadavg()
        self.stop.set()
        lag.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await lag
        latencies: list[float] = []
        lost = 0
        for seq, sent in self.sent.items():
            for name in expected[seq]:
                arrived = sent.arrivals.get(name)
                if arrived is None or sent.sent_at is None:
                    lost += 1
                elif name != sent.sender:
                    latencies.append((arrived - sent.sent_at) * 1000)
        slips = [(s.sent_at - s.scheduled) * 1000 for s in self.sent.values() if s.sent_at is not None]
        span = (self.sent[count - 1].sent_at or sends_done) - (self.sent[0].sent_at or start) if count > 1 else 0
        return {
            'messages': count,
            'rate': rate,
            'achieved_rate': round((count - 1) / span, 2) if span else None,
            'deliveries_expected': sum(len(v) for v in expected.values()),
            'delivery_ms': percentiles(latencies),
            'lost': lost,
            'duplicated': sum(m.duplicates for m in self.members.values()),
            'schedule_slip_ms': percentiles(slips),
            'server_cpu_percent': round((cpu1 - cpu0) / (wall1 - wall0) * 100, 1),
            'server_rss_mb': round(self.server.rss() / 2**20, 1),
            'loadgen_lag_ms': percentiles(self.lags),
            'socket_drops': sum(len(m.tab.disconnects) for m in self.members.values() if m.tab),
            'load_avg_before': [round(x, 2) for x in load0],
            'load_avg_after': [round(x, 2) for x in load1],
            'traffic_seconds': round(wall1 - wall0, 1),
        }

    async def ack_all(self) -> None:
        """``ack`` every open tab every 3 s, like ``nicegui.js``; a tab that is reconnecting is skipped this round."""
        await ack_loop(
            lambda: [m.tab for m in self.members.values() if m.tab is not None and m.tab.online.is_set()], self.stop
        )

    async def close(self) -> None:
        await asyncio.gather(*(m.tab.close() for m in self.members.values() if m.tab), return_exceptions=True)


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == 'mariadb':
        with dbs.mariadb_database() as url:
            yield url
        return
    yield dbs.sqlite_url(folder / 'chat.db')


async def run(
    kind: str,
    *,
    rooms: int,
    members: int,
    rate: float,
    duration: float,
    concurrency: int = 8,
    settle: float = 15.0,
    folder: Path | None = None,
    profile: bool = False,
) -> dict[str, Any]:
    folder = folder or SCRATCH / f'rooms-{uuid.uuid4().hex[:8]}'
    folder.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    result: dict[str, Any] = {'db': kind, 'rooms': rooms, 'members_per_room': members, 'clients': rooms * members}
    try:
        with database(kind, folder) as url:
            engine = dbs.migrated_engine(url)
            layout = await asyncio.to_thread(make_rooms, engine, rooms, members)  # hashing refuses the event loop
            engine.dispose()
            server = Server(folder, database_url=url)
            server.start()
            try:
                await asyncio.sleep(1)
                result['rss_idle_mb'] = round(server.rss() / 2**20, 1)
                bench = Fanout(server, uuid.uuid4().hex[:6])
                async with new_http() as http:
                    result['sign_in_seconds'] = round(await bench.sign_in(layout, http, concurrency), 1)
                    await asyncio.sleep(3)
                    result['pages'] = await bench.open_pages(concurrency)
                    print(json.dumps(result), file=sys.stderr, flush=True)  # the ramp, should the traffic fail
                    acks = asyncio.create_task(bench.ack_all())
                    spy = Spy(server.pid, folder / 'traffic.txt') if profile else None
                    with spy or contextlib.nullcontext():
                        result['traffic'] = await bench.traffic(rate, duration, settle=settle)
                    if spy is not None:
                        result['profile'] = spy.summary()
                    acks.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await acks
                    await bench.close()
            finally:
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result['wall_seconds'] = round(time.perf_counter() - began, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m bench.rooms', description=__doc__.splitlines()[0])
    parser.add_argument('--db', choices=['sqlite', 'mariadb'], default='sqlite')
    parser.add_argument('--rooms', type=int, default=1)
    parser.add_argument('--members', type=int, default=200)
    parser.add_argument('--rate', type=float, default=5.0, help='messages per second over all rooms')
    parser.add_argument('--duration', type=float, default=60.0, help='seconds of sending')
    parser.add_argument('--concurrency', type=int, default=8, help='sign-ins and page loads at once')
    parser.add_argument('--out', help='write the JSON result here as well')
    parser.add_argument('--profile', action='store_true', help='py-spy the server during the traffic')
    args = parser.parse_args(argv)
    result = asyncio.run(
        run(
            args.db,
            rooms=args.rooms,
            members=args.members,
            rate=args.rate,
            duration=args.duration,
            concurrency=args.concurrency,
            profile=args.profile,
        )
    )
    result['machine'] = facts(ROOT)
    out = json.dumps(result, indent=2, default=str)
    print(out)
    if args.out:
        Path(args.out).write_text(out)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
