"""A display-name change with many clients connected (issue 15): how fast it reaches the pages that show the person,
and that no other page hears of it.

``uv run python -m bench.rename --db sqlite|mariadb [--rooms 40] [--members 25] [--star-rooms 20] [--renames 10]``

- **Data** (``bench.rooms.make_rooms``): ``rooms`` public rooms of ``members`` people each, plus ``star``, who is a
  member of the first ``star-rooms`` rooms and has sent one message into each, so every one of those rooms shows a
  bubble with star's name.
- **Clients**: everyone signs in through ``/login`` (``bench/ngclient.py``) and opens their room (``/?c=<id>``);
  star opens ``/profile``. With the defaults: 1,000 room pages, 480 of which show star.
- **Renames**: star types a new name into ``profile-display-name`` and clicks ``profile-save``, ``renames`` times,
  ``--gap`` seconds apart. Delivery is timed from just before the first UI event leaves star's page to the first
  ``update`` a page receives that holds the new name; both ends are in this process, on one monotonic clock.
- **Touched**: a page of a room without star that receives any ``update`` while the renames run (it must be none);
  **lost**: a page showing star that never received a name (within ``--settle`` s of the last rename).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine

from db.models import Conversation, ConversationMember, Message

from . import datagen, dbs
from .machine import facts
from .ngclient import Browser, Tab, new_http
from .profiling import Spy
from .rooms import Fanout, Member, database, make_rooms, percentiles
from .server import Server

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / 'bench' / 'results' / 'tmp'
STAR = 'star'


def add_star(engine: Engine, room_ids: list[int]) -> None:
    """``star`` joins these rooms and says hello in each (so each room's window shows star's name)."""
    star_id = datagen.insert_users(engine, [STAR])[STAR]
    now = datetime(2026, 12, 1, 9, 0)
    with engine.begin() as connection:
        connection.execute(
            insert(ConversationMember.__table__),  # type: ignore[attr-defined]
            [
                {'conversation_id': r, 'user_id': star_id, 'role': 'member', 'joined_at': now, 'last_read_id': 0}
                for r in room_ids
            ],
        )
        for room_id in room_ids:
            message_id = connection.execute(
                insert(Message.__table__).values(  # type: ignore[attr-defined]
                    conversation_id=room_id, sender_id=star_id, kind='text', body='hello from star', created_at=now
                )
            ).inserted_primary_key[0]
            connection.execute(
                update(Conversation.__table__)  # type: ignore[attr-defined]
                .where(Conversation.__table__.c.id == room_id)  # type: ignore[attr-defined]
                .values(last_message_id=message_id)
            )


class Renames(Fanout):
    """The room pages (``Fanout``'s sign-in and page opening) and star's profile page."""

    def __init__(self, server: Server, star_rooms: set[int]) -> None:
        super().__init__(server, uuid.uuid4().hex[:6])
        self.star_rooms = star_rooms
        self.name: str | None = None  # the name star is changing to
        self.named_at = 0.0
        self.arrivals: dict[str, dict[str, float]] = {}  # name -> member -> when the page got it
        self.touched: set[str] = set()
        self.watching = False

    def _on_update(self, member: Member):  # type: ignore[no-untyped-def]
        shows_star = member.room_id in self.star_rooms

        def handle(_tab: Tab, payload: dict[str, Any]) -> None:
            t = time.perf_counter()
            if not self.watching:
                return
            if not shows_star:
                self.touched.add(member.name)
                return
            text = json.dumps(payload, ensure_ascii=False)
            for name, got in self.arrivals.items():
                if member.name not in got and name in text:
                    got[member.name] = t

        return handle

    async def rename(self, star: Tab, count: int, gap: float, settle: float) -> dict[str, Any]:
        value_ids = star.page.listener('profile-display-name', 'value')
        save_ids = star.page.listener('profile-save', 'click')
        watchers = [m.name for m in self.members.values() if m.room_id in self.star_rooms]
        sent: dict[str, float] = {}
        cpu0, wall0, stamp0 = self.server.cpu_seconds(), time.perf_counter(), time.time()
        self.watching = True
        lag = asyncio.create_task(self._lag_monitor())
        for i in range(count):
            name = f'Star {self.run_id}-{i}'
            self.arrivals[name] = {}
            sent[name] = time.perf_counter()
            await star.emit_event(value_ids[0], value_ids[1], [json.dumps(name)])
            await star.emit_event(save_ids[0], save_ids[1], [])
            await asyncio.sleep(gap)
        deadline = time.perf_counter() + settle
        while time.perf_counter() < deadline and any(len(got) < len(watchers) for got in self.arrivals.values()):
            await asyncio.sleep(0.2)
        self.watching = False
        self.stop.set()
        lag.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await lag
        cpu1, wall1 = self.server.cpu_seconds(), time.perf_counter()
        latencies = [(t - sent[name]) * 1000 for name, got in self.arrivals.items() for t in got.values()]
        each = [percentiles([(t - sent[name]) * 1000 for t in got.values()]) for name, got in self.arrivals.items()]
        return {
            'per_rename_p50_max_ms': [(one['p50'], one['max']) for one in each],
            'loadgen_lag_ms': percentiles(self.lags),
            'renames': count,
            'pages_showing_star': len(watchers),
            'pages_not_showing_star': len(self.members) - len(watchers),
            'delivery_ms': percentiles(latencies),
            'lost': sum(len(watchers) - len(got) for got in self.arrivals.values()),
            'pages_touched_that_do_not_show_star': len(self.touched),
            'server_cpu_percent': round((cpu1 - cpu0) / (wall1 - wall0) * 100, 1),
            'server_full_collections': self.server.gc_pauses(stamp0, time.time()),
        }


async def run(
    kind: str,
    *,
    rooms: int,
    members: int,
    star_rooms: int,
    renames: int,
    gap: float,
    concurrency: int,
    settle: float,
    profile: bool = False,
) -> dict[str, Any]:
    folder = SCRATCH / f'rename-{uuid.uuid4().hex[:8]}'
    folder.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    result: dict[str, Any] = {'db': kind, 'rooms': rooms, 'members_per_room': members, 'star_rooms': star_rooms}
    try:
        with database(kind, folder) as url:
            engine = dbs.migrated_engine(url)
            layout = await asyncio.to_thread(make_rooms, engine, rooms, members)
            shown = sorted(layout)[:star_rooms]
            await asyncio.to_thread(add_star, engine, shown)
            engine.dispose()
            server = Server(folder, database_url=url, gc_log=True)
            server.start()
            try:
                await asyncio.sleep(1)
                result['rss_idle_mb'] = round(server.rss() / 2**20, 1)
                bench = Renames(server, set(shown))
                async with new_http() as http:
                    result['sign_in_seconds'] = round(await bench.sign_in(layout, http, concurrency), 1)
                    star_browser = Browser(http, server.base)
                    await star_browser.login(STAR, datagen.PASSWORD)
                    await asyncio.sleep(3)
                    result['pages'] = await bench.open_pages(concurrency)
                    star = await star_browser.open('/profile')
                    print(json.dumps(result), file=sys.stderr, flush=True)
                    acks = asyncio.create_task(bench.ack_all())
                    await asyncio.sleep(3)
                    spy = Spy(server.pid, folder / 'rename.txt', gil=True) if profile else None
                    with spy or contextlib.nullcontext():
                        result['rename'] = await bench.rename(star, renames, gap, settle)
                    if spy is not None:
                        result['profile'] = spy.summary()
                    acks.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await acks
                    await star.close()
                    await bench.close()
            finally:
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result['wall_seconds'] = round(time.perf_counter() - began, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m bench.rename', description=__doc__.splitlines()[0])
    parser.add_argument('--db', choices=['sqlite', 'mariadb'], default='sqlite')
    parser.add_argument('--rooms', type=int, default=40)
    parser.add_argument('--members', type=int, default=25)
    parser.add_argument('--star-rooms', type=int, default=20, help='rooms star is a member of')
    parser.add_argument('--renames', type=int, default=10)
    parser.add_argument('--gap', type=float, default=2.0, help='seconds between renames')
    parser.add_argument('--concurrency', type=int, default=8, help='sign-ins and page loads at once')
    parser.add_argument('--settle', type=float, default=15.0)
    parser.add_argument('--out', help='write the JSON result here as well')
    parser.add_argument('--profile', action='store_true', help='py-spy (GIL holder) the server during the renames')
    args = parser.parse_args(argv)
    result = asyncio.run(
        run(
            args.db,
            rooms=args.rooms,
            members=args.members,
            star_rooms=args.star_rooms,
            renames=args.renames,
            gap=args.gap,
            concurrency=args.concurrency,
            settle=args.settle,
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
