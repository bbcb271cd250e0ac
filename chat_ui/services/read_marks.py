"""Read marks from open panes, written in batches: a busy room must not cost one write per member per message.

A pane that shows a new message notes it here (``read_marks.note``). The first mark after a quiet spell is written
at once; marks noted while a write runs or within ``INTERVAL`` s after it wait and go together, the newest per member
and conversation, in ONE transaction: a room's readers of one message take three statements together, whatever
their number; a direct conversation's reader is checked and marked alone (its read receipt goes with it).

The batch belongs to the process, not to the page, so a page that leaves (or is closed) right after it saw a message
still has its mark written. A stopping process writes what waits (draining: ``flush``; at shutdown, when NiceGUI
runs nothing off the loop any more: ``write_waiting``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging

from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.live.events import ReadMarked
from chat_ui.live.hub import user_topic
from db import conversations as conversation_queries
from db.models import Conversation

from .access import room_readers
from .messaging import mark_read_in
from .work import Work, run_work, transact

log = logging.getLogger(__name__)
INTERVAL = 0.5  # s between two batches

Due = dict[tuple[int, int], int]  # (user id, conversation id) -> newest message seen


def _write(work: Work, due: Due) -> None:
    rooms: dict[tuple[int, int], list[int]] = collections.defaultdict(list)  # (room, message) -> readers
    known: dict[int, Conversation | None] = {}  # held here: the session's identity map only keeps weak references
    for (user_id, conversation_id), message_id in due.items():
        if conversation_id not in known:
            known[conversation_id] = conversation_queries.get_conversation(work.db, conversation_id=conversation_id)
        conversation = known[conversation_id]
        if conversation is None:
            continue
        if conversation.kind != 'room':  # one reader: the receipt for the peer goes with it
            with contextlib.suppress(ChatError):  # no longer a member: the membership event closes the pane
                mark_read_in(work, user_id, conversation_id, message_id)
            continue
        rooms[(conversation_id, min(message_id, conversation.last_message_id))].append(user_id)  # never past the newest
    for (conversation_id, message_id), user_ids in rooms.items():
        conversation = known[conversation_id]
        assert conversation is not None
        readers = room_readers(work.db, conversation, user_ids)
        moved = conversation_queries.mark_read_many(
            work.db, conversation_id=conversation_id, user_ids=readers, message_id=message_id
        )
        for user_id in moved:
            work.emit(
                ReadMarked(conversation_id=conversation_id, user_id=user_id, message_id=message_id),
                [user_topic(user_id)],
            )


class ReadMarks:
    def __init__(self) -> None:
        self._due: Due = {}
        self._writer: asyncio.Task[None] | None = None
        self._writing = asyncio.Lock()

    def note(self, actor: SessionInfo, *, conversation_id: int, message_id: int) -> None:
        """The actor has seen the conversation up to ``message_id``; the mark is written soon (first one at once)."""
        key = (actor.user_id, conversation_id)
        if self._due.get(key, 0) < message_id:
            self._due[key] = message_id
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches(), name='read marks')  # held: not collected

    @property
    def waiting(self) -> int:
        return len(self._due)

    async def flush(self) -> None:
        """Write every waiting mark now and wait for a batch being written (a stopping process; tests)."""
        while self._due:
            await self._write_one_batch()
        async with self._writing:
            pass

    def write_waiting(self) -> None:
        """Blocking: write what waits, without telling anyone (the process stops; its pages are gone)."""
        due, self._due = self._due, {}
        if due:
            try:
                run_work(_write, due)
            except Exception:
                log.exception('read marks: could not write %d mark(s) at shutdown', len(due))

    def clear(self) -> None:
        """Forget what waits (a new database: tests and ``configure``)."""
        self._due = {}
        self._writer = None
        self._writing = asyncio.Lock()

    async def _write_batches(self) -> None:
        while self._due:
            await self._write_one_batch()
            await asyncio.sleep(INTERVAL)

    async def _write_one_batch(self) -> None:
        async with self._writing:
            due, self._due = self._due, {}
            if not due:
                return
            try:
                await transact(_write, due)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failing database: the marks are lost, the next ones move them on
                log.exception('read marks: could not write %d mark(s)', len(due))


read_marks = ReadMarks()
