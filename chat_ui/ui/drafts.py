"""Drafts: what a person typed and did not send, kept per conversation in the browser's server-side storage
(``app.storage.user``, in Redis once scaled out), so switching conversations, reloading the page or moving to another
process after a failover gives it back.

The pages of one browser in one process share one ``Drafts`` (``drafts_of``), so a page built while another still
holds unsaved typing (a reload: the new page can open before the old one has gone) shows it. While typing, a draft is
saved ``SAVE_AFTER`` seconds after the first change not saved yet (one storage write per second at most, however fast
the typing); switching conversations, sending and giving back a failed text save at once. The ``KEPT`` most recently
changed drafts stay, each cut at ``MESSAGE_MAX`` characters (what a send accepts). Signing out discards them, and a
new sign-in starts a new browser storage, so nobody inherits the drafts of whoever used the browser before.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import MutableMapping
from typing import Any

from db.models import MESSAGE_MAX

DRAFTS_KEY = 'drafts'
KEPT = 20
SAVE_AFTER = 1.0  # s


class Drafts:
    """The drafts of one browser; ``storage`` is its ``app.storage.user`` (held, so saving needs no page context)."""

    def __init__(self, storage: MutableMapping[str, Any]) -> None:
        self.storage = storage
        self._pending: dict[int, str] = {}
        self._timer: asyncio.TimerHandle | None = None
        self.discarded = False  # signed out: nothing is saved any more (a still open tab of the browser included)

    def get(self, conversation_id: int) -> str:
        if conversation_id in self._pending:
            return self._pending[conversation_id]
        value = self._stored().get(str(conversation_id))
        return value if isinstance(value, str) else ''

    def note(self, conversation_id: int, text: str) -> None:
        """The input changed: saved within ``SAVE_AFTER`` seconds."""
        if self.discarded:
            return
        self._pending[conversation_id] = text
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(SAVE_AFTER, self.save)

    def put(self, conversation_id: int, text: str) -> None:
        """Save this draft (empty: forget it) and whatever else is pending, now."""
        if self.discarded:
            return
        self._pending[conversation_id] = text
        self.save()

    def save(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending:
            return
        stored = self._stored()
        drafts = dict(stored)
        for conversation_id, text in self._pending.items():
            drafts.pop(str(conversation_id), None)  # a changed draft moves to the end: newest last
            if text.strip():
                drafts[str(conversation_id)] = text[:MESSAGE_MAX]
        self._pending.clear()
        kept = dict(list(drafts.items())[-KEPT:])
        if kept != stored:
            self.storage[DRAFTS_KEY] = kept

    def discard(self) -> None:
        """Signing out: every draft goes, saved or not, and none is saved again."""
        self.discarded = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pending.clear()
        self.storage.pop(DRAFTS_KEY, None)

    def _stored(self) -> dict[str, Any]:
        stored = self.storage.get(DRAFTS_KEY)
        return stored if isinstance(stored, dict) else {}


_shared: weakref.WeakValueDictionary[str, Drafts] = weakref.WeakValueDictionary()


def drafts_of(browser_id: str, storage: MutableMapping[str, Any]) -> Drafts:
    """The drafts of this browser (``storage`` is its ``app.storage.user``), shared by its pages in this process."""
    found = _shared.get(browser_id)
    if found is None or found.storage is not storage or found.discarded:
        found = _shared[browser_id] = Drafts(storage)
    return found


def discard_drafts(browser_id: str, storage: MutableMapping[str, Any]) -> None:
    """Signing out: this browser's drafts go from its storage and from its open pages in this process."""
    found = _shared.get(browser_id)
    if found is not None and found.storage is storage:
        found.discard()
    storage.pop(DRAFTS_KEY, None)
