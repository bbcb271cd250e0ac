"""The drafts store: one storage write per ``SAVE_AFTER`` while typing, newest ``KEPT`` kept, each cut at what a send
accepts, blank drafts forgotten."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from chat_ui.ui import drafts as drafts_module
from chat_ui.ui.drafts import DRAFTS_KEY, KEPT, Drafts
from db.models import MESSAGE_MAX


class CountingStorage(dict[str, Any]):
    """A plain dict that counts writes (NiceGUI's storages write on every assignment)."""

    writes = 0

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes += 1
        super().__setitem__(key, value)


async def test_typing_is_saved_once_after_the_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drafts_module, 'SAVE_AFTER', 0.05)
    storage = CountingStorage()
    drafts = Drafts(storage)
    for end in range(1, 30):
        drafts.note(7, 'hello world'[:end])
    assert drafts.get(7) == 'hello world' and storage.writes == 0
    for _ in range(100):
        if storage.writes:
            break
        await asyncio.sleep(0.01)
    assert storage.writes == 1 and storage[DRAFTS_KEY] == {'7': 'hello world'}
    assert Drafts(storage).get(7) == 'hello world'  # a new page of the same browser


async def test_blank_drafts_are_forgotten_long_ones_cut_and_the_newest_kept() -> None:
    storage = CountingStorage()
    drafts = Drafts(storage)
    drafts.put(1, 'x' * (MESSAGE_MAX + 50))
    assert drafts.get(1) == 'x' * MESSAGE_MAX
    drafts.put(1, ' \n ')
    assert drafts.get(1) == '' and storage[DRAFTS_KEY] == {}
    for conversation_id in range(KEPT + 5):
        drafts.put(conversation_id, f'draft {conversation_id}')
    drafts.put(0, 'changed again')  # dropped as one of the oldest, then the newest
    kept = storage[DRAFTS_KEY]
    assert len(kept) == KEPT and next(reversed(kept)) == '0'
    assert drafts.get(1) == '' and drafts.get(KEPT + 4) == f'draft {KEPT + 4}'
    writes = storage.writes
    drafts.put(0, 'changed again')  # nothing changed: nothing written
    assert storage.writes == writes


def test_a_storage_holding_something_else_reads_as_no_drafts() -> None:
    assert Drafts({DRAFTS_KEY: ['not', 'a', 'dict']}).get(3) == ''
    assert Drafts({DRAFTS_KEY: {'3': 42}}).get(3) == ''


async def test_signing_out_discards_saved_and_pending_drafts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drafts_module, 'SAVE_AFTER', 0.01)
    storage = CountingStorage()
    drafts = Drafts(storage)
    drafts.put(1, 'saved')
    drafts.note(2, 'pending')
    drafts.discard()
    await asyncio.sleep(0.05)  # the pending save's timer was cancelled: nothing comes back
    assert DRAFTS_KEY not in storage and drafts.get(2) == '' and drafts.get(1) == ''
    drafts.note(3, 'typed in a tab still open')  # nothing is saved for a signed-out browser any more
    drafts.put(4, 'given back')
    await asyncio.sleep(0.05)
    assert DRAFTS_KEY not in storage
