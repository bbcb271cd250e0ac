"""Keyword highlighting that escapes first, then wraps each match in ``<mark>``."""

from __future__ import annotations

import html
import re


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """Case-insensitive, literal (no regular-expression syntax) matcher for a keyword."""
    return re.compile(re.escape(keyword), re.IGNORECASE)


def highlight(text: str, keyword: str) -> str:
    """HTML for ``text`` with every occurrence of ``keyword`` wrapped in ``<mark>``; everything else escaped."""
    parts: list[str] = []
    last = 0
    for match in keyword_pattern(keyword).finditer(text):
        parts.append(html.escape(text[last : match.start()]))
        parts.append(f'<mark>{html.escape(match.group())}</mark>')
        last = match.end()
    parts.append(html.escape(text[last:]))
    return ''.join(parts)
