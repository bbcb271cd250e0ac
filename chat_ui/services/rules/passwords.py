"""Password policy and hashing (argon2id via the passlib API; older pbkdf2_sha256 hashes upgrade on login)."""

from __future__ import annotations

import re

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
_DUMMY_HASH = _context.hash('dummy password 0')


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
    return _context.hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Check a password; returns (ok, new hash to store or None). Unknown users check a dummy hash."""
    if password_hash is None:
        _context.verify(password, _DUMMY_HASH)
        return False, None
    try:
        return _context.verify_and_update(password, password_hash)
    except ValueError:
        return False, None
