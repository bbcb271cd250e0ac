"""The reclaimer: one full collection and a heap trim once enough pages have gone, nothing before."""

from __future__ import annotations

import gc
import weakref

from chat_ui.core.memory import Reclaimer


class Page:
    """Stands in for a closed page: a cycle only a full collection frees."""

    def __init__(self) -> None:
        self.me = self


def test_the_memory_of_gone_pages_is_reclaimed_once_enough_have_gone() -> None:
    reclaimer = Reclaimer(after=3)
    gc.disable()  # no automatic collection may free the cycle first
    try:
        page = Page()
        gone = weakref.ref(page)
        del page
        for _ in range(2):
            reclaimer.page_deleted()
        assert not reclaimer.tick() and gone() is not None
        reclaimer.page_deleted()
        assert reclaimer.tick() and gone() is None
        assert (reclaimer.deleted, reclaimer.reclaims) == (0, 1)
        assert not reclaimer.tick()  # counting starts again
    finally:
        gc.enable()
