"""The reclaimer: one full collection and a heap trim once enough pages have gone, nothing before."""

from __future__ import annotations

import gc
import weakref

from chat_ui.core.memory import Reclaimer


class Page:
    """Stands in for a closed page: a cycle only a full collection frees."""

    def __init__(self) -> None:
        self.me = self


def test_the_memory_of_gone_pages_is_reclaimed_once_a_burst_is_over() -> None:
    reclaimer = Reclaimer(after=3, gap=60)
    gc.disable()  # no automatic collection may free the cycle first
    try:
        page = Page()
        gone = weakref.ref(page)
        del page
        for _ in range(2):
            reclaimer.page_deleted()
        assert not reclaimer.tick(now=100) and gone() is not None  # not enough pages
        reclaimer.page_deleted()
        assert reclaimer.tick(now=105) and gone() is None  # enough, and no reclaim within the last minute
        assert (reclaimer.deleted, reclaimer.reclaims) == (0, 1)
        assert not reclaimer.tick(now=110)  # counting starts again
        for _ in range(3):
            reclaimer.page_deleted()
        assert not reclaimer.tick(now=115)  # pages are still going, and the last reclaim is recent
        assert reclaimer.tick(now=120) and reclaimer.reclaims == 2  # none since the last tick: the burst is over
    finally:
        gc.enable()


def test_steady_churn_is_reclaimed_at_most_once_a_gap() -> None:
    reclaimer = Reclaimer(after=3, gap=60)
    reclaimed = []
    for second in range(0, 200, 5):
        for _ in range(25):  # five pages a second, never quiet
            reclaimer.page_deleted()
        if reclaimer.tick(now=second):
            reclaimed.append(second)
    assert reclaimed == [0, 60, 120, 180]
