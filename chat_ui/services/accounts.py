"""Accounts and sessions: register, log in (with throttling), log out, validate, bootstrap the admin."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.worker import off_loop
from chat_ui.live.hub import ContactChanged, SessionEnded, hub
from chat_ui.live.presence import presence
from chat_ui.services.rules.passwords import check_password_policy, hash_password, verify_password
from chat_ui.services.rules.usernames import RESERVED_ADMIN_NAMES, check_username, username_key
from db import sessions as session_queries
from db import throttle as throttle_queries
from db import users as user_queries
from db.engine import session_scope
from db.models import User, UserSession

CAPTCHA_AFTER = 3
LOCK_AFTER = 5
LOCK_FOR = timedelta(seconds=60)
SESSION_LIFETIME = timedelta(days=7)
LOGIN_NAME_MAX = 128


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What a page needs to know about the signed-in user (plain data, no ORM objects)."""

    session_id: int
    user_id: int
    username: str
    is_admin: bool
    is_muted: bool
    expires_at: datetime


class LoginRefused(ChatError):
    """A failed login; ``captcha_required`` tells the page to show (a new) CAPTCHA."""

    def __init__(self, key: str, *, captcha_required: bool, **params: object) -> None:
        super().__init__(key, **params)
        self.captcha_required = captcha_required


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _info(record: UserSession, user: User) -> SessionInfo:
    assert record.id is not None and user.id is not None
    return SessionInfo(
        session_id=record.id,
        user_id=user.id,
        username=user.username,
        is_admin=user.is_admin,
        is_muted=user.is_muted,
        expires_at=record.expires_at,
    )


def check_new_account(username: str, password: str, password2: str) -> str:
    """Validate a registration form; returns the normalized name."""
    name = check_username(username)
    check_password_policy(password)
    if password != password2:
        raise ChatError('passwords_differ')
    return name


def _create_account(name: str, password: str, *, is_admin: bool) -> int:
    password_hash = hash_password(password)
    try:
        with session_scope() as db:
            if is_admin and user_queries.admin_exists(db):
                raise ChatError('admin_exists')
            user = user_queries.create_user(
                db, username=name, name_key=username_key(name), password_hash=password_hash, is_admin=is_admin
            )
            assert user.id is not None
            return user.id
    except IntegrityError as error:
        raise ChatError('username_taken') from error


async def register(username: str, password: str, password2: str) -> int:
    """Create a normal account (it appears in everyone's contact list at once); returns its id."""
    name = check_new_account(username, password, password2)
    user_id = await off_loop(_create_account, name, password, is_admin=False)
    hub.broadcast(ContactChanged(user_id=user_id, username=name, visible=True))
    return user_id


async def admin_exists() -> bool:
    def query() -> bool:
        with session_scope() as db:
            return user_queries.admin_exists(db)

    return await off_loop(query)


async def init_admin(*, secret: str, expected_secret: str | None, username: str, password: str, password2: str) -> int:
    """Create the single admin after checking the bootstrap secret."""
    if not expected_secret:
        raise ChatError('init_disabled')
    if not hmac.compare_digest(secret.encode(), expected_secret.encode()):
        raise ChatError('init_wrong_secret')
    name = check_new_account(username, password, password2)
    if name.casefold() in RESERVED_ADMIN_NAMES:
        raise ChatError('init_reserved_name', name=name)
    return await off_loop(_create_account, name, password, is_admin=True)


@dataclass(slots=True)
class _Attempt:
    token: str | None = None
    info: SessionInfo | None = None
    revoked: list[int] | None = None
    refusal: LoginRefused | None = None


def _attempt_login(
    username: str, password: str, captcha_ok: bool | None, ip: str | None, user_agent: str | None
) -> _Attempt:
    now = clock.now()
    key = username_key(username)
    with session_scope() as db:
        throttle = throttle_queries.get_throttle(db, name_key=key)
        if throttle and throttle.locked_until and throttle.locked_until > now:
            seconds = math.ceil((throttle.locked_until - now).total_seconds())
            return _Attempt(refusal=LoginRefused('account_locked', captcha_required=True, seconds=seconds))
        if throttle and throttle.failures >= CAPTCHA_AFTER and not captcha_ok:
            key_ = 'captcha_required' if captcha_ok is None else 'captcha_wrong'
            return _Attempt(refusal=LoginRefused(key_, captcha_required=True))
        user = user_queries.get_user_by_key(db, name_key=key)
        ok, new_hash = verify_password(password, user.password_hash if user else None)
        if not ok or user is None or user.id is None:
            row = throttle_queries.record_failure(db, name_key=key, now=now, lock_after=LOCK_AFTER, lock_for=LOCK_FOR)
            if row.failures >= LOCK_AFTER:
                refusal = LoginRefused('account_locked', captcha_required=True, seconds=int(LOCK_FOR.total_seconds()))
            elif row.failures >= CAPTCHA_AFTER:
                refusal = LoginRefused('login_failed_captcha', captcha_required=True)
            else:
                refusal = LoginRefused('login_failed', captcha_required=False)
            return _Attempt(refusal=refusal)
        if user.is_banned:
            return _Attempt(refusal=LoginRefused('account_banned', captcha_required=False))
        throttle_queries.clear_failures(db, name_key=key)
        if new_hash:
            user_queries.set_password_hash(db, user_id=user.id, password_hash=new_hash)
        token = secrets.token_urlsafe(32)
        record = session_queries.create_session(
            db,
            user_id=user.id,
            token_hash=hash_token(token),
            expires_at=now + SESSION_LIFETIME,
            ip=ip,
            user_agent=(user_agent or '')[:255] or None,
        )
        revoked = session_queries.revoke_user_sessions(
            db, user_id=user.id, reason='replaced', now=now, keep_id=record.id
        )
        user_queries.record_login(db, user_id=user.id, at=now, ip=ip, device=(user_agent or '')[:255] or None)
        return _Attempt(token=token, info=_info(record, user), revoked=revoked)


async def login(
    username: str,
    password: str,
    *,
    captcha_ok: bool | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> tuple[str, SessionInfo]:
    """Verify the credentials and open a session, ending the account's other sessions (single device)."""
    if not username.strip() or not password:
        raise LoginRefused('fields_required', captcha_required=False)
    if len(username) > LOGIN_NAME_MAX or len(password) > 1024:
        raise LoginRefused('login_failed', captcha_required=False)
    attempt = await off_loop(_attempt_login, username, password, captcha_ok, ip, user_agent)
    if attempt.refusal is not None:
        raise attempt.refusal
    assert attempt.token is not None and attempt.info is not None
    end_sessions(attempt.info.user_id, attempt.revoked or [], reason='replaced')
    return attempt.token, attempt.info


def end_sessions(user_id: int, session_ids: list[int], *, reason: str) -> None:
    """Tell the ended sessions' open pages at once, and take them out of presence."""
    for session_id in session_ids:
        presence.drop_session(user_id=user_id, session_id=session_id)
        hub.publish(user_id, SessionEnded(session_id=session_id, reason=reason))


def _lookup(token: str) -> SessionInfo | None:
    with session_scope() as db:
        row = session_queries.get_live_session(db, token_hash=hash_token(token), now=clock.now())
        return _info(*row) if row else None


async def current_session(token: str | None) -> SessionInfo | None:
    """The live session behind a browser's token, or None if it is missing, revoked, expired or banned."""
    if not token:
        return None
    return await off_loop(_lookup, token)


async def logout(token: str | None) -> None:
    if not token:
        return

    def revoke() -> UserSession | None:
        with session_scope() as db:
            return session_queries.revoke_session(db, token_hash=hash_token(token), reason='logout', now=clock.now())

    record = await off_loop(revoke)
    if record is not None and record.id is not None:
        end_sessions(record.user_id, [record.id], reason='logout')
