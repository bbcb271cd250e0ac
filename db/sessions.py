"""Queries on server-side login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from .models import User, UserSession


def create_session(
    session: Session, *, user_id: int, token_hash: str, expires_at: datetime, ip: str | None, user_agent: str | None
) -> UserSession:
    record = UserSession(user_id=user_id, token_hash=token_hash, expires_at=expires_at, ip=ip, user_agent=user_agent)
    session.add(record)
    session.flush()
    return record


def get_live_session(session: Session, *, token_hash: str, now: datetime) -> tuple[UserSession, User] | None:
    """The session with this token and its user, if neither revoked, expired nor banned."""
    row = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == UserSession.user_id)
        .where(UserSession.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    record, user = row
    if record.revoked_at is not None or record.expires_at <= now or user.is_banned:
        return None
    return record, user


def revoke_user_sessions(
    session: Session, *, user_id: int, reason: str, now: datetime, keep_id: int | None = None
) -> list[int]:
    """Revoke every live session of a user except ``keep_id``; return the revoked ids."""
    records = session.exec(
        select(UserSession).where(UserSession.user_id == user_id, col(UserSession.revoked_at).is_(None))
    ).all()
    revoked = []
    for record in records:
        if record.id != keep_id:
            record.revoked_at = now
            record.revoke_reason = reason
            revoked.append(record.id)
    return [i for i in revoked if i is not None]


def revoke_session(session: Session, *, token_hash: str, reason: str, now: datetime) -> UserSession | None:
    record = session.exec(select(UserSession).where(UserSession.token_hash == token_hash)).first()
    if record is not None and record.revoked_at is None:
        record.revoked_at = now
        record.revoke_reason = reason
        return record
    return None
