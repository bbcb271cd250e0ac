"""Queries on the stored-file records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from .models import StoredFile


def add_file(
    session: Session,
    *,
    key: str,
    owner_id: int,
    purpose: str,
    mime: str,
    name: str,
    size: int,
    conversation_id: int | None = None,
    created_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> StoredFile:
    record = StoredFile(
        key=key,
        owner_id=owner_id,
        purpose=purpose,
        mime=mime,
        name=name,
        size=size,
        conversation_id=conversation_id,
        expires_at=expires_at,
    )
    if created_at is not None:
        record.created_at = created_at
    session.add(record)
    session.flush()
    return record


def get_file(session: Session, *, key: str) -> StoredFile | None:
    return session.get(StoredFile, key)


def delete_files(session: Session, *, keys: Sequence[str]) -> None:
    if keys:
        session.execute(delete(StoredFile).where(col(StoredFile.key).in_(list(keys))))


def owned(session: Session, *, owner_id: int, purpose: str) -> Sequence[StoredFile]:
    query = select(StoredFile).where(StoredFile.owner_id == owner_id, StoredFile.purpose == purpose)
    return session.exec(query.order_by(col(StoredFile.created_at))).all()


def expired(session: Session, *, purpose: str, now: datetime) -> Sequence[StoredFile]:
    query = select(StoredFile).where(
        StoredFile.purpose == purpose, col(StoredFile.expires_at).is_not(None), col(StoredFile.expires_at) <= now
    )
    return session.exec(query).all()
