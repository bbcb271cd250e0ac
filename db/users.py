"""Queries on users."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from .models import User
from .sql import contains


def get_user(session: Session, *, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_key(session: Session, *, name_key: str) -> User | None:
    return session.exec(select(User).where(User.name_key == name_key)).first()


def create_user(session: Session, *, username: str, name_key: str, password_hash: str, is_admin: bool = False) -> User:
    """Insert a user; a taken name raises ``sqlalchemy.exc.IntegrityError``."""
    user = User(username=username, name_key=name_key, password_hash=password_hash, is_admin=is_admin)
    session.add(user)
    session.flush()
    return user


def admin_exists(session: Session) -> bool:
    return session.exec(select(User.id).where(col(User.is_admin).is_(True)).limit(1)).first() is not None


def record_login(session: Session, *, user_id: int, at: datetime, ip: str | None, device: str | None) -> None:
    user = session.get(User, user_id)
    if user is not None:
        user.last_login_at = at
        user.last_login_ip = ip
        user.last_login_device = device


def set_password_hash(session: Session, *, user_id: int, password_hash: str) -> None:
    user = session.get(User, user_id)
    if user is not None:
        user.password_hash = password_hash


def names(session: Session, *, user_ids: Collection[int]) -> dict[int, str]:
    """The usernames of these users."""
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.username).where(col(User.id).in_(list(user_ids)))).all()
    return {user_id: name for user_id, name in rows if user_id is not None}


def profiles(session: Session, *, user_ids: Collection[int]) -> dict[int, tuple[str, str, str]]:
    """The login name, display name and avatar key (both empty when none was chosen) of these users."""
    if not user_ids:
        return {}
    query = select(User.id, User.username, User.display_name, User.avatar_key)
    rows = session.exec(query.where(col(User.id).in_(list(user_ids)))).all()
    return {user_id: (name, shown or '', avatar or '') for user_id, name, shown, avatar in rows if user_id is not None}


def set_display_name(session: Session, *, user_id: int, display_name: str | None) -> User | None:
    user = session.get(User, user_id)
    if user is not None:
        user.display_name = display_name
        session.flush()
    return user


def list_contacts(
    session: Session,
    *,
    exclude_user_id: int,
    limit: int,
    name_filter: str = '',
    only_ids: Collection[int] | None = None,
    exclude_ids: Collection[int] = (),
) -> Sequence[User]:
    """Chat users who are not banned, not admins and not the given user, by name: those whose name contains
    ``name_filter`` (case-insensitive, literal), or only those in ``only_ids``, never those in ``exclude_ids``;
    at most ``limit``."""
    query = select(User).where(
        User.id != exclude_user_id, col(User.is_banned).is_(False), col(User.is_admin).is_(False)
    )
    if exclude_ids:
        query = query.where(col(User.id).not_in(list(exclude_ids)))
    if name_filter:
        query = query.where(contains(User.name_key, name_filter.casefold()))
    if only_ids is not None:
        query = query.where(col(User.id).in_(list(only_ids)))
    return session.exec(query.order_by(col(User.name_key)).limit(limit)).all()


def page_users(session: Session, *, name_filter: str, offset: int, limit: int) -> tuple[Sequence[User], int]:
    """Non-admin users whose name contains ``name_filter`` (case-insensitive, literal), by name; and their count."""
    query = select(User).where(col(User.is_admin).is_(False))
    if name_filter:
        query = query.where(contains(User.name_key, name_filter.casefold()))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(User.name_key)).offset(offset).limit(limit)).all()
    return rows, total


def set_flags(session: Session, *, user_id: int, muted: bool | None = None, banned: bool | None = None) -> User | None:
    """Change a user's muted / banned flags; returns the user, or None if there is no such user."""
    user = session.get(User, user_id)
    if user is None:
        return None
    if muted is not None:
        user.is_muted = muted
    if banned is not None:
        user.is_banned = banned
    session.flush()
    return user


def lock_user(session: Session, *, user_id: int) -> None:
    """Hold the user's row lock until the transaction ends, so that two transactions of the same user (two tabs)
    run one after the other: ``SELECT ... FOR UPDATE`` on MySQL/MariaDB; on SQLite, where a write locks the whole
    database, a no-op write on the row takes the write lock at once (instead of after the reads)."""
    if session.get_bind().dialect.name == 'sqlite':
        session.execute(update(User).where(col(User.id) == user_id).values(id=User.id))
    else:
        session.exec(select(User.id).where(col(User.id) == user_id).with_for_update()).first()


def set_read_receipts(session: Session, *, user_id: int, enabled: bool) -> None:
    user = session.get(User, user_id)
    if user is not None:
        user.read_receipts = enabled


def read_receipts(session: Session, *, user_ids: Collection[int]) -> dict[int, bool]:
    """Whether each of these users shares (and sees) read receipts."""
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.read_receipts).where(col(User.id).in_(list(user_ids)))).all()
    return {user_id: bool(enabled) for user_id, enabled in rows if user_id is not None}
