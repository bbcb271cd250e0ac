"""glibc malloc settings for a long-running server process.

By default glibc raises its ``mmap`` threshold to the size of the largest block freed (up to 32 MiB), so after one
argon2 hash (a 19 MiB buffer) every later such buffer comes from a heap arena and stays there when freed; with one
arena per thread that hashed, the memory of a sign-in burst was never given back. A fixed threshold of 1 MiB keeps
big buffers in ``mmap``: they return to the system on ``free``. Small objects (Python's own allocator, most C
allocations) are unaffected. Outside glibc (macOS, musl, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
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
