"""Password policy and hashing (argon2id via the passlib API; older pbkdf2_sha256 hashes upgrade on login).

Every hash and verification runs in ONE dedicated thread (``_HASHER``); callers in worker threads wait for it, and a
call from a thread that runs an event loop is refused. argon2 is memory-hard (19 MiB per call here): hashed in many
threads, glibc gives each its own malloc arena and keeps the freed buffers there, so a burst of sign-ins left the
server ~140 MB bigger for good. One thread means one arena, and ``chat_ui.core.memory.tune_malloc`` makes buffers of
1 MiB and more come from ``mmap`` and go back to the system when freed. It also bounds the CPU that sign-ins take:
a burst queues instead of taking every worker thread.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from passlib.context import CryptContext

from chat_ui.core.errors import ChatError

PASSWORD_MIN = 6
PASSWORD_MAX = 128

_context = CryptContext(
    schemes=['argon2', 'pbkdf2_sha256'],
    deprecated=['pbkdf2_sha256'],
    argon2__type='ID',
    argon2__memory_cost=19456,
    argon2__rounds=2,
    argon2__parallelism=1,
    pbkdf2_sha256__rounds=600_000,
)
_HASHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix='password-hash')
T = TypeVar('T')


def _in_hasher(fn: Callable[[], T]) -> T:
    """Run ``fn`` in the hashing thread and wait for it (never from an event loop's thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _HASHER.submit(fn).result()
    raise RuntimeError('password hashing must not run on the event loop')


@functools.cache
def _dummy_hash() -> str:
    """Verified for unknown names, so they take as long as known ones (made once, in the hashing thread)."""
    return _context.hash('dummy password 0')


def check_password_policy(password: str) -> None:
    """Letters AND digits, 6..128 characters, no control characters; never truncated."""
    if not password:
        raise ChatError('password_required')
    if len(password) < PASSWORD_MIN:
        raise ChatError('password_too_short', min=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        raise ChatError('password_too_long', max=PASSWORD_MAX)
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise ChatError('password_control_chars')
    if not re.search(r'[^\W\d_]', password) or not re.search(r'\d', password):
        raise ChatError('password_letters_digits')


def hash_password(password: str) -> str:
    """Blocking (in the hashing thread): call it from a worker thread."""
    return _in_hasher(lambda: _context.hash(password))


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Check a password; returns (ok, new hash to store or None). Unknown users check a dummy hash."""
    if password_hash is None:
        _in_hasher(lambda: _context.verify(password, _dummy_hash()))
        return False, None
    try:
        return _in_hasher(lambda: _context.verify_and_update(password, password_hash))
    except ValueError:
        return False, None
