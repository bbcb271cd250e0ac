"""Smoke tests of the issue-12 benchmarks (bench/sidebar.py, bench/rooms.py) at tiny sizes, so they cannot rot.

They check that the scenarios still run against the current app and that their bookkeeping is right (unread counts
equal a plain GROUP BY, every message reaches every member once); the figures themselves are not asserted.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench import dbs, rooms, sidebar


@pytest.mark.parametrize('kind', ['sqlite', pytest.param('mariadb', marks=pytest.mark.mariadb)])
def test_sidebar_bench_small(kind: str, tmp_path: Path) -> None:
    if kind == 'mariadb' and dbs.mariadb_available() is None:
        pytest.skip('MariaDB is not reachable')
    data = sidebar.SidebarData(conversations=60, messages=3000)
    result = sidebar.run(kind, data, cold=1, warm=2, show_explain=True, folder=tmp_path)
    assert result['count_mismatches'] == 0
    assert result['generated']['unread_total_of_me'] > 0
    assert result['page']['rows'] == 50  # the page's limit
    assert result['all_rows']['rows'] == 60
    # the session user's check, the rows (with mentions), then the unread counts (at most 100 conversations each)
    assert result['page']['statements_per_call'] == [3]
    assert result['all_rows']['statements_per_call'] == [3]
    assert result['explain']


def test_sidebar_bench_counts_everything_when_nothing_is_read(tmp_path: Path) -> None:
    data = sidebar.SidebarData(conversations=20, messages=1000, unread='all')
    result = sidebar.run('sqlite', data, cold=1, warm=1, show_explain=False, folder=tmp_path)
    assert result['count_mismatches'] == 0
    assert result['generated']['unread_total_of_me'] > 0


def test_room_fanout_bench_small(tmp_path: Path) -> None:
    """A real server subprocess, 2 rooms of 3 signed-in members, 4 messages: each reaches the other members once."""
    result = asyncio.run(rooms.run('sqlite', rooms=2, members=3, rate=4, duration=1, settle=10, folder=tmp_path))
    assert result['pages']['clients'] == 6
    traffic = result['traffic']
    assert traffic['messages'] == 4
    assert traffic['deliveries_expected'] == 12
    assert traffic['lost'] == 0
    assert traffic['duplicated'] == 0
    assert traffic['delivery_ms']['n'] == 8  # the senders' own echoes are not latencies
