"""The admin's announcement: one current notice for every signed-in user, live on open pages and shown at the next
sign-in until that user dismisses it (remembered in the database). Setting, replacing and withdrawing are audited."""

from __future__ import annotations

from sqlmodel import Session

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.views import AnnouncementView, SessionInfo
from chat_ui.live.events import AnnouncementChanged
from db import announcements as announcement_queries
from db import audit as audit_queries
from db.models import ANNOUNCEMENT_MAX

from .access import active_user
from .accounts import live_admin
from .work import Work, read, transact

ANNOUNCE_TOPIC = 'announce'  # every signed-in page follows it


def check_body(text: str | None) -> str:
    body = (text or '').strip()
    if not body:
        raise ChatError('announcement_empty')
    if len(body) > ANNOUNCEMENT_MAX:
        raise ChatError('announcement_too_long', max=ANNOUNCEMENT_MAX)
    if any((ord(c) < 32 and c not in '\n\t') or 0x7F <= ord(c) < 0xA0 for c in body):
        raise ChatError('announcement_invalid')
    return body


def _publish(work: Work, token: str | None, body: str) -> AnnouncementView:
    admin_id = live_admin(work.db, token)
    row = announcement_queries.publish(work.db, admin_id=admin_id, body=body, now=clock.now())
    assert row.id is not None
    audit_queries.record(work.db, admin_id=admin_id, action='announce', detail=body[:255])
    work.emit(AnnouncementChanged(announcement_id=row.id, body=body), [ANNOUNCE_TOPIC])
    return AnnouncementView(id=row.id, body=body, created_at=row.created_at)


async def publish(token: str | None, *, body: str) -> AnnouncementView:
    """Set or replace the announcement (admin only, re-checked in the transaction)."""
    text = check_body(body)
    return await transact(_publish, token, text)


def _withdraw(work: Work, token: str | None) -> bool:
    admin_id = live_admin(work.db, token)
    if not announcement_queries.withdraw_all(work.db, now=clock.now()):
        return False
    audit_queries.record(work.db, admin_id=admin_id, action='unannounce')
    work.emit(AnnouncementChanged(announcement_id=None, body=None), [ANNOUNCE_TOPIC])
    return True


async def withdraw(token: str | None) -> bool:
    """Withdraw the announcement; False when there was none."""
    return await transact(_withdraw, token)


def _current(db: Session, user_id: int | None) -> AnnouncementView | None:
    row = announcement_queries.current(db)
    if row is None or row.id is None:
        return None
    if user_id is not None and active_user(db, user_id).dismissed_announcement_id == row.id:
        return None
    return AnnouncementView(id=row.id, body=row.body, created_at=row.created_at)


async def current(actor: SessionInfo | None) -> AnnouncementView | None:
    """The current announcement, unless ``actor`` dismissed it (None: whether dismissed or not, for the admin)."""
    return await read(_current, actor.user_id if actor is not None else None)


def _dismiss(work: Work, user_id: int, announcement_id: int) -> None:
    active_user(work.db, user_id)
    row = announcement_queries.current(work.db)
    if row is None or row.id != announcement_id:
        raise ChatError('announcement_gone')
    announcement_queries.dismiss(work.db, user_id=user_id, announcement_id=announcement_id)


async def dismiss(actor: SessionInfo, *, announcement_id: int) -> None:
    """This user no longer sees this announcement (on any page, after any sign-in); a newer one shows again."""
    if not isinstance(announcement_id, int) or isinstance(announcement_id, bool):
        raise ChatError('announcement_gone')
    await transact(_dismiss, actor.user_id, announcement_id)
