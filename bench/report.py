"""Figures against the issue's targets, the plot, and the table in BENCHMARKS.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

START = '<!-- bench:results:start -->'
END = '<!-- bench:results:end -->'


def _tier(results: dict[str, Any], role: str) -> dict[str, Any] | None:
    for tier in results.get('live', {}).get('tiers', []):
        if tier.get('role') == role:
            return tier
    return None


def _row(figure: str, value: Any, target: str, ok: bool | None, note: str = '') -> dict[str, Any]:
    return {'figure': figure, 'value': value, 'target': target, 'met': None if ok is None else bool(ok), 'note': note}


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target of issue 7, with the figure measured in this run (sizes as run; see ``mode``)."""
    rows: list[dict[str, Any]] = []
    limits = {
        ('mid', '20 msg/s'): 25,
        ('mid', '100 msg/s'): 150,
        ('large', '20 msg/s'): 250,
        ('small', '20 msg/s'): 25,
        ('small', '20 msg/s + 5 openers'): 50,
    }
    for (role, label), limit in limits.items():
        tier = _tier(results, role)
        if tier is None:
            continue
        clients = tier.get('clients_connected') or tier['clients_target']
        name = f'p99 delivery, {clients} clients, {label}'
        run = tier.get('runs', {}).get(label)
        if run is None:
            rows.append(
                _row(
                    name,
                    None,
                    f'<= {limit} ms',
                    False,
                    tier.get('error') or tier.get('ramp', {}).get('stopped_early') or 'not run',
                )
            )
            continue
        p99 = run['latency_ms']['p99']
        note = ''
        ramp = tier.get('ramp', {})
        if clients < tier['clients_target']:
            why = ramp.get('stopped_early') or f'{len(ramp.get("failed_clients", {}))} could not open their page'
            note = f'{clients} of {tier["clients_target"]} clients connected: {why}'
        if ramp.get('dead_tabs'):
            gc = ramp.get('server_gc') or {}
            note += (
                f'; {ramp["socket_drops"]} sockets dropped and {ramp["dead_tabs"]} clients could not resume '
                f'(longest full GC {gc.get("gen2_max_ms", 0) / 1000:.1f} s)'
            )
        rows.append(_row(name, p99, f'<= {limit} ms', p99 is not None and p99 <= limit and not note, note))
        rows.append(
            _row(
                f'lost / duplicated, {clients} clients, {label}',
                f'{run["lost"]} / {run["duplicated"]}',
                '0 / 0',
                run['lost'] == 0 and run['duplicated'] == 0,
            )
        )
    for tier in results.get('live', {}).get('tiers', []):
        per = tier.get('rss_per_client_kb')
        if per is not None:
            rows.append(
                _row(
                    f'server memory per connected client ({tier["registered_users"]} users, '
                    f'{tier["clients_connected"]} clients)',
                    f'{per:,.0f} KB',
                    '<= 300 KB',
                    per <= 300,
                )
            )
    small = _tier(results, 'small')
    if small and 'history' in small:
        ratio = small['history']['ratio_largest_to_smallest_p50']
        rows.append(_row('open largest / smallest conversation (p50)', ratio, '<= 2x', ratio <= 2))
    search = results.get('search', {})
    for db in ('sqlite', 'mariadb'):
        for label, value in search.get(db, {}).get('keywords', {}).items():
            rows.append(
                _row(
                    f'search p95, {db}, {label} ({value["hits"]:,} hits)',
                    value['p95'],
                    '<= 100 ms',
                    value['p95'] <= 100,
                )
            )
    upload = results.get('upload')
    if upload:
        rows.append(
            _row(
                f'upload {upload["file_bytes"] / 2**20:.0f} MB: peak RSS growth',
                f'{upload["peak_rss_growth_mb"]} MB',
                '<= 50 MB',
                upload['peak_rss_growth_mb'] <= 50,
            )
        )
    return rows


def table(results: dict[str, Any]) -> str:
    lines = ['| figure | measured | target | met |', '|---|---|---|---|']
    for row in results.get('targets', []):
        met = {True: 'yes', False: '**no**', None: '—'}[row['met']]
        value = row['value']
        if isinstance(value, float):
            value = f'{value:,.1f} ms' if 'p99' in row['figure'] or 'p95' in row['figure'] else f'{value}'
        note = f' ({row["note"]})' if row['note'] else ''
        lines.append(f'| {row["figure"]} | {value}{note} | {row["target"]} | {met} |')
    return '\n'.join(lines)


def _gc(run: dict[str, Any]) -> str:
    gc = run.get('server_gc') or {}
    if gc.get('gen2_collections') is None:
        return '—'
    return f'{gc["gen2_collections"]} ({gc["gen2_max_ms"]:,.0f} ms)'


def detail(results: dict[str, Any]) -> str:
    """Every latency run and tier in one table."""
    lines = [
        '| clients (users) | load | achieved | p50 | p95 | p99 | max | lost | dup | server CPU | full GCs (longest) '
        '| load-gen lag p99 |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ]
    for tier in results.get('live', {}).get('tiers', []):
        for label, run in tier.get('runs', {}).items():
            lat = run['latency_ms']
            extra = ''
            if 'openers' in run:
                extra = (
                    f' ({run["openers"]["opens"]} opens, open p50 {run["openers"]["open_ms"]["p50"]} ms, '
                    f'p99 {run["openers"]["open_ms"]["p99"]} ms)'
                )
            lines.append(
                f'| {run["clients"]} ({tier["registered_users"]}) | {label}{extra} | '
                f'{run["rate_achieved"]} msg/s | {lat["p50"]} | '
                f'{lat["p95"]} | {lat["p99"]} | {lat["max"]} | {run["lost"]} | {run["duplicated"]} | '
                f'{run["server_cpu_percent"]} % | {_gc(run)} | {run["loadgen_loop_lag_ms"]["p99"]} ms |'
            )
    lines += [
        '',
        '| clients connected (users) | RSS idle | RSS connected | per client (slope) | page load p50 / p95 | '
        'page errors (retried) | socket drops | ramp |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for tier in results.get('live', {}).get('tiers', []):
        if 'ramp' not in tier:
            lines.append(f'| {tier["clients_target"]} | — | — | — | — | — | — | {tier.get("error", "")} |')
            continue
        ramp = tier['ramp']
        lines.append(
            f'| {tier["clients_connected"]} of {tier["clients_target"]} ({tier["registered_users"]}) | '
            f'{tier["rss_idle_mb"]} MB | {tier["rss_connected_mb"]} MB | {tier["rss_per_client_kb"]:,} KB | '
            f'{ramp["page_ms"]["p50"]} / {ramp["page_ms"]["p95"]} ms | {sum(ramp.get("page_errors", {}).values())} | '
            f'{ramp.get("socket_drops", 0)} | {ramp["seconds"]} s'
            + (f', stopped: {ramp["stopped_early"]}' if ramp['stopped_early'] else '')
            + ' |'
        )
    small = _tier(results, 'small')
    if small and 'history' in small:
        lines += ['', '| conversation | first open | p50 | p95 | max |', '|---|---|---|---|---|']
        for label, value in small['history'].items():
            if isinstance(value, dict):
                lines.append(
                    f'| {label} | {value["first_ms"]} ms | {value["p50"]} ms | {value["p95"]} ms | {value["max"]} ms |'
                )
    search = results.get('search')
    if search:
        lines += [
            '',
            f'| search ({search["messages"]:,} messages, conversation of '
            f'{search["conversation_messages"]:,}) | hits | first | p50 | p95 |',
            '|---|---|---|---|---|',
        ]
        for db in ('sqlite', 'mariadb'):
            for label, value in search.get(db, {}).get('keywords', {}).items():
                lines.append(
                    f'| {db}: {label} `{value["keyword"]}` | {value["hits"]:,} | {value["first_ms"]} ms | '
                    f'{value["p50"]} ms | {value["p95"]} ms |'
                )
    upload = results.get('upload')
    if upload:
        lines += [
            '',
            '| upload | HTTP request | until the peer sees it | throughput | RSS before | peak RSS |',
            '|---|---|---|---|---|---|',
            f'| {upload["file_bytes"] / 2**20:.0f} MB WAV | {upload["request_seconds"]} s | '
            f'{upload["until_peer_bubble_seconds"]} s | {upload["throughput_mb_s"]} MB/s | '
            f'{upload["rss_before_mb"]} MB | {upload["rss_peak_mb"]} MB |',
        ]
    return '\n'.join(lines)


def plot(results: dict[str, Any], path: Path) -> Path | None:
    tiers = [t for t in results.get('live', {}).get('tiers', []) if t.get('runs')]
    if not tiers:
        return None
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for label, marker in (('20 msg/s', 'o'), ('100 msg/s', 's'), ('20 msg/s + 5 openers', '^')):
        points = [(t['runs'][label]['clients'], t['runs'][label]['latency_ms']) for t in tiers if label in t['runs']]
        if not points:
            continue
        for pct, style in (('p50', ':'), ('p95', '--'), ('p99', '-')):
            left.plot([p[0] for p in points], [p[1][pct] for p in points], style, marker=marker, label=f'{label} {pct}')
    left.set_xlabel('connected chat clients')
    left.set_ylabel('delivery latency (ms)')
    left.set_yscale('log')
    left.set_title('Delivery latency (A presses send → B has the update)')
    left.grid(True, which='both', alpha=0.3)
    left.legend(fontsize=7)
    for tier in results.get('live', {}).get('tiers', []):
        samples = tier.get('rss_samples') or []
        if samples:
            right.plot(
                [s[0] for s in samples],
                [s[1] for s in samples],
                marker='.',
                label=f'{tier["registered_users"]} registered users '
                f'({tier.get("rss_per_client_kb", 0):,.0f} KB/client)',
            )
    right.set_xlabel('connected chat clients')
    right.set_ylabel('server RSS (MB)')
    right.set_title('Server memory while clients connect')
    right.grid(True, alpha=0.3)
    right.legend(fontsize=7)
    fig.suptitle(
        f'NiceChat benchmarks ({results["mode"]}, {results["date"]}, {results["machine"]["cpu_model"]}, '
        f'{results["machine"]["cpu_cores_logical"]} cores)',
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def update_markdown(path: Path, results: dict[str, Any], json_path: Path, plot_path: Path | None) -> None:
    root = path.parent
    runs = results.get('parts_run_at', {})
    commits = results.get('parts_git_commit', {})
    when = (
        '; '.join(f'{part} {at} at `{(commits.get(part) or "?")[:7]}`' for part, at in runs.items()) or results['date']
    )
    block = [
        START,
        '',
        f'Full-size run ({results["mode"]}): {when}. Machine: {results["machine"]["cpu_model"]}, '
        f'{results["machine"]["cpu_cores_logical"]} cores, {results["machine"]["memory_total_gib"]} GiB, Python '
        f'{results["machine"]["python"]}, SQLite {results["machine"]["sqlite"]}, {results["machine"]["mariadb"]} '
        f'(buffer pool {(results["machine"]["mariadb_innodb_buffer_pool_bytes"] or 0) // 2**20} MB), NiceGUI '
        f'{results["machine"]["nicegui"]}. Raw figures: [`{json_path.relative_to(root)}`]({json_path.relative_to(root)}).',
        '',
        table(results),
        '',
        detail(results),
        '',
    ]
    if plot_path:
        block += [f'![latency and memory]({plot_path.relative_to(root)})', '']
    block.append(END)
    text = path.read_text(encoding='utf-8') if path.exists() else f'# Benchmarks\n\n{START}\n{END}\n'
    pattern = re.compile(re.escape(START) + '.*?' + re.escape(END), re.S)
    path.write_text(pattern.sub(lambda _: '\n'.join(block), text), encoding='utf-8')
