"""Queries on the admin's announcements and on who dismissed them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from .models import Announcement, User


def current(session: Session) -> Announcement | None:
    """The newest announcement that was not withdrawn."""
    query = select(Announcement).where(col(Announcement.withdrawn_at).is_(None))
    return session.exec(query.order_by(col(Announcement.id).desc()).limit(1)).first()


def publish(session: Session, *, admin_id: int, body: str, now: datetime) -> Announcement:
    """A new announcement replaces (withdraws) the one before it."""
    withdraw_all(session, now=now)
    row = Announcement(body=body, admin_id=admin_id, created_at=now)
    session.add(row)
    session.flush()
    return row


def withdraw_all(session: Session, *, now: datetime) -> int:
    rows = session.exec(select(Announcement).where(col(Announcement.withdrawn_at).is_(None))).all()
    for row in rows:
        row.withdrawn_at = now
    session.flush()
    return len(rows)


def dismiss(session: Session, *, user_id: int, announcement_id: int) -> None:
    user = session.get(User, user_id)
    if user is not None:
        user.dismissed_announcement_id = announcement_id
        session.flush()
