"""Conversation search on a large database: the server-side work of ``chat_ui.messaging.search``.

``messaging._search`` is exactly what the page's search runs in a worker thread (``run.io_bound``): the peer check
and the in-memory search index (``chat_ui.services.search_index``, matching by ``chat_ui.services.text_match``);
``breakdown`` also times a LIKE scan (``db.messages.text_candidates``) for comparison.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any

import psutil
from sqlmodel import select

from chat_ui.services import messaging
from chat_ui.services.text_match import contains, fold
from db import engine as db_engine
from db import messages as message_queries
from db.engine import session_scope
from db.models import Message

from . import datagen
from .live import percentiles

KEYWORDS = {'latin': datagen.LATIN_WORD, 'cjk_1_char': datagen.CJK_CHAR, 'no_match': datagen.NO_MATCH}


def breakdown(a: int, b: int, keyword: str, reps: int = 3) -> dict[str, float]:
    """Where a full scan's time goes (median of ``reps``): ``db.messages.text_candidates`` as the app defines it
    (the LIKE query), the same rows as ``(id, body)`` through SQLAlchemy Core, the Python refinement of those
    bodies, and loading one conversation's texts (``bodies_after``, what the in-memory search index loads once)."""
    needle = fold(keyword)
    like = f'%{message_queries.escape_like(keyword)}%'
    lo, hi = message_queries.pair(a, b)
    core = (
        select(Message.id, Message.body)  # type: ignore[call-overload]
        .where(
            Message.user_lo == lo, Message.user_hi == hi, Message.kind == 'text', Message.body.like(like, escape='\\')
        )  # type: ignore[union-attr]
        .order_by(Message.id.desc())  # type: ignore[union-attr]
    )
    timings: dict[str, list[float]] = {'app_text_candidates_ms': [], 'core_id_body_ms': [], 'refine_ms': []}
    for _ in range(reps):
        with session_scope() as db:
            began = time.perf_counter()
            message_queries.text_candidates(db, user_a=a, user_b=b, keyword=keyword)
            timings['app_text_candidates_ms'].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            rows = db.execute(core).all()
            timings['core_id_body_ms'].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            sum(1 for _, text in rows if text and contains(fold(text), needle))
            timings['refine_ms'].append((time.perf_counter() - began) * 1000)
            if hasattr(message_queries, 'bodies_after'):
                began = time.perf_counter()
                message_queries.bodies_after(db, user_a=a, user_b=b)
                timings.setdefault('load_conversation_texts_ms', []).append((time.perf_counter() - began) * 1000)
    return {k: round(statistics.median(v), 1) for k, v in timings.items()}


def run_search(url: str, user_ids: dict[str, int], conversation: tuple[str, str], *, reps: int) -> dict[str, Any]:
    db_engine.configure(url)
    try:
        index = getattr(messaging, 'search_index', None)
        if index is not None:
            index.clear()  # a conversation held from the other database's run must not make this one look warm
        gc.collect()
        rss_before = psutil.Process().memory_info().rss
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
                'breakdown': breakdown(a, b, keyword),
            }
        gc.collect()
        results['process_rss_growth_mb'] = round((psutil.Process().memory_info().rss - rss_before) / 2**20, 1)
        return results
    finally:
        db_engine.get_engine().dispose()
