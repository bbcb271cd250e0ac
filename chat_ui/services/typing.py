"""Typing notices: ephemeral (never stored), sent to the other members' pages only, rate-limited at the source.

The gate is on the server: whatever a browser sends, one user makes at most one ``TypingStarted`` per conversation
every ``TYPING_EVERY`` seconds (a page asks at most that often too), across all their tabs: in this process by
``gate``, and with ``REDIS_URL`` across processes by a Redis key that expires after ``TYPING_EVERY`` s. Pages that
show the conversation display it and forget it ``TYPING_SHOWN`` seconds after the last one, or when that person's
message arrives.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from chat_ui.core import clock
from chat_ui.core.views import SessionInfo
from chat_ui.live.cluster import node
from chat_ui.live.events import TypingStarted
from chat_ui.live.hub import users
from db import conversations as conversation_queries

from .access import access_conversation
from .work import Work, transact

TYPING_EVERY = 3.0  # s: at most one notice per user and conversation this often
TYPING_SHOWN = 5.0  # s: a page shows "X is typing…" this long after the last notice
GATE_MAX = 10_000  # entries kept before old ones are dropped


class TypingGate:
    """When each (user, conversation) last sent a notice; thread-safe, bounded."""

    def __init__(self) -> None:
        self._last: dict[tuple[int, int], datetime] = {}
        self._lock = threading.Lock()

    def allow(self, user_id: int, conversation_id: int, now: datetime) -> bool:
        key = (user_id, conversation_id)
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < timedelta(seconds=TYPING_EVERY):
                return False
            self._last[key] = now
            if len(self._last) > GATE_MAX:
                cutoff = now - timedelta(seconds=TYPING_EVERY)
                self._last = {k: at for k, at in self._last.items() if at >= cutoff}
            return True

    def clear(self) -> None:
        with self._lock:
            self._last.clear()


gate = TypingGate()


def _typing(work: Work, user_id: int, conversation_id: int) -> None:
    access = access_conversation(work.db, user_id, conversation_id, write=True)
    others = [m for m in conversation_queries.member_ids(work.db, conversation_id=conversation_id) if m != user_id]
    event = TypingStarted(
        conversation_id=conversation_id, user_id=user_id, username=access.user.display_name or access.user.username
    )
    work.emit(event, users(others))


async def typing(actor: SessionInfo, *, conversation_id: int) -> bool:
    """The actor is typing in the conversation: tell the other members (refused like a send: not a member, muted);
    False when the gate held the notice back."""
    if not gate.allow(actor.user_id, conversation_id, clock.now()):
        return False
    bus = node.bus
    if bus is not None and not await bus.claim(f'typing:{actor.user_id}:{conversation_id}', TYPING_EVERY):
        return False
    await transact(_typing, actor.user_id, conversation_id)
    return True
