"""How soon the event loop lets a worker thread (database, hashing, files) have the GIL back."""

from __future__ import annotations

import sys

SWITCH_INTERVAL = 0.0005  # seconds; Python's default is 0.005


def tune_switch_interval() -> None:
    """Let a waiting worker thread in within 0.5 ms instead of 5 ms.

    A transaction gives up the GIL for every round trip to the database and must win it back from the event loop,
    which rarely waits while it pushes updates to hundreds of pages. With Python's default interval a send of a few
    dozen statements spent most of its time waiting for the GIL, every worker thread was busy waiting, and sends
    queued behind them for seconds (BENCHMARKS.md, stop 25).
    """
    sys.setswitchinterval(SWITCH_INTERVAL)
