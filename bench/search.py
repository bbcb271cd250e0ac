"""Conversation search on a large database: the server-side work of ``chat_ui.services.messaging.search``.

``messaging._search`` is exactly what the page's search runs in a worker thread: the access check, the database
search index (``db.search_text``: folded texts clustered by conversation, FTS5 trigram candidates on SQLite) and
loading the 200 shown messages. It is called directly against each database; the first call of a fresh process (cold
caches) is reported separately from the measured repetitions. ``breakdown`` times the index's two paths on their
own and, for comparison, what came before: a LIKE scan of ``messages`` and loading the conversation's texts (what the
old in-memory cache did on a first search).
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any

import psutil
from sqlmodel import col, select

from chat_ui.services import messaging
from db import engine as db_engine
from db import messages as message_queries
from db import search_text
from db.engine import session_scope
from db.models import Message
from db.sql import contains as like_contains

from . import datagen
from .live import percentiles

KEYWORDS = {
    'latin': datagen.LATIN_WORD,
    'cjk_1_char': datagen.CJK_CHAR,
    'cjk_3_chars': '苹果很',
    'no_match': datagen.NO_MATCH,
    'short_latin': 'ee',
}


def breakdown(conversation_id: int, keyword: str, reps: int = 3) -> dict[str, float]:
    """Median ms of ``reps``: the index as used, the exact scan alone (trigram candidates off), the LIKE scan of
    ``messages`` (not the folding rule; comparison only) and loading the conversation's texts."""
    timings: dict[str, list[float]] = {
        'index_ms': [],
        'exact_scan_ms': [],
        'like_scan_messages_ms': [],
        'load_conversation_texts_ms': [],
    }
    like = (
        select(col(Message.id))
        .where(col(Message.conversation_id) == conversation_id, col(Message.kind) == 'text')
        .where(like_contains(Message.body, keyword))
        .order_by(col(Message.id).desc())
    )
    budget = search_text.FTS_BUDGET
    for _ in range(reps):
        with session_scope() as db:
            began = time.perf_counter()
            search_text.matching_ids(db, conversation_ids=[conversation_id], keyword=keyword)
            timings['index_ms'].append((time.perf_counter() - began) * 1000)
            search_text.FTS_BUDGET = -1
            try:
                began = time.perf_counter()
                search_text.matching_ids(db, conversation_ids=[conversation_id], keyword=keyword)
                timings['exact_scan_ms'].append((time.perf_counter() - began) * 1000)
            finally:
                search_text.FTS_BUDGET = budget
            began = time.perf_counter()
            db.exec(like).all()
            timings['like_scan_messages_ms'].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            message_queries.bodies_after(db, conversation_id=conversation_id)
            timings['load_conversation_texts_ms'].append((time.perf_counter() - began) * 1000)
    return {k: round(statistics.median(v), 1) for k, v in timings.items()}


def run_search(url: str, user_id: int, conversation_id: int, *, reps: int) -> dict[str, Any]:
    db_engine.configure(url)
    try:
        gc.collect()
        rss_before = psutil.Process().memory_info().rss
        results: dict[str, Any] = {}
        for label, keyword in KEYWORDS.items():
            db_engine.configure(url)  # new connections: no page cache of this process holds the conversation
            first = time.perf_counter()
            with session_scope() as db:  # the first search of this keyword
                result = messaging._search(db, user_id, conversation_id, keyword)
            cold = (time.perf_counter() - first) * 1000
            times = []
            for _ in range(reps):
                began = time.perf_counter()
                with session_scope() as db:
                    result = messaging._search(db, user_id, conversation_id, keyword)
                times.append((time.perf_counter() - began) * 1000)
            results[label] = {
                'keyword': keyword,
                'hits': result.count,
                'shown': len(result.messages),
                'first_ms': round(cold, 2),
                **percentiles(times),
                'breakdown': breakdown(conversation_id, keyword),
            }
        gc.collect()
        results['process_rss_growth_mb'] = round((psutil.Process().memory_info().rss - rss_before) / 2**20, 1)
        return results
    finally:
        db_engine.get_engine().dispose()
