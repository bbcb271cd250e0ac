"""Administration: the users and rooms tables, mute and ban, renaming and deleting rooms, every user's and room's
chat records, the audit log.

Every action re-checks, in the database, that the caller's session is a live admin session.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.worker import off_loop
from chat_ui.live.events import ContactChanged, MuteChanged
from chat_ui.live.hub import EVERYONE, hub, user_topic
from chat_ui.live.presence import presence
from chat_ui.services import accounts
from chat_ui.services.conversations import delete_in, rename_in
from chat_ui.services.message_actions import recall_in
from chat_ui.services.messaging import clear_in
from chat_ui.services.rules.passwords import hash_password
from chat_ui.services.rules.titles import check_title
from chat_ui.services.rules.usernames import username_key
from chat_ui.services.search_index import search_index
from chat_ui.services.work import Work, read, transact
from db import audit as audit_queries
from db import conversations as conversation_queries
from db import messages as message_queries
from db import sessions as session_queries
from db import users as user_queries
from db.conversations import RoomRow
from db.engine import session_scope
from db.models import Conversation, Message

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
    display_name: str = ''


@dataclass(frozen=True, slots=True)
class UsersPage:
    rows: list[UserRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class EarlierVersion:
    """A text the message had until ``at``: replaced by an edit, or withdrawn by a recall or the admin's removal."""

    body: str | None
    action: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One message for the admin; ``conversation`` names the other person (direct) or the room."""

    message_id: int
    outgoing: bool
    sender_name: str
    conversation: str
    is_room: bool
    kind: str
    body: str | None
    file_key: str | None
    file_name: str | None
    created_at: datetime
    edited_at: datetime | None = None
    recalled_at: datetime | None = None
    removed: bool = False
    history: tuple[EarlierVersion, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordsPage:
    title: str
    is_room: bool
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


@dataclass(frozen=True, slots=True)
class RoomsPage:
    rows: list[RoomRow]
    total: int
    page: int
    pages: int


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
                    display_name=u.display_name or '',
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
    hub.publish(MuteChanged(user_id=user_id, muted=muted), [user_topic(user_id)])


async def set_banned(token: str | None, *, user_id: int, banned: bool) -> None:
    """Ban (ends every session of the user at once, hides them from contact lists) or unban."""
    admin = await require_admin(token)
    result = await off_loop(_apply, admin.user_id, user_id, 'ban' if banned else 'unban')
    username, revoked = result
    if banned:
        accounts.end_sessions(user_id, revoked, reason='banned')
    hub.publish(ContactChanged(user_id=user_id, username=username, visible=not banned), [EVERYONE])


ONE_TIME_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'  # no look-alikes (l/1, o/0): it is read off a screen


def one_time_password() -> str:
    """A random password of 12 characters that passes the policy (letters and digits)."""
    while True:
        value = ''.join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(12))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def _reset_password(token: str | None, user_id: int, password_hash: str) -> list[int]:
    """Store the one-time password's hash, make its next sign-in change it, end its sessions; audited."""
    with session_scope() as db:
        admin_id = accounts.live_admin(db, token)
        user = user_queries.get_user(db, user_id=user_id)
        if user is None or user.is_admin:
            raise ChatError('user_not_found')
        user.password_hash = password_hash
        user.must_change_password = True
        audit_queries.record(db, admin_id=admin_id, action='reset_password', target_id=user_id)
        return session_queries.revoke_user_sessions(db, user_id=user_id, reason='password', now=clock.now())


async def reset_password(token: str | None, *, user_id: int) -> str:
    """Give a user a one-time password (returned once, never stored in clear); they must change it at their next
    sign-in, and their open sessions end now."""
    await require_admin(token)
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise ChatError('user_not_found')
    value = one_time_password()
    password_hash = await off_loop(hash_password, value)
    revoked = await off_loop(_reset_password, token, user_id, password_hash)
    accounts.end_sessions(user_id, revoked, reason='password')
    return value


def _record_rows(db: Session, rows: Sequence[Message], user_id: int | None) -> list[RecordRow]:
    conversations = {
        cid: conversation_queries.get_conversation(db, conversation_id=cid) for cid in {m.conversation_id for m in rows}
    }
    people = {m.sender_id for m in rows}
    for c in conversations.values():
        if c is not None and c.kind == 'direct':
            people |= {c.direct_lo or 0, c.direct_hi or 0}
    names = user_queries.names(db, user_ids=people)
    history = message_queries.history(db, message_ids=[m.id for m in rows if m.id is not None])

    def label(message: Message) -> tuple[str, bool]:
        c = conversations.get(message.conversation_id)
        if c is None or c.kind != 'direct':
            return (c.title or '' if c else '?'), True
        me = user_id if user_id is not None else message.sender_id
        other = c.direct_hi if c.direct_lo == me else c.direct_lo
        return names.get(other or 0, '?'), False

    return [
        RecordRow(
            message_id=m.id or 0,
            outgoing=m.sender_id == user_id,
            sender_name=names.get(m.sender_id, '?'),
            conversation=label(m)[0],
            is_room=label(m)[1],
            kind=m.kind,
            body=m.body,
            file_key=m.file_key,
            file_name=m.file_name,
            created_at=m.created_at,
            edited_at=m.edited_at,
            recalled_at=m.recalled_at,
            removed=m.recalled_at is not None and m.recalled_by != m.sender_id,
            history=tuple(
                EarlierVersion(body=h.body, action=h.action, at=h.edited_at) for h in history.get(m.id or 0, [])
            ),
        )
        for m in rows
    ]


def _records(db: Session, user_id: int, keyword: str, page: int) -> RecordsPage:
    user = user_queries.get_user(db, user_id=user_id)
    if user is None:
        raise ChatError('user_not_found')
    matches = None
    if keyword:
        mine = conversation_queries.conversation_ids_of(db, user_id=user_id)
        matches = search_index.candidates_in(db, conversation_ids=mine, keyword=keyword)
    rows, total = message_queries.records(
        db, user_id=user_id, only_ids=matches, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return RecordsPage(
        title=user.username,
        is_room=False,
        rows=_record_rows(db, rows, user_id),
        total=total,
        page=page,
        pages=_pages(total),
    )


async def user_records(token: str | None, *, user_id: int, keyword: str = '', page: int = 1) -> RecordsPage:
    """Every message the user sent (direct and in rooms) or received in a direct conversation, newest first."""
    await require_admin(token)
    return await read(_records, user_id, keyword.strip()[:FILTER_MAX], max(1, page))


def _room(db: Session, conversation_id: int) -> Conversation:
    room = conversation_queries.get_conversation(db, conversation_id=conversation_id)
    if room is None or room.kind != 'room':
        raise ChatError('room_not_found')
    return room


def _room_records(db: Session, conversation_id: int, keyword: str, page: int) -> RecordsPage:
    room = _room(db, conversation_id)
    matches = search_index.candidates(db, conversation_id=conversation_id, keyword=keyword) if keyword else None
    rows, total = message_queries.records(
        db, conversation_id=conversation_id, only_ids=matches, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return RecordsPage(
        title=room.title or '',
        is_room=True,
        rows=_record_rows(db, rows, None),
        total=total,
        page=page,
        pages=_pages(total),
    )


async def room_records(token: str | None, *, conversation_id: int, keyword: str = '', page: int = 1) -> RecordsPage:
    """Every message of a room, newest first."""
    await require_admin(token)
    return await read(_room_records, conversation_id, keyword.strip()[:FILTER_MAX], max(1, page))


def _rooms_page(db: Session, title_filter: str, page: int) -> RoomsPage:
    rows, total = conversation_queries.rooms_page(
        db, title_filter=title_filter.casefold(), offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return RoomsPage(rows=rows, total=total, page=page, pages=_pages(total))


async def rooms_page(token: str | None, *, title_filter: str = '', page: int = 1) -> RoomsPage:
    """One page of the rooms table (public and private), filtered by title in the database."""
    await require_admin(token)
    return await read(_rooms_page, title_filter.strip()[:FILTER_MAX], max(1, page))


def _audit_room(work: Work, admin_id: int, room: Conversation, action: str, detail: str) -> None:
    audit_queries.record(work.db, admin_id=admin_id, action=action, target_conversation_id=room.id, detail=detail[:255])


def _rename_room(work: Work, admin_token: str | None, conversation_id: int, title: str) -> None:
    admin = accounts.live_admin(work.db, admin_token)
    room = _room(work.db, conversation_id)
    _audit_room(work, admin, room, 'rename_room', f'{room.title} → {title}')
    rename_in(work, room, title)


async def rename_room(token: str | None, *, conversation_id: int, title: str) -> None:
    """Rename any room (audited); its members see the new title at once."""
    await transact(_rename_room, token, conversation_id, check_title(title))


def _delete_room(work: Work, admin_token: str | None, conversation_id: int) -> None:
    admin = accounts.live_admin(work.db, admin_token)
    room = _room(work.db, conversation_id)
    _audit_room(work, admin, room, 'delete_room', room.title or '')
    delete_in(work, room)


async def delete_room(token: str | None, *, conversation_id: int) -> None:
    """Delete any room with its messages and files (audited); its members' panes close at once."""
    await transact(_delete_room, token, conversation_id)


def _clear_room(work: Work, admin_token: str | None, conversation_id: int) -> None:
    admin = accounts.live_admin(work.db, admin_token)
    room = _room(work.db, conversation_id)
    _audit_room(work, admin, room, 'clear_room', room.title or '')
    assert room.id is not None
    clear_in(work, room.id, admin)


async def clear_room(token: str | None, *, conversation_id: int) -> None:
    """Clear a room's history for everyone, files included (audited)."""
    await transact(_clear_room, token, conversation_id)


def _remove_message(work: Work, admin_token: str | None, message_id: int) -> None:
    admin = accounts.live_admin(work.db, admin_token)
    message = message_queries.get_message(work.db, message_id=message_id, lock=True)
    if message is None:
        raise ChatError('message_not_found')
    if message.recalled_at is not None:
        raise ChatError('message_recalled')
    audit_queries.record(
        work.db,
        admin_id=admin,
        action='remove_message',
        target_id=message.sender_id,
        target_conversation_id=message.conversation_id,
        detail=f'#{message_id}',
    )
    recall_in(work, message, by_user_id=admin, action='remove')


async def remove_message(token: str | None, *, message_id: int) -> None:
    """Remove any message at any time (audited): every member sees it removed at once, its file is deleted; the
    admin's records keep its text."""
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise ChatError('message_not_found')
    await transact(_remove_message, token, message_id)


def _audit(limit: int) -> list[AuditRow]:
    with session_scope() as db:
        return [
            AuditRow(admin_name=a, action=entry.action, target_name=target, created_at=entry.created_at)
            for entry, a, target in audit_queries.recent(db, limit=limit)
        ]


async def audit_log(token: str | None, *, limit: int = 20) -> list[AuditRow]:
    await require_admin(token)
    return await off_loop(_audit, limit)
