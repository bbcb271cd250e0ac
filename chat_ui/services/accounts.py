"""Accounts and sessions: register, log in (with throttling), log out, validate, bootstrap the admin."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.core.worker import off_loop
from chat_ui.live.events import ContactChanged, ReceiptsChanged, SessionEnded
from chat_ui.live.hub import EVERYONE, hub, user_topic
from chat_ui.live.presence import presence
from chat_ui.services.rules.passwords import check_password_policy, hash_password, verify_password
from chat_ui.services.rules.usernames import RESERVED_ADMIN_NAMES, check_username, username_key
from chat_ui.services.work import Work, transact
from db import conversations as conversation_queries
from db import sessions as session_queries
from db import throttle as throttle_queries
from db import users as user_queries
from db.engine import session_scope
from db.models import LoginThrottle, User, UserSession

CAPTCHA_AFTER = 3
LOCK_AFTER = 5
LOCK_FOR = timedelta(seconds=60)
SESSION_LIFETIME = timedelta(days=7)
LOGIN_NAME_MAX = 128
SETUP_THROTTLE_KEY = '#init_admin'  # the admin set-up's counter: '#' is in no username, so no sign-in can reach it


class LoginRefused(ChatError):
    """A refused sign-in or admin set-up; ``captcha_required`` tells the page to show (a new) CAPTCHA."""

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
        display_name=user.display_name or '',
        must_change_password=user.must_change_password,
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
            user = user_queries.create_user(
                db, username=name, name_key=username_key(name), password_hash=password_hash, is_admin=is_admin
            )
            assert user.id is not None
            return user.id
    except IntegrityError as error:
        if is_admin and _admin_exists():
            raise ChatError('admin_exists') from error  # the database's one-admin index refused this one
        raise ChatError('username_taken') from error


async def register(username: str, password: str, password2: str) -> int:
    """Create a normal account (it appears in everyone's contact list at once); returns its id."""
    name = check_new_account(username, password, password2)
    user_id = await off_loop(_create_account, name, password, is_admin=False)
    hub.publish(ContactChanged(user_id=user_id, username=name, visible=True), [EVERYONE])
    return user_id


def _admin_exists() -> bool:
    with session_scope() as db:
        return user_queries.admin_exists(db)


async def admin_exists() -> bool:
    return await off_loop(_admin_exists)


@dataclass(frozen=True, slots=True)
class _Texts:
    """The refusal keys of one throttled door (sign-in, admin set-up)."""

    failed: str
    failed_captcha: str
    locked: str


_LOGIN_TEXTS = _Texts(failed='login_failed', failed_captcha='login_failed_captcha', locked='account_locked')
_SETUP_TEXTS = _Texts(failed='init_wrong_secret', failed_captcha='init_wrong_secret_captcha', locked='init_locked')


def _refusal_before_check(
    row: LoginThrottle, captcha_ok: bool | None, now: datetime, texts: _Texts
) -> LoginRefused | None:
    """Why an attempt may not be checked at all, from the count before it: a lock, or a CAPTCHA that is needed but
    missing or wrong. Such attempts are not counted, so nobody can lock a name without solving CAPTCHAs."""
    if row.locked_until is not None and row.locked_until > now:
        seconds = math.ceil((row.locked_until - now).total_seconds())
        return LoginRefused(texts.locked, captcha_required=True, seconds=seconds)
    if row.failures >= CAPTCHA_AFTER and not captcha_ok:
        return LoginRefused('captcha_required' if captcha_ok is None else 'captcha_wrong', captcha_required=True)
    return None


def _failure(failures: int, texts: _Texts) -> LoginRefused:
    """The refusal of a checked attempt that failed, ``failures`` counting it."""
    if failures >= LOCK_AFTER:
        return LoginRefused(texts.locked, captcha_required=True, seconds=int(LOCK_FOR.total_seconds()))
    if failures >= CAPTCHA_AFTER:
        return LoginRefused(texts.failed_captcha, captcha_required=True)
    return LoginRefused(texts.failed, captcha_required=False)


def _check_setup_secret(secret: str, expected_secret: str, captcha_ok: bool | None) -> None:
    """Check the bootstrap secret under the sign-in rules, counted on a key of its own. Comparing is cheap, so it
    happens under the counter's lock: concurrent guesses are counted exactly, one after another."""
    now = clock.now()
    with session_scope() as db:
        row = throttle_queries.lock_throttle(db, name_key=SETUP_THROTTLE_KEY, now=now)
        refusal = _refusal_before_check(row, captcha_ok, now, _SETUP_TEXTS)
        if refusal is None and hmac.compare_digest(secret.encode(), expected_secret.encode()):
            throttle_queries.clear_failures(db, name_key=SETUP_THROTTLE_KEY)
            return
        if refusal is None:
            failures = throttle_queries.count_attempt(db, row=row, now=now, lock_after=LOCK_AFTER, lock_for=LOCK_FOR)
            refusal = _failure(failures, _SETUP_TEXTS)
    raise refusal


async def init_admin(
    *,
    secret: str,
    expected_secret: str | None,
    username: str,
    password: str,
    password2: str,
    captcha_ok: bool | None = None,
) -> int:
    """Create the single admin after checking the bootstrap secret (throttled like sign-in). Once an admin exists
    the secret is not even looked at; concurrent set-ups are settled by the database's one-admin index."""
    if not expected_secret:
        raise ChatError('init_disabled')
    if await admin_exists():
        raise ChatError('admin_exists')
    await off_loop(_check_setup_secret, secret, expected_secret, captcha_ok)
    name = check_new_account(username, password, password2)
    if name.casefold() in RESERVED_ADMIN_NAMES:
        raise ChatError('init_reserved_name', name=name)
    return await off_loop(_create_account, name, password, is_admin=True)


@dataclass(frozen=True, slots=True)
class _SignedIn:
    token: str
    info: SessionInfo
    revoked: list[int]


def _take_attempt(key: str, captcha_ok: bool | None, now: datetime) -> int:
    """Count a sign-in attempt BEFORE its password is verified, in one short transaction that reads and raises the
    count under the row's write lock; returns the count including it, or raises the (uncounted) refusal when the
    name is locked or needs a CAPTCHA. Concurrent attempts thus never get more verifications than the rules allow:
    an attempt still being verified already counts (as a failure until it succeeds)."""
    with session_scope() as db:
        row = throttle_queries.lock_throttle(db, name_key=key, now=now)
        refusal = _refusal_before_check(row, captcha_ok, now, _LOGIN_TEXTS)
        if refusal is not None:
            raise refusal
        return throttle_queries.count_attempt(db, row=row, now=now, lock_after=LOCK_AFTER, lock_for=LOCK_FOR)


def take_password_check(key: str, now: datetime) -> int:
    """Count a current-password check of a signed-in user (profile page) on the account's sign-in counter, before
    verifying it: a locked account is refused uncounted; the CAPTCHA step does not apply (the session is the proof
    of a person), but the guesses still lock the account after ``LOCK_AFTER``, for sign-in too."""
    with session_scope() as db:
        row = throttle_queries.lock_throttle(db, name_key=key, now=now)
        refusal = _refusal_before_check(row, True, now, _LOGIN_TEXTS)
        if refusal is not None:
            raise refusal
        return throttle_queries.count_attempt(db, row=row, now=now, lock_after=LOCK_AFTER, lock_for=LOCK_FOR)


def password_check_failed(failures: int) -> ChatError:
    """The refusal of a wrong current password, ``failures`` counting it."""
    if failures >= LOCK_AFTER:
        return ChatError('account_locked', seconds=int(LOCK_FOR.total_seconds()))
    return ChatError('password_current_wrong')


def _open_session(
    user: User, key: str, new_hash: str | None, now: datetime, ip: str | None, user_agent: str | None
) -> _SignedIn:
    """After a verified password: reset the name's count and open a session, ending the user's other sessions."""
    assert user.id is not None
    device = (user_agent or '')[:255] or None
    with session_scope() as db:
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
            user_agent=device,
        )
        revoked = session_queries.revoke_user_sessions(
            db, user_id=user.id, reason='replaced', now=now, keep_id=record.id
        )
        user_queries.record_login(db, user_id=user.id, at=now, ip=ip, device=device)
        return _SignedIn(token=token, info=_info(record, user), revoked=revoked)


def _attempt_login(
    username: str, password: str, captcha_ok: bool | None, ip: str | None, user_agent: str | None
) -> _SignedIn:
    """Count, verify (argon2, outside any transaction), then open a session; raises ``LoginRefused``."""
    now = clock.now()
    key = username_key(username)
    failures = _take_attempt(key, captcha_ok, now)
    with session_scope() as db:
        user = user_queries.get_user_by_key(db, name_key=key)
    ok, new_hash = verify_password(password, user.password_hash if user else None)
    if not ok or user is None:
        raise _failure(failures, _LOGIN_TEXTS)
    if user.is_banned:
        with session_scope() as db:
            throttle_queries.clear_failures(db, name_key=key)
        raise LoginRefused('account_banned', captcha_required=False)
    return _open_session(user, key, new_hash, now, ip, user_agent)


def _may_be_a_username(name: str) -> bool:
    try:
        check_username(name)
    except ChatError:
        return False
    return True


async def login(
    username: str,
    password: str,
    *,
    captcha_ok: bool | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> tuple[str, SessionInfo]:
    """Verify the credentials and open a session, ending the account's other sessions (single device).

    A name that breaks the username rules cannot belong to an account: it is refused like a wrong password at once,
    without hashing or counting (this tells nothing about which accounts exist, and keeps such names, like the
    set-up key, off the counters)."""
    if not username.strip() or not password:
        raise LoginRefused('fields_required', captcha_required=False)
    if len(username) > LOGIN_NAME_MAX or len(password) > 1024 or not _may_be_a_username(username):
        raise LoginRefused('login_failed', captcha_required=False)
    signed_in = await off_loop(_attempt_login, username, password, captcha_ok, ip, user_agent)
    end_sessions(signed_in.info.user_id, signed_in.revoked, reason='replaced')
    return signed_in.token, signed_in.info


def end_sessions(user_id: int, session_ids: list[int], *, reason: str) -> None:
    """Tell the ended sessions' open pages at once, and take them out of presence."""
    for session_id in session_ids:
        presence.drop_session(user_id=user_id, session_id=session_id)
        hub.publish(SessionEnded(session_id=session_id, reason=reason), [user_topic(user_id)])


def _lookup(token: str) -> SessionInfo | None:
    with session_scope() as db:
        row = session_queries.get_live_session(db, token_hash=hash_token(token), now=clock.now())
        return _info(*row) if row else None


def live_admin(db: Session, token: str | None) -> int:
    """Inside a transaction: the user id behind a live admin session, or a refusal."""
    row = session_queries.get_live_session(db, token_hash=hash_token(token), now=clock.now()) if token else None
    if row is None or not row[1].is_admin or row[1].id is None:
        raise ChatError('admin_only')
    return row[1].id


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


# ---------------------------------------------------------------------------------------------- read receipts


def _set_read_receipts(work: Work, user_id: int, enabled: bool) -> None:
    user = user_queries.get_user(work.db, user_id=user_id)
    if user is None:
        raise ChatError('session_ended')
    if user.read_receipts == enabled:
        return
    user_queries.set_read_receipts(work.db, user_id=user_id, enabled=enabled)
    peers = conversation_queries.direct_peer_ids(work.db, user_id=user_id)
    work.emit(ReceiptsChanged(user_id=user_id, enabled=enabled), [user_topic(u) for u in sorted({user_id, *peers})])


async def set_read_receipts(actor: SessionInfo, enabled: bool) -> None:
    """Share read receipts (and see other people's) or not; off means neither. The actor's open pages and their
    direct peers' redraw the marker at once."""
    await transact(_set_read_receipts, actor.user_id, bool(enabled))


def _read_receipts(user_id: int) -> bool:
    with session_scope() as db:
        return user_queries.read_receipts(db, user_ids=[user_id]).get(user_id, True)


async def read_receipts(actor: SessionInfo) -> bool:
    """Whether the actor shares and sees read receipts."""
    return await off_loop(_read_receipts, actor.user_id)
