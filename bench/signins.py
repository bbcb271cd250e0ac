"""Sign-in bursts: server RSS before and after N people sign in through the real ``/login`` page.

    uv run python -m bench.signins --users 300 --burst 10 [--db sqlite|mariadb]

A fresh server and database with N users (one argon2 hash shared, as ``bench.datagen`` makes them); RSS once the
idle server has settled, then N sign-ins, ``burst`` at a time (each a headless tab: fill both fields, press the
button, follow the sign-in ticket), then RSS again after a pause (NiceGUI deletes each closed login page after its
``reconnect_timeout``). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import time
from contextlib import nullcontext
from typing import Any

from . import datagen, dbs, ngclient
from .server import ROOT, Server

TMP = ROOT / 'bench' / 'results' / 'tmp' / 'signins'


async def _sign_in_all(base: str, names: list[str], burst: int) -> dict[str, Any]:
    http = ngclient.new_http()
    times: list[float] = []
    failures: list[str] = []
    try:
        for start in range(0, len(names), burst):

            async def one(name: str) -> None:
                began = time.perf_counter()
                try:
                    await ngclient.Browser(http, base).login(name, datagen.PASSWORD)
                except Exception as error:  # reported, the run goes on
                    failures.append(f'{name}: {error}')
                times.append((time.perf_counter() - began) * 1000)

            await asyncio.gather(*(one(n) for n in names[start : start + burst]))
    finally:
        await http.close()
    ordered = sorted(times)
    return {
        'signed_in': len(names) - len(failures),
        'failures': failures[:5],
        'sign_in_ms_p50': round(statistics.median(ordered), 1) if ordered else None,
        'sign_in_ms_p95': round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else None,
    }


def run(users: int, burst: int, db: str, settle: float) -> dict[str, Any]:
    shutil.rmtree(TMP, ignore_errors=True)
    TMP.mkdir(parents=True)
    context = dbs.mariadb_database() if db == 'mariadb' else nullcontext(dbs.sqlite_url(TMP / 'chat.db'))
    with context as url:
        engine = dbs.migrated_engine(url)
        names = [datagen.chat_name(i) for i in range(users)]
        datagen.insert_users(engine, names)
        engine.dispose()
        with Server(TMP, database_url=url) as server:
            time.sleep(settle)
            before = server.rss()
            began = time.perf_counter()
            result = asyncio.run(_sign_in_all(server.base, names, burst))
            seconds = time.perf_counter() - began
            peak = server.rss()
            time.sleep(settle)
            after = server.rss()
    shutil.rmtree(TMP, ignore_errors=True)
    return {
        'db': db,
        'users': users,
        'burst': burst,
        **result,
        'seconds': round(seconds, 1),
        'rss_before_mb': round(before / 2**20, 1),
        'rss_right_after_mb': round(peak / 2**20, 1),
        'rss_after_mb': round(after / 2**20, 1),
        'growth_mb': round((after - before) / 2**20, 1),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog='python -m bench.signins', description=__doc__.splitlines()[0])
    parser.add_argument('--users', type=int, default=300)
    parser.add_argument('--burst', type=int, default=10)
    parser.add_argument('--db', choices=['sqlite', 'mariadb'], default='sqlite')
    parser.add_argument('--settle', type=float, default=8.0, help='seconds before each RSS reading')
    args = parser.parse_args(argv)
    print(json.dumps(run(args.users, args.burst, args.db, args.settle)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
