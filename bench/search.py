"""Conversation search on a large database: the server-side work of ``chat_ui.messaging.search``.

``messaging._search`` is exactly what the page's search runs in a worker thread (``run.io_bound``): the peer check,
``db.messages.text_candidates`` (LIKE on the conversation) and the literal, case-insensitive refinement.
"""

from __future__ import annotations

import time
from typing import Any

from chat_ui import messaging
from db import engine as db_engine

from . import datagen
from .live import percentiles

KEYWORDS = {'latin': datagen.LATIN_WORD, 'cjk_1_char': datagen.CJK_CHAR, 'no_match': datagen.NO_MATCH}


def run_search(url: str, user_ids: dict[str, int], conversation: tuple[str, str], *, reps: int) -> dict[str, Any]:
    db_engine.configure(url)
    try:
        a, b = user_ids[conversation[0]], user_ids[conversation[1]]
        results: dict[str, Any] = {}
        for label, keyword in KEYWORDS.items():
            first = time.perf_counter()
            result = messaging._search(a, b, keyword)  # warm-up (cold caches), reported separately
            cold = (time.perf_counter() - first) * 1000
            times = []
            for _ in range(reps):
                began = time.perf_counter()
                result = messaging._search(a, b, keyword)
                times.append((time.perf_counter() - began) * 1000)
            results[label] = {
                'keyword': keyword,
                'hits': result.count,
                'shown': len(result.messages),
                'first_ms': round(cold, 2),
                **percentiles(times),
            }
        return results
    finally:
        db_engine.get_engine().dispose()
