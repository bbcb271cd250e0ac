"""One unit of work: a transaction in a worker thread whose events are published after the commit.

``await transact(fn, *args)`` runs ``fn(work, *args)`` off the event loop inside one database transaction;
``work.emit(event, topics)`` collects events with their audience (computed inside the transaction), and only after
the commit are they published, once each, on the event loop. File deletions queued with ``work.after_commit``
run in the worker thread once the rows that referenced the files are gone; ``work.after_rollback`` undoes file work
of a transaction that failed (also when the commit itself fails).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar

from sqlmodel import Session

from chat_ui.core.worker import off_loop
from chat_ui.live.events import LiveEvent
from chat_ui.live.hub import hub
from db.engine import is_retryable, session_scope

P = ParamSpec('P')
R = TypeVar('R')
log = logging.getLogger(__name__)
ATTEMPTS = 3


@dataclass
class Work:
    db: Session
    events: list[tuple[LiveEvent, list[str]]] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    after_rollback: list[Callable[[], None]] = field(default_factory=list)

    def emit(self, event: LiveEvent, topics: Iterable[str]) -> None:
        """Publish ``event`` to ``topics`` once this transaction has committed (never if it rolls back)."""
        self.events.append((event, list(topics)))


def run_work(fn: Callable[Concatenate[Work, P], R], *args: P.args, **kwargs: P.kwargs) -> tuple[R, list]:
    """Blocking: the transaction, then the after-commit file work; returns the result and the events.

    A transaction the database rolled back because of others (a deadlock victim) runs again from the start, up to
    ``ATTEMPTS`` times, unless it had already done file work (that is undone and the error raised)."""
    for attempt in range(1, ATTEMPTS + 1):
        work: Work | None = None
        try:
            with session_scope() as db:
                work = Work(db)
                result = fn(work, *args, **kwargs)
        except BaseException as error:
            undo = work.after_rollback if work is not None else []
            if attempt < ATTEMPTS and not undo and is_retryable(error):
                log.info(
                    '%s was rolled back by the database (%s); running it again', getattr(fn, '__name__', fn), error
                )
                time.sleep(random.uniform(0.005, 0.02) * attempt)
                continue
            for task in undo:
                task()
            raise
        for task in work.after_commit:
            task()
        return result, work.events
    raise AssertionError('unreachable')


class InFlight:
    """How many writes are running (a stopping process lets them finish before it tells its pages to go)."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        self.count += 1
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def settled(self, timeout: float) -> bool:
        """Wait until no write runs (at most ``timeout`` s); whether they all finished."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


in_flight = InFlight()


async def transact(fn: Callable[Concatenate[Work, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``fn(work, ...)`` in one transaction off the loop, then publish its events."""
    in_flight.enter()
    try:
        result, events = await off_loop(lambda: run_work(fn, *args, **kwargs))
        for event, topics in events:
            hub.publish(event, topics)
    finally:
        in_flight.leave()
    return result


async def read(fn: Callable[Concatenate[Session, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a read-only ``fn(db, ...)`` off the loop."""

    def job() -> R:
        with session_scope() as db:
            return fn(db, *args, **kwargs)

    return await off_loop(job)
