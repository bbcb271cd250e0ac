"""Garbage-collector settings for a process that holds thousands of open pages."""

from __future__ import annotations

import gc

GC_THRESHOLD = (50_000, 20, 10)


def tune_garbage_collection() -> None:
    """Keep the event loop's pauses short with thousands of open pages (measured in BENCHMARKS.md).

    Start-up objects live forever, so they are frozen out of every full collection. A young generation of 50,000
    objects instead of 700 lets the short-lived objects of each update die young instead of being promoted, so the
    full collections (which scan every open page) become rare; all generations are still collected.
    """
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
