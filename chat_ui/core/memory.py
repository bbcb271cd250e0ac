"""glibc malloc settings for a long-running server process.

By default glibc raises its ``mmap`` threshold to the size of the largest block freed (up to 32 MiB), so after one
argon2 hash (a 19 MiB buffer) every later such buffer comes from a heap arena and stays there when freed; with one
arena per thread that hashed, the memory of a sign-in burst was never given back. A fixed threshold of 1 MiB keeps
big buffers in ``mmap``: they return to the system on ``free``. Small objects (Python's own allocator, most C
allocations) are unaffected. Outside glibc (macOS, musl, Windows) this does nothing.

``Reclaimer`` gives back the memory of many pages that went away (a sign-in burst) with one full collection and a
heap trim, instead of waiting for the next full collection.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import gc
import sys
import time
from collections.abc import Callable
from typing import cast

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
MMAP_THRESHOLD = 1 << 20


def tune_malloc(threshold: int = MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold (disabling its dynamic growth); whether it was applied."""
    if not sys.platform.startswith('linux'):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, threshold))


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, looked up once (``find_library`` runs ``ldconfig``)."""
    if not sys.platform.startswith('linux'):
        return None
    try:
        malloc_trim = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6').malloc_trim
    except (OSError, AttributeError):
        return None
    malloc_trim.argtypes = [ctypes.c_size_t]
    malloc_trim.restype = ctypes.c_int
    return cast(Callable[[int], int], malloc_trim)


def trim_heap() -> bool:
    """Give the free pages of every heap arena back to the system (glibc ``malloc_trim``); whether it could."""
    malloc_trim = _malloc_trim()
    return bool(malloc_trim(0)) if malloc_trim is not None else False


class Reclaimer:
    """Memory of many pages that went away, given back in one go.

    A page that closes leaves cycles (elements, their client, handlers) that only a full garbage collection frees, and
    full collections are rare on purpose (``gc_tuning``). After a sign-in burst (a login page per person) or a mass
    reconnect, hundreds of such pages would keep their memory until then. So a tick every ``every`` seconds runs one
    full collection and trims the heap once ``after`` pages have been deleted since the last reclaim and the burst is
    over (no page deleted since the previous tick); while pages keep going, at most every ``gap`` seconds, so steady
    churn does not bring frequent full collections back.
    """

    def __init__(self, after: int = 50, every: float = 5.0, gap: float = 60.0) -> None:
        self.after = after
        self.every = every
        self.gap = gap
        self.deleted = 0
        self.reclaims = 0
        self._seen = 0  # ``deleted`` at the previous tick
        self._last = -gap

    def page_deleted(self) -> None:
        self.deleted += 1

    def tick(self, now: float | None = None) -> bool:
        """One check at ``now`` (monotonic seconds); whether it reclaimed."""
        moment = time.monotonic() if now is None else now
        quiet, self._seen = self.deleted == self._seen, self.deleted
        if self.deleted < self.after or (not quiet and moment - self._last < self.gap):
            return False
        self.deleted = self._seen = 0
        self._last = moment
        gc.collect()
        trim_heap()
        self.reclaims += 1
        return True

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            self.tick()


reclaimer = Reclaimer()
