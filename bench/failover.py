"""Failover: clients on 2 processes behind HAProxy, ``kill -9`` one mid-traffic: ``uv run python -m bench.failover``.

``--clients`` (default 300) sign in through the balancer (``/login``, its sticky cookie decides their process) and
open their chat; ``--rate`` msg/s flow on an absolute schedule for ``--before`` s, then process p1 is killed with
SIGKILL and the traffic goes on for ``--after`` s. The killed process's browsers do what ``nicegui.js`` does: the
socket reconnects through the balancer, the surviving process refuses the unknown page's handshake, the browser
reloads ``/`` (the balancer now sends it to p2, the session is in Redis) and the person opens the chat again.

Reported: per browser of p1, the time from the kill until its chat window is back (loaded from the database, so
it has caught up); p50 / max. Messages: ``stored`` (in the database after the run), ``lost`` (stored but never
shown to its recipient, live or in the reloaded window), ``duplicated`` (one message shown twice at once), and
``never stored`` (sent from a page whose process died before it stored them, as a person typing at that moment).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from deploy.haproxy import render
from deploy.local import HAPROXY

from . import datagen, dbs
from .live import PREFIX, Fleet, Member, percentiles
from .machine import facts
from .ngclient import new_http
from .processes import SCRATCH, Processes, forget_prefix, start_servers
from .profiling import Spy
from .runner import database
from .server import ROOT, Server, free_port


def start_balancer(folder: Path, servers: list[tuple[str, str]]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = folder / 'haproxy.cfg'
    config.write_text(render(f'127.0.0.1:{port}', servers), encoding='utf-8')
    log = (folder / 'haproxy.log').open('ab')
    process = subprocess.Popen([HAPROXY, '-db', '-f', str(config)], stdout=log, stderr=subprocess.STDOUT)
    base = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(f'{base}/healthz', timeout=2) as response:
            if response.status == 200:
                return process, base
        time.sleep(0.2)
    process.kill()
    raise RuntimeError('HAProxy did not answer')


class Reloader:
    """Reopen every page whose reconnect was refused (a reload, as nicegui.js does) and time it from the kill."""

    def __init__(self, fleet: Fleet, window: int) -> None:
        self.fleet = fleet
        self.window = window
        self.killed_at: float | None = None
        self.back: dict[str, float] = {}  # name -> seconds from the kill until the chat window arrived again
        self.asked: list[float] = []  # seconds from the kill until the page knew it must reload
        self.page_get: list[float] = []  # seconds the reloaded page's GET took (through the balancer)
        self.page_socket: list[float] = []  # seconds its socket took to connect
        self.window: list[float] = []  # seconds from the click on the chat until its window arrived
        self.started: list[float] = []  # seconds from the kill until the successful reload began
        self.failed: dict[str, str] = {}
        self._busy: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []

    async def watch(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            for member in self.fleet.members.values():
                tab = member.tab
                if tab is not None and tab.closed.is_set() and member.name not in self._busy:
                    self._busy.add(member.name)
                    self._tasks.append(asyncio.create_task(self._reload(member)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _reload(self, member: Member) -> None:
        assert member.peer is not None
        self.fleet.tracker.forget(member.name)
        member.last_sent_seq = None
        if self.killed_at is not None:
            self.asked.append(time.perf_counter() - self.killed_at)
        for attempt in range(10):
            try:
                began = time.perf_counter()
                await self.fleet.open_page(member.name)
                self.window.append(await self.fleet.open_chat(member.name, member.peer, bubbles=1, timeout=30))
                self.page_get.append(member.browser.opened[0])
                self.page_socket.append(member.browser.opened[1])
                if self.killed_at is not None:
                    self.started.append(began - self.killed_at)
                break
            except Exception as error:
                self.failed[member.name] = repr(error)[:160]
                await asyncio.sleep(0.5 + attempt * 0.5)
        else:
            return
        self.failed.pop(member.name, None)
        if self.killed_at is not None:
            self.back[member.name] = time.perf_counter() - self.killed_at
        self._busy.discard(member.name)


def seconds(values: list[float]) -> dict[str, float | None]:
    ordered = sorted(values)

    def at(share: float) -> float | None:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2) if ordered else None

    return {'p10': at(0.1), 'p50': at(0.5), 'p90': at(0.9), 'max': round(ordered[-1], 2) if ordered else None}


def stored_seqs(url: str, run: str) -> set[int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            bodies = connection.execute(
                text('SELECT body FROM messages WHERE body LIKE :pattern'), {'pattern': f'{PREFIX}{run}:%'}
            ).scalars()
            return {int(body.rsplit(':', 1)[1]) for body in bodies}
    finally:
        engine.dispose()


async def run(
    kind: str, *, clients: int, rate: float, before: float, after: float, profile: bool = False
) -> dict[str, Any]:
    folder = SCRATCH / f'failover-{uuid.uuid4().hex[:8]}'
    folder.mkdir(parents=True)
    prefix = f'nicechat-bench-{uuid.uuid4().hex[:8]}:'
    out: dict[str, Any] = {'db': kind, 'clients_target': clients, 'rate': rate, 'before_s': before, 'after_s': after}
    try:
        with database(kind, folder / 'chat.db') as url:
            engine = dbs.migrated_engine(url)
            dataset = datagen.Dataset(
                chat_users=clients, history_sizes=(), opener_conversations=0, opener_size=0, total_messages=clients
            )
            await asyncio.to_thread(datagen.generate, engine, dataset)
            engine.dispose()
            servers = start_servers(2, folder, url, prefix)
            balancer, base = start_balancer(
                folder, [(f'p{i + 1}', f'127.0.0.1:{s.port}') for i, s in enumerate(servers)]
            )
            try:
                out.update(
                    await _traffic(Processes(servers), base, clients, rate, before, after, url, servers, profile)
                )
            finally:
                balancer.kill()
                for server in servers:
                    server.stop()
    finally:
        forget_prefix(prefix)
        shutil.rmtree(folder, ignore_errors=True)
    return out


async def _traffic(
    group: Processes,
    base: str,
    clients: int,
    rate: float,
    before: float,
    after: float,
    url: str,
    servers: list[Server],
    profile: bool,
) -> dict[str, Any]:
    victim, survivor = servers
    out: dict[str, Any] = {}
    names = [datagen.chat_name(i) for i in range(clients)]
    pairs = [(names[i], names[i + 1]) for i in range(0, clients - 1, 2)]
    async with new_http() as http:
        fleet = Fleet(group, http, datagen.PASSWORD, base_for=lambda _name: base)
        fleet.start_background()
        stop = asyncio.Event()
        try:
            out['login_seconds'] = round(await fleet.login(names), 1)
            await asyncio.sleep(4.5)
            ramp = await fleet.connect(pairs, rss_samples=[], window=2)
            ready = ramp.pop('pairs_ready')
            on = {m.name: m.browser.instance for m in fleet.members.values()}
            out['clients_connected'] = ramp['connected']
            out['clients_per_process'] = {i: list(on.values()).count(i) for i in sorted(set(on.values()), key=str)}
            warm = await fleet.warm_up(ready)
            out['warmup'] = {key: warm[key] for key in ('sent', 'delivered', 'lost', 'duplicated')}
            on_victim = [name for name, instance in on.items() if instance == 'p1']
            reloader = Reloader(fleet, window=2)
            watcher = asyncio.create_task(reloader.watch(stop))
            run = 'failover'
            traffic = asyncio.create_task(fleet.traffic(ready, rate=rate, duration=before + after, run=run, drain=25))
            await asyncio.sleep(before)
            reloader.killed_at = time.perf_counter()
            assert victim.process is not None
            victim.process.kill()
            victim.process.wait()
            spy = Spy(survivor.pid, survivor.data_dir / 'takeover.txt') if profile else None
            with spy or contextlib.nullcontext():
                result = await traffic
            if spy is not None:
                out['takeover_profile'] = spy.summary()
            stop.set()
            await watcher
            tracker = fleet.tracker
            stored = stored_seqs(url, run)
            back = [reloader.back[name] for name in on_victim if name in reloader.back]
            out['killed_process_clients'] = len(on_victim)
            out['back_on_p2'] = len(back)
            out['not_back'] = {
                name: reloader.failed.get(name, 'no reload') for name in on_victim if name not in reloader.back
            }
            out['back_seconds'] = seconds(back)
            out['reload_asked_seconds'] = seconds(reloader.asked)
            out['reload_began_seconds'] = seconds(reloader.started)
            out['page_get_seconds'] = seconds(reloader.page_get)
            out['page_socket_seconds'] = seconds(reloader.page_socket)
            out['window_seconds'] = seconds(reloader.window)
            out['messages'] = {
                'sent': result['sent'],
                'stored': len(stored),
                'never_stored': result['sent'] - len(stored),
                'lost': len(stored - set(tracker.arrived)),
                'duplicated': result['duplicated'],
                'delivered': len(tracker.arrived),
            }
            out['latency_ms'] = result['latency_ms']
            out['latency_ms_before_kill'] = percentiles(
                [
                    (tracker.arrived[s] - t) * 1000
                    for s, (t, *_) in tracker.sent.items()
                    if s in tracker.arrived and t < reloader.killed_at
                ]
            )
        finally:
            stop.set()
            await fleet.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m bench.failover', description=__doc__.splitlines()[0])
    parser.add_argument('--db', choices=['sqlite', 'mariadb'], default='sqlite')
    parser.add_argument('--clients', type=int, default=300)
    parser.add_argument('--rate', type=float, default=20.0)
    parser.add_argument('--before', type=float, default=10.0, help='seconds of traffic before the kill')
    parser.add_argument('--after', type=float, default=20.0, help='seconds of traffic after the kill')
    parser.add_argument('--profile', action='store_true', help='py-spy the surviving process after the kill')
    parser.add_argument('--out', help='write the JSON result here as well')
    args = parser.parse_args(argv)
    began = time.perf_counter()
    result = asyncio.run(
        run(args.db, clients=args.clients, rate=args.rate, before=args.before, after=args.after, profile=args.profile)
    )
    result['wall_seconds'] = round(time.perf_counter() - began, 1)
    result['machine'] = facts(ROOT)
    text_out = json.dumps(result, indent=2, default=str)
    print(text_out)
    if args.out:
        Path(args.out).write_text(text_out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
