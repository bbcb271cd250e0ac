"""Keyword highlighting that escapes first, then wraps each match in ``<mark>``."""

from __future__ import annotations

import html

from chat_ui.services.text_match import spans


def highlight(text: str, keyword: str) -> str:
    """HTML for ``text`` with every match of ``keyword`` (by the search's own rule, ``text_match``) wrapped in
    ``<mark>``; everything else escaped."""
    parts: list[str] = []
    last = 0
    for start, end in spans(text, keyword):
        parts.append(html.escape(text[last:start]))
        parts.append(f'<mark>{html.escape(text[start:end])}</mark>')
        last = end
    parts.append(html.escape(text[last:]))
    return ''.join(parts)
