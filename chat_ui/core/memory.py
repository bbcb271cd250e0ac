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
import gc
import sys

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


def trim_heap() -> bool:
    """Give the free pages of every heap arena back to the system (glibc ``malloc_trim``); whether it could."""
    if not sys.platform.startswith('linux'):
        return False
    try:
        malloc_trim = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6').malloc_trim
    except (OSError, AttributeError):
        return False
    malloc_trim.argtypes = [ctypes.c_size_t]
    malloc_trim.restype = ctypes.c_int
    return bool(malloc_trim(0))


class Reclaimer:
    """Memory of many pages that went away, given back in one go.

    A page that closes leaves cycles (elements, their client, handlers) that only a full garbage collection frees, and
    full collections are rare on purpose (``gc_tuning``). After a sign-in burst (a login page per person) or a mass
    reconnect, hundreds of such pages would keep their memory until then. So once ``after`` pages have been deleted
    since the last reclaim, the next tick (every ``every`` seconds) runs one full collection and trims the heap.
    """

    def __init__(self, after: int = 50, every: float = 10.0) -> None:
        self.after = after
        self.every = every
        self.deleted = 0
        self.reclaims = 0

    def page_deleted(self) -> None:
        self.deleted += 1

    def tick(self) -> bool:
        """One check; whether it reclaimed."""
        if self.deleted < self.after:
            return False
        self.deleted = 0
        gc.collect()
        trim_heap()
        self.reclaims += 1
        return True

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            self.tick()


reclaimer = Reclaimer()
