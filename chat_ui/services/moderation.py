"""Administration: the users table, mute and ban, every user's chat records, the audit log.

Every action re-checks, in the database, that the caller's session is a live admin session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.worker import off_loop
from chat_ui.live.hub import ContactChanged, MuteChanged, hub
from chat_ui.live.presence import presence
from chat_ui.services import accounts
from chat_ui.services.rules.usernames import username_key
from chat_ui.services.search_index import search_index
from db import audit as audit_queries
from db import messages as message_queries
from db import sessions as session_queries
from db import users as user_queries
from db.engine import session_scope

PAGE_SIZE = 20
FILTER_MAX = 64


@dataclass(frozen=True, slots=True)
class UserRow:
    user_id: int
    username: str
    online: bool
    muted: bool
    banned: bool
    last_login_at: datetime | None
    last_login_ip: str | None
    last_login_device: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UsersPage:
    rows: list[UserRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class RecordRow:
    message_id: int
    outgoing: bool
    peer_name: str
    kind: str
    body: str | None
    file_key: str | None
    file_name: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RecordsPage:
    username: str
    rows: list[RecordRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class AuditRow:
    admin_name: str
    action: str
    target_name: str
    created_at: datetime


async def require_admin(token: str | None) -> accounts.SessionInfo:
    """The caller's live admin session, or a refusal."""
    info = await accounts.current_session(token)
    if info is None or not info.is_admin:
        raise ChatError('admin_only')
    return info


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def _users_page(name_filter: str, page: int) -> UsersPage:
    with session_scope() as db:
        rows, total = user_queries.page_users(
            db, name_filter=name_filter, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        return UsersPage(
            rows=[
                UserRow(
                    user_id=u.id,
                    username=u.username,
                    online=presence.is_online(u.id),
                    muted=u.is_muted,
                    banned=u.is_banned,
                    last_login_at=u.last_login_at,
                    last_login_ip=u.last_login_ip,
                    last_login_device=u.last_login_device,
                    created_at=u.created_at,
                )
                for u in rows
                if u.id is not None
            ],
            total=total,
            page=page,
            pages=_pages(total),
        )


async def users_page(token: str | None, *, name_filter: str = '', page: int = 1) -> UsersPage:
    """One page of the users table, filtered by name in the database (on the name key: NFKC, case-folded)."""
    await require_admin(token)
    return await off_loop(_users_page, username_key(name_filter[:FILTER_MAX]), max(1, page))


FLAG_ACTIONS: dict[str, dict[str, bool]] = {
    'mute': {'muted': True},
    'unmute': {'muted': False},
    'ban': {'banned': True},
    'unban': {'banned': False},
}


def _apply(admin_id: int, user_id: int, action: str) -> tuple[str, list[int]]:
    """Change the flag, log the action and (for a ban) revoke the user's sessions; one transaction."""
    with session_scope() as db:
        user = user_queries.get_user(db, user_id=user_id)
        if user is None or user.is_admin:
            raise ChatError('user_not_found')
        user_queries.set_flags(db, user_id=user_id, **FLAG_ACTIONS[action])
        audit_queries.record(db, admin_id=admin_id, action=action, target_id=user_id)
        revoked = []
        if action == 'ban':
            revoked = session_queries.revoke_user_sessions(db, user_id=user_id, reason='banned', now=clock.now())
        return user.username, revoked


async def set_muted(token: str | None, *, user_id: int, muted: bool) -> None:
    """Mute or unmute; the user's open pages are told at once."""
    admin = await require_admin(token)
    await off_loop(_apply, admin.user_id, user_id, 'mute' if muted else 'unmute')
    hub.publish(user_id, MuteChanged(user_id=user_id, muted=muted))


async def set_banned(token: str | None, *, user_id: int, banned: bool) -> None:
    """Ban (ends every session of the user at once, hides them from contact lists) or unban."""
    admin = await require_admin(token)
    result = await off_loop(_apply, admin.user_id, user_id, 'ban' if banned else 'unban')
    username, revoked = result
    if banned:
        accounts.end_sessions(user_id, revoked, reason='banned')
    hub.broadcast(ContactChanged(user_id=user_id, username=username, visible=not banned))


def _records(user_id: int, keyword: str, page: int) -> RecordsPage:
    with session_scope() as db:
        user = user_queries.get_user(db, user_id=user_id)
        if user is None:
            raise ChatError('user_not_found')
        offset = (page - 1) * PAGE_SIZE
        if keyword:
            found = search_index.user_candidates(db, user_id=user_id, keyword=keyword)
            rows, total = message_queries.by_ids(db, ids=found[offset : offset + PAGE_SIZE]), len(found)
        else:
            listed, total = message_queries.user_records(db, user_id=user_id, offset=offset, limit=PAGE_SIZE)
            rows = list(listed)
        peer_ids = {m.user_hi if m.user_lo == user_id else m.user_lo for m in rows}
        names = {u.id: u.username for u in (user_queries.get_user(db, user_id=i) for i in peer_ids) if u}
        return RecordsPage(
            username=user.username,
            rows=[
                RecordRow(
                    message_id=m.id or 0,
                    outgoing=m.sender_id == user_id,
                    peer_name=names.get(m.user_hi if m.user_lo == user_id else m.user_lo, '?'),
                    kind=m.kind,
                    body=m.body,
                    file_key=m.file_key,
                    file_name=m.file_name,
                    created_at=m.created_at,
                )
                for m in rows
            ],
            total=total,
            page=page,
            pages=_pages(total),
        )


async def user_records(token: str | None, *, user_id: int, keyword: str = '', page: int = 1) -> RecordsPage:
    """Every message the user sent or received, newest first, a page at a time; with a keyword, their text
    messages containing it by the chat search's rule (``text_match``, through the search index)."""
    await require_admin(token)
    return await off_loop(_records, user_id, keyword.strip()[:FILTER_MAX], max(1, page))


def _audit(limit: int) -> list[AuditRow]:
    with session_scope() as db:
        return [
            AuditRow(admin_name=a, action=entry.action, target_name=target, created_at=entry.created_at)
            for entry, a, target in audit_queries.recent(db, limit=limit)
        ]


async def audit_log(token: str | None, *, limit: int = 20) -> list[AuditRow]:
    await require_admin(token)
    return await off_loop(_audit, limit)
