"""Session checks for pages: on page load, on every UI event, and live when the session ends elsewhere.

The browser's sign-in token lives in NiceGUI's per-browser storage (``app.storage.user``), keyed by the id in
NiceGUI's signed ``session`` cookie. A sign-in gives the browser a new id (``start_browser_session``), so no copy of
a cookie that existed before the sign-in is ever signed in by it.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Any, ParamSpec, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, background_tasks, context, ui

from chat_ui.core import clock
from chat_ui.core.views import SessionInfo
from chat_ui.live.events import LiveEvent, SessionEnded
from chat_ui.live.hub import Subscriptions, hub, user_topic
from chat_ui.live.presence import presence
from chat_ui.services import accounts
from chat_ui.ui.drafts import discard_drafts

P = ParamSpec('P')
R = TypeVar('R')
TOKEN_KEY = 'session_token'
CARRIED_KEYS = ('lang',)  # what a new browser identity takes over from the old one (never the token)
NOTICES = {'replaced', 'banned', 'expired', 'logout', 'registered', 'admin_created', 'password'}
PROFILE_PATH = '/profile'
SIGN_IN_PATH = '/session/start'
LEAVE_GRACE = 5.0  # s: an ended page's client is deleted on the server this long after it was told to leave
CHECK_EVERY = 10.0  # s: a live page asks the database about its session at most this often (see PageSession)


def store_token(token: str) -> None:
    app.storage.user[TOKEN_KEY] = token


def stored_token() -> str | None:
    token = app.storage.user.get(TOKEN_KEY)
    return token if isinstance(token, str) else None


def forget_token() -> None:
    """Sign this browser out: its token and the account's drafts leave its storage."""
    app.storage.user.pop(TOKEN_KEY, None)
    discard_drafts(browser_id(context.client.request), app.storage.user)


def login_url(notice: str | None = None) -> str:
    return f'/login?notice={notice}' if notice in NOTICES else '/login'


def sign_in_url(ticket: str) -> str:
    """Where the login form sends the browser with its one-time ticket (URL-safe by construction)."""
    return f'{SIGN_IN_PATH}?ticket={ticket}'


def browser_id(request: Request) -> str:
    """The id in NiceGUI's signed ``session`` cookie of this request: the key of the browser's storage."""
    value = request.session.get('id')
    return value if isinstance(value, str) else ''


async def start_browser_session(request: Request, token: str) -> None:
    """Sign the browser of this HTTP request in under a new identity holding ``token``.

    The old identity's storage loses its token, and the response re-signs the cookie with the new id; every copy of
    the old cookie (planted before the sign-in, or copied earlier) stays signed out.
    """
    old = app.storage.user
    carried = {key: old[key] for key in CARRIED_KEYS if key in old}
    old.pop(TOKEN_KEY, None)
    discard_drafts(browser_id(request), old)
    new_id = str(uuid.uuid4())
    request.session['id'] = new_id
    # NiceGUI creates a storage per id when a request arrives with it; this response hands out a new id, so it has
    # to create that storage itself (NiceGUI has no public call for it).
    await app.storage._create_user_storage(new_id)
    app.storage.user.update(carried)
    store_token(token)


class PageSession:
    """The signed-in user of one page (one client), kept honest against the server-side session.

    The page's live events arrive through this session: ``listen(handler)`` names the page's handler and
    ``follow(topic)`` / ``unfollow(topic)`` choose the topics besides the user's own. Once the session ends
    (``SessionEnded`` for it, expiry, or any check failing) the page is ``ended``: every subscription is cancelled at
    once, every guarded handler refuses, it is sent to /login, and its client is deleted on the server
    ``LEAVE_GRACE`` later (a browser that ignores the navigation keeps nothing open).

    ``check`` (before every guarded UI event) asks the database at most every ``CHECK_EVERY`` seconds, once for all the
    events that arrive while it answers: every way a session ends (logout, another sign-in, a ban, a password change)
    publishes ``SessionEnded`` to its pages right after the commit, on every process, which ends the page before its
    next event; expiry is compared with the clock on every event. The database check catches an end whose event was
    lost (a Redis outage).
    """

    def __init__(self, token: str, info: SessionInfo) -> None:
        self.token = token
        self.info = info
        self.client = context.client
        self._handler: Callable[[LiveEvent], Any] | None = None
        self._listeners: list[Callable[[LiveEvent], Any]] = []
        self.subscriptions = Subscriptions(hub)
        self.follow(user_topic(info.user_id))
        self._checked_at = monotonic()  # ``open`` has just asked the database
        self._asking: asyncio.Future[bool] | None = None

    @property
    def ended(self) -> bool:
        return self.subscriptions.closed

    @classmethod
    async def open(cls, *, admin: bool | None, forced_ok: bool = False) -> PageSession | RedirectResponse:
        """The page's session, or a redirect: to /login when signed out, to the right home for the role (``admin``
        None: any role), to /profile while an admin-reset password must be changed (unless ``forced_ok``)."""
        token = stored_token()
        info = await accounts.current_session(token)
        if info is None:
            forget_token()
            return RedirectResponse(login_url('expired' if token else None))
        if admin is not None and info.is_admin != admin:
            return RedirectResponse('/admin' if info.is_admin else '/')
        if info.must_change_password and not forced_ok:
            return RedirectResponse(PROFILE_PATH)
        return cls(token or '', info)

    def listen(self, handler: Callable[[LiveEvent], Any]) -> None:
        """Hand the page's live events to ``handler`` for as long as the session lasts."""
        self._handler = handler

    def add_listener(self, listener: Callable[[LiveEvent], Any]) -> None:
        """Hand the page's live events to ``listener`` too (page chrome: the header, the announcement banner)."""
        self._listeners.append(listener)

    def follow(self, topic: str) -> None:
        """Receive the events of ``topic`` too (a person's presence, everyone's directory changes, ...)."""
        self.subscriptions.subscribe(topic, self._on_event)

    def unfollow(self, topic: str) -> None:
        self.subscriptions.unsubscribe(topic, self._on_event)

    async def check(self, *, fresh: bool = False) -> bool:
        """Whether the session is still live; a dead one ends the page. The database is asked when the last answer
        is ``CHECK_EVERY`` s old, or when ``fresh`` (the page needs the session's current flags)."""
        if self.ended or self._expired():
            return False
        if not fresh and monotonic() - self._checked_at < CHECK_EVERY:
            return True
        if fresh or self._asking is None or self._asking.done():
            self._asking = asyncio.ensure_future(self._ask())
        return await asyncio.shield(self._asking)  # a waiter that is cancelled leaves the others their answer

    async def _ask(self) -> bool:
        """Ask the database; events that arrive while it answers wait for the same answer (a send is two events)."""
        info = await accounts.current_session(self.token)
        if self.ended:
            return False
        if info is None or info.user_id != self.info.user_id:
            self.leave('expired')
            return False
        self.info = info
        self._checked_at = monotonic()
        return True

    def _expired(self) -> bool:
        """Whether the session has run out by the clock (then the page leaves)."""
        if clock.now() < self.info.expires_at:
            return False
        self.leave('expired')
        return True

    def guarded(self, handler: Callable[P, Any]) -> Callable[P, Awaitable[None]]:
        """Wrap a UI event handler so it runs only while the session is still valid."""

        @functools.wraps(handler)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
            if not await self.check():
                return
            result = handler(*args, **kwargs)
            if isinstance(result, Awaitable):
                await result

        return wrapper

    def guarded_query(self, query: Callable[P, Awaitable[R]], refused: R) -> Callable[P, Awaitable[R]]:
        """Wrap a callback that answers with data (e.g. a search): ``refused`` instead, unless the session is live
        before the query and has not ended by the time it answers."""

        @functools.wraps(query)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if not await self.check():
                return refused
            answer = await query(*args, **kwargs)
            return refused if self.ended else answer

        return wrapper

    def leave(self, notice: str) -> None:
        """End the page now and send it to /login (the stored token stays: it is dead server-side)."""
        if self.ended:
            return
        self.subscriptions.cancel_all()
        presence.drop_session(user_id=self.info.user_id, session_id=self.info.session_id)
        ui.navigate.to(login_url(notice))
        background_tasks.create(self._close_later(), name=f'close ended page {self.client.id}')

    async def _close_later(self) -> None:
        await asyncio.sleep(LEAVE_GRACE)
        if not self.client.is_deleted:
            self.client.delete()

    def _on_event(self, event: LiveEvent) -> Any:
        if self.ended:
            return None
        if isinstance(event, SessionEnded):
            if event.session_id == self.info.session_id:
                self.leave(event.reason)
            return None
        if self._expired():
            return None
        for listener in self._listeners:
            listener(event)
        return self._handler(event) if self._handler is not None else None
