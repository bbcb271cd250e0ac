"""One process against two, side by side in one run: ``uv run python -m bench.processes [--db mariadb]``.

Each setup gets a fresh database and fresh servers: ``1 process`` (no Redis, as a one-machine install runs) and
``2 processes`` (``REDIS_URL`` on, a key prefix of its own, one shared data folder), with the two people of every
pair on different processes (each browser talks to its own process, as the sticky balancer pins it), so every
delivery crosses Redis. Both setups run the same traffic with the same clients (sign-in through ``/login``, the
chat opened, sends through the page on an absolute schedule): ``--rates`` (default 20 and 100 msg/s) for
``--duration`` s, then a throughput ladder (``--ladder``, ``--step`` s each, stopped at the first rate whose
p99 exceeds ``--target`` ms): the highest rate within the target is that setup's throughput. ``--profile`` records
py-spy of the first process during the first main run, with a summary: ``gil`` (the default) samples only the thread
holding the GIL (Python CPU), ``all`` every thread that is not waiting. ``--actions 0.1`` follows each main run
with the same run in which every tenth message is edited or recalled and senders go on typing (``bench.live``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import time
import uuid
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import redis

from . import datagen, dbs
from .live import Fleet
from .machine import facts
from .ngclient import new_http
from .profiling import Spy
from .runner import database
from .server import ROOT, Server

SCRATCH = ROOT / 'bench' / 'results' / 'tmp'
REDIS_URL = 'redis://127.0.0.1:6379/0'
MB = 2**20


class Processes:
    """Several servers measured as one: summed RSS and CPU (what :class:`bench.live.Fleet` reads)."""

    def __init__(self, servers: list[Server]) -> None:
        self.servers = servers
        self.base = servers[0].base

    @property
    def pid(self) -> int:
        """The first server's (what a one-server measurement such as the upload watches)."""
        return self.servers[0].pid

    def alive(self) -> list[Server]:
        return [server for server in self.servers if server.process is not None and server.process.poll() is None]

    def rss(self) -> int:
        return sum(server.rss() for server in self.alive())

    def cpu_seconds(self) -> float:
        """Of the servers still running (a killed one's CPU is gone with it)."""
        return sum(server.cpu_seconds() for server in self.alive())

    def gc_pauses(self, since: float, until: float) -> dict[str, float | int | None]:
        return {'gen2_collections': None}


def start_servers(count: int, folder: Path, url: str, prefix: str) -> list[Server]:
    """``count`` == 1: one server without Redis; more: that many sharing Redis (one prefix), data folder and DB."""
    if count == 1:
        servers = [Server(folder, database_url=url)]
    else:
        servers = [
            Server(
                folder,
                database_url=url,
                name=f'p{index}',
                extra_env={'REDIS_URL': REDIS_URL, 'CHAT_REDIS_PREFIX': prefix, 'CHAT_INSTANCE_ID': f'p{index}'},
            )
            for index in range(1, count + 1)
        ]
    for server in servers:  # one after the other: the first one migrates
        server.start()
    return servers


def forget_prefix(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f'{prefix}*', count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def summary(result: dict[str, Any]) -> dict[str, Any]:
    keep = ('rate_target', 'rate_achieved', 'sent', 'delivered', 'lost', 'duplicated', 'latency_ms')
    return {
        **{key: result[key] for key in keep},
        'server_cpu_percent': result['server_cpu_percent'],
        'server_cpu_ms_per_message': result['server_cpu_ms_per_message'],
        'socket_drops': result['socket_drops'],
    }


async def one_setup(
    processes: int,
    kind: str,
    *,
    clients: int,
    rates: list[float],
    duration: float,
    ladder: list[float],
    step: float,
    target: float,
    profile: str | None = None,
    actions: float = 0.0,
) -> dict[str, Any]:
    folder = SCRATCH / f'processes-{processes}-{uuid.uuid4().hex[:8]}'
    folder.mkdir(parents=True)
    prefix = f'nicechat-bench-{uuid.uuid4().hex[:8]}:'
    out: dict[str, Any] = {'processes': processes, 'redis': processes > 1}
    try:
        with database(kind, folder / 'chat.db') as url:
            engine = dbs.migrated_engine(url)
            dataset = datagen.Dataset(
                chat_users=clients, history_sizes=(), opener_conversations=0, opener_size=0, total_messages=clients
            )
            await asyncio.to_thread(datagen.generate, engine, dataset)
            engine.dispose()
            servers = start_servers(processes, folder, url, prefix)
            group = Processes(servers)
            try:
                await asyncio.sleep(2)
                out['rss_idle_mb'] = round(group.rss() / MB, 1)
                names = [datagen.chat_name(i) for i in range(clients)]
                home = {name: servers[index % len(servers)].base for index, name in enumerate(names)}
                pairs = [(names[i], names[i + 1]) for i in range(0, clients - 1, 2)]
                async with new_http() as http:
                    fleet = Fleet(group, http, datagen.PASSWORD, base_for=home.__getitem__)
                    fleet.start_background()
                    try:
                        out['login_seconds'] = round(await fleet.login(names), 1)
                        await asyncio.sleep(4.5)
                        ramp = await fleet.connect(pairs, rss_samples=[], window=2)
                        ready = ramp.pop('pairs_ready')
                        out['clients_connected'] = ramp['connected']
                        out['rss_connected_mb'] = round(group.rss() / MB, 1)
                        await asyncio.sleep(2)
                        warm = await fleet.warm_up(ready)
                        out['warmup'] = {key: warm[key] for key in ('sent', 'delivered', 'lost', 'duplicated')}
                        out['runs'] = {}
                        for index, rate in enumerate(rates):
                            variants = [(f'{rate:g} msg/s', f'r{rate:g}', 0.0)]
                            if actions:
                                variants.append((f'{rate:g} msg/s with actions', f'a{rate:g}', actions))
                            for label, run, share in variants:
                                profiled = None
                                if profile and index == 0 and not share:
                                    profiled = Spy(servers[0].pid, folder / f'cpu-{run}.txt', gil=profile == 'gil')
                                with profiled or nullcontext():
                                    result = await fleet.traffic(
                                        ready, rate=rate, duration=duration, run=run, actions=share
                                    )
                                if profiled is not None:
                                    out['profile'] = profiled.summary(top=25)
                                    print(out['profile'], file=sys.stderr, flush=True)
                                out['runs'][label] = summary(result)
                                if share:
                                    out['runs'][label] |= {key: result[key] for key in ('actions', 'typing_drafts')}
                                    print(result['actions'], file=sys.stderr, flush=True)
                                log(processes, label, result)
                                await asyncio.sleep(2)
                        out['ladder'] = {}
                        best = None
                        for rate in ladder:
                            result = await fleet.traffic(ready, rate=rate, duration=step, run=f'l{rate:g}')
                            out['ladder'][f'{rate:g} msg/s'] = summary(result)
                            log(processes, f'ladder {rate:g} msg/s', result)
                            p99 = result['latency_ms']['p99']
                            if result['lost'] or p99 is None or p99 > target:
                                break
                            best = rate
                            await asyncio.sleep(2)
                        out['throughput_msg_s'] = best
                    finally:
                        await fleet.stop()
            finally:
                for server in servers:
                    server.stop()
    finally:
        if processes > 1:
            forget_prefix(prefix)
        shutil.rmtree(folder, ignore_errors=True)
    return out


def log(processes: int, label: str, result: dict[str, Any]) -> None:
    latency = result['latency_ms']
    print(
        f'{processes} process(es), {label}: p50 {latency["p50"]} p99 {latency["p99"]} max {latency["max"]} ms, '
        f'lost {result["lost"]}, dup {result["duplicated"]}, CPU {result["server_cpu_percent"]} %',
        file=sys.stderr,
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m bench.processes', description=__doc__.splitlines()[0])
    parser.add_argument('--db', choices=['sqlite', 'mariadb'], default='sqlite')
    parser.add_argument('--clients', type=int, default=300)
    parser.add_argument('--rates', default='20,100', help='msg/s of the main runs, comma-separated')
    parser.add_argument('--duration', type=float, default=20.0, help='seconds of each main run')
    parser.add_argument('--ladder', default='50,100,150,200,250,300,400', help='msg/s of the throughput ladder')
    parser.add_argument('--step', type=float, default=10.0, help='seconds of each ladder rate')
    parser.add_argument('--target', type=float, default=100.0, help='p99 ms a ladder rate must stay within')
    parser.add_argument('--setups', default='1,2', help='numbers of processes to measure, comma-separated')
    parser.add_argument(
        '--profile', nargs='?', const='gil', choices=['gil', 'all'], help='py-spy the first process in the first run'
    )
    parser.add_argument(
        '--actions',
        type=float,
        default=0.0,
        help='after each main run, the same run with this share of messages edited or recalled, and typing',
    )
    parser.add_argument('--out', help='write the JSON result here as well')
    args = parser.parse_args(argv)
    began = time.perf_counter()
    result: dict[str, Any] = {'db': args.db, 'clients': args.clients, 'setups': []}
    for processes in [int(x) for x in args.setups.split(',')]:
        result['setups'].append(
            asyncio.run(
                one_setup(
                    processes,
                    args.db,
                    clients=args.clients,
                    rates=[float(x) for x in args.rates.split(',')],
                    duration=args.duration,
                    ladder=[float(x) for x in args.ladder.split(',') if x],
                    step=args.step,
                    target=args.target,
                    profile=args.profile,
                    actions=args.actions,
                )
            )
        )
    result['wall_seconds'] = round(time.perf_counter() - began, 1)
    result['machine'] = facts(ROOT)
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
