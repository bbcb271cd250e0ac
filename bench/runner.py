"""Orchestration: sizes for ``--quick`` and the full run, the parts, the results file."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from . import datagen, dbs, machine, ngclient, report
from .datagen import Dataset
from .live import Fleet, percentiles
from .profiling import Spy
from .search import run_search
from .server import ROOT, Server
from .upload import MB, run_upload, write_wav

PARTS = ('search', 'live', 'upload')
RESULTS = ROOT / 'bench' / 'results'
TMP = RESULTS / 'tmp'


@dataclass(frozen=True)
class Run:
    label: str
    rate: float
    duration: float
    openers: bool = False
    opener_pause: float = 1.0


@dataclass(frozen=True)
class Tier:
    role: str  # 'small', 'mid', 'large': which targets of the issue apply
    clients: int
    runs: tuple[Run, ...]
    history_sizes: tuple[int, ...] = ()
    history_reps: int = 0
    openers: int = 0
    opener_size: int = 0
    per_pair: int = 60
    time_limit: float = 600.0
    rss_limit_gib: float | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    search: Dataset
    search_reps: int
    tiers: tuple[Tier, ...]
    upload_mb: int
    notes: list[str] = field(default_factory=list)


FULL = Profile(
    name='full',
    search=Dataset(
        chat_users=1000,
        history_sizes=(100, 10_000, 100_000),
        opener_conversations=5,
        opener_size=100_000,
        total_messages=1_000_000,
    ),
    search_reps=20,
    tiers=(
        Tier(
            'small',
            100,
            (
                Run('20 msg/s', 20, 45),
                Run('20 msg/s + 5 openers', 20, 45, openers=True),
                Run('20 msg/s + 5 openers, closed loop', 20, 30, openers=True, opener_pause=0.0),
            ),
            history_sizes=(100, 10_000, 100_000),
            history_reps=15,
            openers=5,
            opener_size=100_000,
        ),
        Tier('mid', 300, (Run('20 msg/s', 20, 45), Run('100 msg/s', 100, 30))),
        Tier('large', 1000, (Run('20 msg/s', 20, 30),), time_limit=300, rss_limit_gib=12),
    ),
    upload_mb=100,
)

SHORT = Profile(
    name='short',
    search=Dataset(chat_users=100, history_sizes=(100,), opener_conversations=0, opener_size=0, total_messages=10_000),
    search_reps=3,
    tiers=(
        Tier(
            'small',
            int(os.environ.get('BENCH_SHORT_CLIENTS', '100')),
            (Run('20 msg/s', 20, 10), Run('100 msg/s', 100, 10)),
            per_pair=2,
        ),
    ),
    upload_mb=10,
    notes=['100 clients, conversations of 2 messages; 10 s at 20 and at 100 msg/s on an absolute schedule'],
)

QUICK = Profile(
    name='quick',
    search=Dataset(
        chat_users=100,
        history_sizes=(100, 1_000, 10_000),
        opener_conversations=2,
        opener_size=10_000,
        total_messages=100_000,
    ),
    search_reps=5,
    tiers=(
        Tier(
            'small',
            20,
            (
                Run('20 msg/s', 20, 10),
                Run('20 msg/s + 5 openers', 20, 10, openers=True),
                Run('20 msg/s + 5 openers, closed loop', 20, 10, openers=True, opener_pause=0.0),
            ),
            history_sizes=(100, 1_000, 10_000),
            history_reps=4,
            openers=5,
            opener_size=10_000,
        ),
        Tier('mid', 60, (Run('20 msg/s', 20, 10), Run('100 msg/s', 100, 10))),
    ),
    upload_mb=100,
)


def log(text: str) -> None:
    print(f'[bench {datetime.now():%H:%M:%S}] {text}', flush=True)


def slope_per_client(samples: list[tuple[int, int]]) -> float | None:
    """Least-squares bytes per connected client over (clients, RSS) samples."""
    if len(samples) < 2:
        return None
    xs, ys = [s[0] for s in samples], [s[1] for s in samples]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else None


# --- search ---------------------------------------------------------------------------------------------------------


def search_part(profile: Profile, scratch: Path) -> dict[str, Any]:
    dataset = profile.search
    conversation = ('hist', datagen.history_name(dataset.search_size))
    out: dict[str, Any] = {'messages': dataset.total_messages, 'conversation_messages': dataset.search_size}

    def one(label: str, url: str) -> None:
        engine = dbs.migrated_engine(url)
        generated = datagen.generate(engine, dataset)
        engine.dispose()
        log(f'search/{label}: generated {generated.messages:,} messages in {generated.messages_seconds:.1f} s')
        result = run_search(
            url,
            generated.user_ids[conversation[0]],
            datagen.conversation_of(generated, *conversation),
            reps=profile.search_reps,
        )
        rss = result.pop('process_rss_growth_mb', None)
        out[label] = {'generate_seconds': round(generated.seconds, 1), 'keywords': result, 'process_rss_growth_mb': rss}
        log(f'search/{label}: ' + ', '.join(f'{k} p95 {v["p95"]} ms ({v["hits"]} hits)' for k, v in result.items()))

    one('sqlite', dbs.sqlite_url(scratch / 'search.db'))
    if dbs.mariadb_available():
        with dbs.mariadb_database() as url:
            one('mariadb', url)
    else:
        out['mariadb'] = {'skipped': 'no MariaDB at 127.0.0.1:3306'}
    (scratch / 'search.db').unlink(missing_ok=True)
    return out


# --- live tiers -----------------------------------------------------------------------------------------------------


def tier_dataset(tier: Tier) -> Dataset:
    used = sum(tier.history_sizes) + tier.openers * tier.opener_size
    return Dataset(
        chat_users=tier.clients,
        history_sizes=tier.history_sizes,
        opener_conversations=tier.openers,
        opener_size=tier.opener_size,
        total_messages=used + tier.per_pair * (tier.clients // 2),
    )


def database(server_db: str, path: Path) -> AbstractContextManager[str]:
    if server_db == 'mariadb':
        return dbs.mariadb_database()
    return nullcontext(dbs.sqlite_url(path))


async def live_tier(tier: Tier, *, server_db: str, scratch: Path, profile: bool) -> dict[str, Any]:
    folder = scratch / f'tier{tier.clients}'
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    dataset = tier_dataset(tier)
    out: dict[str, Any] = {'role': tier.role, 'clients_target': tier.clients, 'server_db': server_db}
    with database(server_db, folder / 'chat.db') as url:
        engine = dbs.migrated_engine(url)
        generated = await asyncio.to_thread(datagen.generate, engine, dataset)  # hashing refuses the event loop
        engine.dispose()
        users = len(generated.user_ids)
        out['registered_users'] = users
        out['database_messages'] = generated.messages
        log(f'tier {tier.clients}: {users} users, {generated.messages:,} messages ({generated.seconds:.1f} s)')
        server = Server(folder, database_url=url, gc_log=True)
        server.start()
        try:
            await asyncio.sleep(2)
            out['rss_idle_mb'] = round(server.rss() / MB, 1)
            async with ngclient.new_http() as http:
                fleet = Fleet(server, http, datagen.PASSWORD)
                fleet.start_background()
                try:
                    await _tier_body(tier, fleet, server, out, folder, profile)
                finally:
                    await fleet.stop()
        finally:
            server.stop()
    if not os.environ.get('BENCH_KEEP'):
        shutil.rmtree(folder, ignore_errors=True)
    return out


async def _tier_body(
    tier: Tier, fleet: Fleet, server: Server, out: dict[str, Any], folder: Path, profile: bool
) -> None:
    chat = [datagen.chat_name(i) for i in range(tier.clients)]
    pairs = [(chat[i], chat[i + 1]) for i in range(0, len(chat) - 1, 2)]
    extra = (['hist'] if tier.history_sizes else []) + [f'open{i}' for i in range(tier.openers)]
    out['login_seconds'] = round(await fleet.login(chat + extra), 1)
    log(f'tier {tier.clients}: {len(chat) + len(extra)} users signed in through /login in {out["login_seconds"]} s')
    await asyncio.sleep(4.5)  # the /login pages' clients are deleted reconnect_timeout (3 s) after they close
    out['rss_after_logins_mb'] = round(server.rss() / MB, 1)

    if tier.history_sizes:
        out['history'] = await history(fleet, tier)
        log(
            'history: '
            + ', '.join(
                f'{k}: p50 {v["p50"]} ms' if isinstance(v, dict) else f'{k} {v}' for k, v in out['history'].items()
            )
        )

    samples: list[tuple[int, int]] = [(0, server.rss())]
    spy = Spy(server.pid, folder / 'ramp.txt') if profile else nullcontext()
    with spy:
        ramp = await fleet.connect(
            pairs,
            rss_samples=samples,
            window=min(tier.per_pair, 50),
            time_limit=tier.time_limit,
            rss_limit=int(tier.rss_limit_gib * 2**30) if tier.rss_limit_gib else None,
        )
    if profile:
        out['ramp_profile'] = spy.summary()  # type: ignore[union-attr]
    connected_pairs = [tuple(p) for p in ramp.pop('pairs_ready')]
    await asyncio.sleep(3)
    out['ramp'] = ramp
    out['clients_connected'] = ramp['connected']
    out['rss_connected_mb'] = round(server.rss() / MB, 1)
    out['rss_samples'] = [(n, round(r / MB, 1)) for n, r in samples]
    slope = slope_per_client(samples)
    out['rss_per_client_kb'] = round(slope / 1024, 1) if slope is not None else None
    if ramp['connected']:  # counted from the idle server (before any sign-in), not from after the warm-up
        idle = out['rss_idle_mb'] * MB
        out['rss_per_client_from_idle_kb'] = round((server.rss() - idle) / ramp['connected'] / 1024, 1)
    out['contacts_per_page'] = out['registered_users'] - 1  # every other user is a contact
    log(
        f'tier {tier.clients}: {ramp["connected"]} clients connected in {ramp["seconds"]} s '
        f'(page p50 {ramp["page_ms"]["p50"]} ms), RSS {out["rss_connected_mb"]} MB, '
        f'{out["rss_per_client_kb"]} KB/client'
        + (f' — stopped: {ramp["stopped_early"]}' if ramp['stopped_early'] else '')
    )
    if len(connected_pairs) < 1:
        out['runs'] = {}
        return
    warm = await fleet.warm_up(connected_pairs)
    out['warmup'] = {k: warm[k] for k in ('sent', 'delivered', 'lost', 'duplicated')}
    out['runs'] = {}
    for run in tier.runs:
        openers = None
        if run.openers:
            openers = []
            for i in range(tier.openers):
                name = f'open{i}'
                if fleet.members[name].tab is None:
                    await fleet.open_page(name)
                openers.append((name, f'openpeer{i}', 50))
        spy = Spy(server.pid, folder / f'run-{len(out["runs"])}.txt') if profile else nullcontext()
        with spy:
            result = await fleet.traffic(
                connected_pairs,
                rate=run.rate,
                duration=run.duration,
                run=f'r{len(out["runs"])}',
                openers=openers,
                opener_pause=run.opener_pause,
            )
        if profile:
            result['profile'] = spy.summary()  # type: ignore[union-attr]
        result['clients'] = 2 * len(connected_pairs) + (len(openers) if openers else 0)
        out['runs'][run.label] = result
        lat = result['latency_ms']
        log(
            f'tier {tier.clients} {run.label}: p50 {lat["p50"]} p95 {lat["p95"]} p99 {lat["p99"]} max {lat["max"]} ms, '
            f'lost {result["lost"]}, dup {result["duplicated"]}, server CPU {result["server_cpu_percent"]} %'
            + (
                f', opens {result["openers"]["opens"]} (p50 {result["openers"]["open_ms"]["p50"]} ms)'
                if openers
                else ''
            )
        )
        await asyncio.sleep(2)


async def history(fleet: Fleet, tier: Tier) -> dict[str, Any]:
    """Click → the newest window's bubbles have all arrived, for conversations of each size (alternating)."""
    await fleet.open_page('hist')
    times: dict[int, list[float]] = {size: [] for size in tier.history_sizes}
    for _ in range(tier.history_reps + 1):
        for size in tier.history_sizes:
            times[size].append(1000 * await fleet.open_chat('hist', datagen.history_name(size), bubbles=min(size, 50)))
    member = fleet.members['hist']
    assert member.tab is not None
    await member.tab.close()
    member.tab = None
    result = {f'{size:,} messages': {'first_ms': round(v[0], 2), **percentiles(v[1:])} for size, v in times.items()}
    small, large = times[min(times)][1:], times[max(times)][1:]
    result['ratio_largest_to_smallest_p50'] = round(percentiles(large)['p50'] / percentiles(small)['p50'], 2)  # type: ignore[operator]
    return result


async def live_part(profile: Profile, *, server_db: str, scratch: Path, spy: bool) -> dict[str, Any]:
    tiers = []
    for tier in profile.tiers:
        began = time.perf_counter()
        try:
            tiers.append(await live_tier(tier, server_db=server_db, scratch=scratch, profile=spy))
        except Exception as error:  # one failed tier must not lose the others' figures
            log(f'tier {tier.clients} failed: {error!r}')
            tiers.append({'role': tier.role, 'clients_target': tier.clients, 'error': repr(error)})
        tiers[-1]['tier_seconds'] = round(time.perf_counter() - began, 1)
    return {'tiers': tiers, 'config': [asdict(t) for t in profile.tiers]}


# --- upload ---------------------------------------------------------------------------------------------------------


async def upload_part(profile: Profile, scratch: Path) -> dict[str, Any]:
    folder = scratch / 'upload'
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    url = dbs.sqlite_url(folder / 'chat.db')
    engine = dbs.migrated_engine(url)
    small = Dataset(chat_users=2, history_sizes=(), opener_conversations=0, opener_size=0, total_messages=10)
    await asyncio.to_thread(datagen.generate, engine, small)
    engine.dispose()
    wav = folder / 'tone.wav'
    size = write_wav(wav, profile.upload_mb * MB)
    server = Server(folder, database_url=url)
    server.start()
    try:
        async with ngclient.new_http() as http:
            fleet = Fleet(server, http, datagen.PASSWORD)
            fleet.start_background()
            try:
                await fleet.login(['u0000', 'u0001'])
                for name, peer in (('u0000', 'u0001'), ('u0001', 'u0000')):
                    await fleet.open_page(name)
                    await fleet.open_chat(name, peer, bubbles=10)
                result = await run_upload(fleet, 'u0000', 'u0001', wav)
            finally:
                await fleet.stop()
        stored = [p for p in (folder / 'uploads').iterdir() if p.is_file() and p.stat().st_size == size]
        result['stored_files_of_that_size'] = len(stored)
    finally:
        server.stop()
    shutil.rmtree(folder, ignore_errors=True)
    log(
        f'upload {size / MB:.0f} MB: peak RSS growth {result["peak_rss_growth_mb"]} MB, '
        f'{result["throughput_mb_s"]} MB/s'
    )
    return result


# --- the whole run --------------------------------------------------------------------------------------------------


async def run(
    *,
    quick: bool,
    short: bool = False,
    parts: list[str],
    server_db: str,
    profile: bool,
    update_markdown: bool,
    tiers: list[int] | None = None,
) -> int:
    chosen = SHORT if short else QUICK if quick else FULL
    if tiers:
        chosen = replace(chosen, tiers=tuple(t for t in chosen.tiers if t.clients in tiers))
        update_markdown = False
    scratch = TMP / f'run-{datetime.now():%Y%m%d-%H%M%S}'
    scratch.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    results: dict[str, Any] = {
        'date': datetime.now().isoformat(timespec='seconds'),
        'mode': chosen.name,
        'parts': parts,
        'machine': machine.facts(ROOT),
        'load_generator': 'one asyncio process on the same machine (bench/ngclient.py), 127.0.0.1 only',
    }
    log(
        f'{chosen.name} run: {", ".join(parts)}; machine: {results["machine"]["cpu_model"]}, '
        f'{results["machine"]["cpu_cores_logical"]} cores'
    )
    try:
        if 'search' in parts:
            results['search'] = await asyncio.to_thread(search_part, chosen, scratch)
        if 'live' in parts:
            first, *more = ['sqlite', 'mariadb'] if server_db == 'both' else [server_db]
            if more and not dbs.mariadb_available():
                log('no MariaDB at 127.0.0.1:3306: the live part runs on SQLite only')
                more = []
            results['live'] = await live_part(chosen, server_db=first, scratch=scratch, spy=profile)
            for other in more:  # report.py tabulates 'live'; the second database's figures sit next to it
                results[f'live_{other}'] = await live_part(chosen, server_db=other, scratch=scratch, spy=profile)
        if 'upload' in parts:
            results['upload'] = await upload_part(chosen, scratch)
    finally:
        if not os.environ.get('BENCH_KEEP'):  # BENCH_KEEP=1 keeps server logs and databases for debugging
            shutil.rmtree(scratch, ignore_errors=True)
    results['total_seconds'] = round(time.perf_counter() - began, 1)
    results['targets'] = report.targets(results)
    stamp = f'{datetime.now():%Y-%m-%d}'
    quick = quick or short
    folder = TMP if quick or tiers else RESULTS  # experiments on some tiers never replace the committed results
    name = f'{stamp}-{chosen.name}' if quick else f'{stamp}-tiers-' + '-'.join(map(str, tiers)) if tiers else stamp
    if os.environ.get('BENCH_GC_THRESHOLD'):
        name += '-gc-' + os.environ['BENCH_GC_THRESHOLD'].replace(',', '-')
        results['gc_threshold_experiment'] = os.environ['BENCH_GC_THRESHOLD']
    json_path = folder / f'{name}.json'
    results['parts_run_at'] = {part: results['date'] for part in parts}
    results['parts_git_commit'] = {part: results['machine']['git_commit'] for part in parts}
    if json_path.exists() and set(parts) != set(PARTS):
        # a partial rerun (--only) keeps the other parts of the same day's file, each with its own date
        previous = json.loads(json_path.read_text(encoding='utf-8'))
        if previous.get('mode') == results['mode']:
            for part in PARTS:
                if part not in parts and part in previous:
                    results[part] = previous[part]
                    results['parts_run_at'][part] = previous.get('parts_run_at', {}).get(part, previous['date'])
                    results['parts_git_commit'][part] = previous.get('parts_git_commit', {}).get(
                        part, previous['machine'].get('git_commit')
                    )
            results['targets'] = report.targets(results)
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + '\n', encoding='utf-8')
    plot_path = report.plot(results, folder / f'{name}.png')
    log(f'wrote {json_path.relative_to(ROOT)}' + (f' and {plot_path.relative_to(ROOT)}' if plot_path else ''))
    print(report.table(results))
    if update_markdown:
        report.update_markdown(ROOT / 'BENCHMARKS.md', results, json_path, plot_path)
        log('updated the results table in BENCHMARKS.md')
    return 0


def markdown_from(json_file: str) -> int:
    path = Path(json_file).resolve()
    results = json.loads(path.read_text(encoding='utf-8'))
    results['targets'] = report.targets(results)
    png = path.with_suffix('.png')
    report.update_markdown(ROOT / 'BENCHMARKS.md', results, path, report.plot(results, png))
    log(f'updated BENCHMARKS.md from {path.relative_to(ROOT)}')
    return 0
