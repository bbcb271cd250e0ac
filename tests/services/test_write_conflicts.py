"""Writes that run at the same time never lose a message: two members sending into one room together do not
deadlock (the room's row is locked before the message goes in), and a transaction the database chose as a deadlock
victim is run again instead of failing."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from chat_ui.services import messaging
from chat_ui.services.work import Work, transact
from db import messages as message_queries
from db import search_text
from db.engine import session_scope
from db.models import Message, User
from tests.support.factories import make_room, make_users

HELD = 0.5  # s a sender waits inside its transaction for the other one to get there too


class Meet:
    """Holds each caller until ``parties`` have arrived or ``HELD`` s have passed, and counts the arrivals."""

    def __init__(self, parties: int) -> None:
        self.parties = parties
        self.arrivals = 0
        self._all_here = threading.Event()
        self._lock = threading.Lock()

    def arrive(self) -> None:
        with self._lock:
            self.arrivals += 1
            if self.arrivals >= self.parties:
                self._all_here.set()
        self._all_here.wait(timeout=HELD)


async def test_two_members_sending_into_one_room_together_both_land_without_a_retry(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, bob = make_users('owner', 'bob')
    room = await make_room(owner, bob)
    meet = Meet(parties=2)
    index_message = search_text.index_message

    def index_when_both_are_in(*args: object, **kwargs: object) -> None:
        meet.arrive()  # the message row is in: on MariaDB its foreign key holds a shared lock on the room's row
        index_message(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(message_queries.search_text, 'index_message', index_when_both_are_in)
    sent = await asyncio.gather(
        messaging.send_text(owner, conversation_id=room, text='from the owner'),
        messaging.send_text(bob, conversation_id=room, text='from bob'),
    )
    assert sorted(view.body for view in sent if view is not None) == ['from bob', 'from the owner']
    assert meet.arrivals == 2  # each transaction ran once: none was chosen as a deadlock victim and run again
    with session_scope() as db:
        stored = db.exec(select(func.count()).select_from(Message).where(Message.conversation_id == room)).one()
    assert stored == 2


def lock_in_order(work: Work, first: int, second: int, meet: Meet) -> None:
    """Count once on two user rows one after the other (each update locks its row), waiting in between for the other
    transaction to take its first."""
    for user_id in (first, second):
        bump = 'UPDATE users SET dismissed_announcement_id = COALESCE(dismissed_announcement_id, 0) + 1 WHERE id = :id'
        work.db.execute(text(bump), {'id': user_id})
        if user_id == first:
            meet.arrive()


async def test_two_transactions_locking_in_opposite_orders_both_commit(engine: Engine) -> None:
    alice, bob = make_users('alice', 'bob')
    meet = Meet(parties=2)
    await asyncio.gather(
        transact(lock_in_order, alice.user_id, bob.user_id, meet),
        transact(lock_in_order, bob.user_id, alice.user_id, meet),
    )
    if engine.dialect.name == 'sqlite':
        assert meet.arrivals == 2  # one writer at a time: the second waited for the first to commit
    else:
        assert meet.arrivals == 3  # both met, InnoDB rolled one back as the deadlock victim, and it ran again
    with session_scope() as db:
        counts = db.exec(select(User.dismissed_announcement_id)).all()
    assert counts == [2, 2]  # each transaction counted once on each row: nothing of the victim's first try stayed
