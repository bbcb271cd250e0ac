"""Queries on failed-attempt counters (sign-in per name, and the admin set-up)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import mysql, sqlite
from sqlmodel import Session, col

from .models import LoginThrottle


def get_throttle(session: Session, *, name_key: str) -> LoginThrottle | None:
    return session.get(LoginThrottle, name_key)


def lock_throttle(session: Session, *, name_key: str, now: datetime) -> LoginThrottle:
    """The counter of ``name_key``, created if missing, write-locked until the transaction ends.

    Call it first in its transaction: its upsert is a write, so SQLite takes the database's write lock at once
    (waiting for its turn), before anything was read under an older snapshot; on MariaDB the upsert holds the row's
    exclusive lock until commit. Concurrent callers for one name therefore see each other's counts, one at a time.
    """
    values = {'name_key': name_key, 'failures': 0, 'locked_until': None, 'updated_at': now}
    if session.get_bind().dialect.name == 'sqlite':
        session.execute(sqlite.insert(LoginThrottle).values(values).on_conflict_do_nothing())
    else:
        upsert = mysql.insert(LoginThrottle).values(values)
        session.execute(upsert.on_duplicate_key_update(name_key=upsert.inserted.name_key))
    row = session.get(LoginThrottle, name_key, with_for_update=True, populate_existing=True)
    assert row is not None
    return row


def count_attempt(session: Session, *, row: LoginThrottle, now: datetime, lock_after: int, lock_for: timedelta) -> int:
    """Count one attempt on a row taken with ``lock_throttle``; from ``lock_after`` attempts on, each one locks the
    name for ``lock_for``. Returns the count including this attempt."""
    row.failures += 1
    row.updated_at = now
    if row.failures >= lock_after:
        row.locked_until = now + lock_for
    session.flush()
    return row.failures


def clear_failures(session: Session, *, name_key: str) -> None:
    session.execute(delete(LoginThrottle).where(col(LoginThrottle.name_key) == name_key))
