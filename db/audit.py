"""Queries on the admin audit log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from .models import AdminAction, User


def record(
    session: Session,
    *,
    admin_id: int,
    action: str,
    target_id: int | None = None,
    target_conversation_id: int | None = None,
    detail: str | None = None,
) -> AdminAction:
    """Log an action on a user (``target_id``) or a room (``target_conversation_id``, its title in ``detail``)."""
    entry = AdminAction(
        admin_id=admin_id,
        action=action,
        target_id=target_id,
        target_conversation_id=target_conversation_id,
        detail=detail,
    )
    session.add(entry)
    session.flush()
    return entry


def recent(session: Session, *, limit: int) -> list[tuple[AdminAction, str, str]]:
    """The newest actions with the admin's name and the target's (a user's name, or the room detail)."""
    admin = select(User.id, User.username).subquery()
    target = select(User.id, User.username).subquery()
    rows: Sequence = session.exec(  # type: ignore[call-overload]
        select(AdminAction, admin.c.username, target.c.username)
        .join(admin, admin.c.id == AdminAction.admin_id)
        .outerjoin(target, target.c.id == AdminAction.target_id)
        .order_by(col(AdminAction.id).desc())
        .limit(limit)
    ).all()
    return [(entry, admin_name, target_name or entry.detail or '') for entry, admin_name, target_name in rows]
