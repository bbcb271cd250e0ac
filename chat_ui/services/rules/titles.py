"""Room titles: 1..64 characters of any script, kept as text; no control or direction-override characters."""

from __future__ import annotations

import unicodedata

from chat_ui.core.errors import ChatError
from db.models import CONVERSATION_TITLE_MAX

KEY_MAX = 128


def title_key(title: str) -> str:
    """Case-insensitive key for uniqueness and filtering."""
    return unicodedata.normalize('NFKC', title).casefold()[:KEY_MAX]


def check_title(raw: str) -> str:
    """The normalized title (NFC, outer spaces trimmed), or a refusal saying what is wrong."""
    title = unicodedata.normalize('NFC', raw or '').strip()
    if not title:
        raise ChatError('room_title_required')
    if len(title) > CONVERSATION_TITLE_MAX:
        raise ChatError('room_title_too_long', max=CONVERSATION_TITLE_MAX)
    if any(unicodedata.category(c) in {'Cc', 'Cf', 'Cs', 'Co', 'Cn', 'Zl', 'Zp'} and c != '\u200d' for c in title):
        raise ChatError('room_title_bad_chars')
    return title
