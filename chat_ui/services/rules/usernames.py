"""Username rules: 1..32 letters, digits, emoji or ``_ - .``; compared case-insensitively."""

from __future__ import annotations

import unicodedata

from chat_ui.core.errors import ChatError
from db.models import USERNAME_MAX

_EXTRA_ALLOWED = {'_', '-', '.', '\u200d'}
RESERVED_ADMIN_NAMES = {'administrator'}


def normalize_username(raw: str) -> str:
    return unicodedata.normalize('NFKC', raw).strip()


def username_key(name: str) -> str:
    """The uniqueness key: NFKC, case-folded."""
    return normalize_username(name).casefold()


def _allowed(char: str) -> bool:
    category = unicodedata.category(char)
    return char in _EXTRA_ALLOWED or category[0] in {'L', 'N', 'M'} or category == 'So'


def check_username(raw: str) -> str:
    """Return the normalized name or raise a ``ChatError`` saying what is wrong."""
    name = normalize_username(raw)
    if not name:
        raise ChatError('username_required')
    if len(name) > USERNAME_MAX:
        raise ChatError('username_too_long', max=USERNAME_MAX)
    if not all(_allowed(c) for c in name):
        raise ChatError('username_bad_chars')
    return name
