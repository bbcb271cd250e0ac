"""Queries on failed-login counters."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from .models import LoginThrottle


def get_throttle(session: Session, *, name_key: str) -> LoginThrottle | None:
    return session.get(LoginThrottle, name_key)


def record_failure(
    session: Session, *, name_key: str, now: datetime, lock_after: int, lock_for: timedelta
) -> LoginThrottle:
    """Count one failure; from ``lock_after`` failures on, every failure locks the name for ``lock_for``."""
    if session.get(LoginThrottle, name_key) is None:
        try:
            with session.begin_nested():
                session.add(LoginThrottle(name_key=name_key, failures=0, updated_at=now))
        except IntegrityError:
            pass  # a concurrent attempt created the row first
    session.execute(
        update(LoginThrottle)
        .where(col(LoginThrottle.name_key) == name_key)
        .values(failures=LoginThrottle.failures + 1, updated_at=now)
    )
    row = session.get(LoginThrottle, name_key, populate_existing=True)
    assert row is not None
    if row.failures >= lock_after:
        row.locked_until = now + lock_for
    session.flush()
    return row


def clear_failures(session: Session, *, name_key: str) -> None:
    row = session.get(LoginThrottle, name_key)
    if row is not None:
        session.delete(row)
