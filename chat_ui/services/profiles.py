"""Profiles: the display name others see, and changing one's own password.

A display name change is published as ``ProfileChanged`` to the person and to everyone who shares a conversation
with them (computed inside the transaction): exactly the pages that can show the person in a room or a direct
conversation. A password change ends every other session of the account at once; the page that made it stays.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlmodel import Session

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.views import ProfileView, SessionInfo
from chat_ui.core.worker import off_loop
from chat_ui.live.events import ProfileChanged
from chat_ui.live.hub import users
from chat_ui.services import accounts
from chat_ui.services.rules.passwords import PASSWORD_MAX, check_password_policy, hash_password, verify_password
from db import conversations as conversation_queries
from db import sessions as session_queries
from db import throttle as throttle_queries
from db import users as user_queries
from db.engine import session_scope
from db.models import DISPLAY_NAME_MAX

from .access import active_user
from .work import Work, read, transact

FORBIDDEN_MARKUP = frozenset('<>')
PASSWORD_CHANGED = 'password'  # the revoke reason, and the login page's notice


def check_display_name(text: str | None) -> str:
    """The display name to store: NFC, trimmed, 1..32 characters of any script; no control, format (bidi
    overrides, zero-width) or separator characters, and no markup brackets (shown as text anyway, but refused so
    nobody can look like HTML)."""
    if not isinstance(text, str):
        raise ChatError('display_name_empty')
    name = unicodedata.normalize('NFC', text).strip()
    if not name:
        raise ChatError('display_name_empty')
    if len(name) > DISPLAY_NAME_MAX:
        raise ChatError('display_name_too_long', max=DISPLAY_NAME_MAX)
    for char in name:
        category = unicodedata.category(char)
        if category[0] == 'C' or category in {'Zl', 'Zp'} or char in FORBIDDEN_MARKUP:
            raise ChatError('display_name_invalid')
    return name


def _set_display_name(work: Work, user_id: int, name: str) -> ProfileView:
    user = active_user(work.db, user_id)
    user_queries.set_display_name(work.db, user_id=user_id, display_name=name)
    audience = set(conversation_queries.co_member_ids(work.db, user_id=user_id)) | {user_id}
    avatar = user.avatar_key or ''
    event = ProfileChanged(user_id=user_id, username=user.username, display_name=name, avatar=avatar)
    work.emit(event, users(sorted(audience)))
    return ProfileView(user_id=user_id, username=user.username, display_name=name, avatar=avatar)


async def set_display_name(actor: SessionInfo, *, display_name: str) -> ProfileView:
    """Change the actor's display name; refused (nothing changes) unless it passes ``check_display_name``."""
    name = check_display_name(display_name)
    return await transact(_set_display_name, actor.user_id, name)


def _profile(db: Session, user_id: int) -> ProfileView:
    user = active_user(db, user_id)
    return ProfileView(
        user_id=user_id, username=user.username, display_name=user.display_name or '', avatar=user.avatar_key or ''
    )


async def profile(actor: SessionInfo) -> ProfileView:
    return await read(_profile, actor.user_id)


@dataclass(frozen=True, slots=True)
class _Changed:
    revoked: list[int]


def _change_password(user_id: int, session_id: int, current: str, new: str) -> _Changed:
    now = clock.now()
    with session_scope() as db:
        user = active_user(db, user_id)
        key = user.name_key
        stored_hash = user.password_hash
    failures = accounts.take_password_check(key, now)
    ok, _ = verify_password(current, stored_hash)
    if not ok:
        raise accounts.password_check_failed(failures)
    new_hash = hash_password(new)
    with session_scope() as db:
        throttle_queries.clear_failures(db, name_key=key)
        user = active_user(db, user_id)
        if user.password_hash != stored_hash:  # changed meanwhile (another tab, an admin reset): try again
            raise ChatError('password_changed_meanwhile')
        user.password_hash = new_hash
        user.must_change_password = False
        revoked = session_queries.revoke_user_sessions(
            db, user_id=user_id, reason=PASSWORD_CHANGED, now=now, keep_id=session_id
        )
    return _Changed(revoked=revoked)


async def change_password(actor: SessionInfo, *, current: str, new: str, new2: str) -> None:
    """Check the current password (counted on the account's sign-in throttle), then store the new one (policy A1)
    and end every other session of the account at once; the actor's own session stays."""
    if not current or not new or not new2:
        raise ChatError('password_fields_required')
    if len(current) > PASSWORD_MAX * 8:
        raise ChatError('password_current_wrong')
    check_password_policy(new)
    if new != new2:
        raise ChatError('passwords_differ')
    if new == current:
        raise ChatError('password_same')
    changed = await off_loop(_change_password, actor.user_id, actor.session_id, current, new)
    accounts.end_sessions(actor.user_id, changed.revoked, reason=PASSWORD_CHANGED)
