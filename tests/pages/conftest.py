"""Page tests run main.py in NiceGUI's simulated user environment against a fresh SQLite database."""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path
from typing import Any

import pytest
from nicegui import ElementFilter, context, ui
from nicegui.testing import User

from db.engine import session_scope
from db.throttle import get_throttle

ADMIN_SECRET = 'test-admin-secret'


@pytest.fixture(autouse=True)
def app_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CHAT_DATA_DIR', str(tmp_path / 'data'))
    monkeypatch.delenv('DATABASE_URL', raising=False)
    monkeypatch.delenv('UPLOAD_DIR', raising=False)
    monkeypatch.setenv('INIT_ADMIN_SECRET', ADMIN_SECRET)
    monkeypatch.setenv('STORAGE_SECRET', 'test-storage-secret')
    monkeypatch.setenv('CHAT_LANGUAGE', 'en')


async def register(user: User, name: str, password: str = 'secret123') -> None:
    await user.open('/register')
    user.find('register-username').type(name)
    user.find('register-password').type(password)
    user.find('register-password2').type(password)
    user.find('register-submit').click()
    await user.should_see('login-notice', retries=50)


async def login(user: User, name: str, password: str = 'secret123') -> None:
    await user.open('/login')
    user.find('login-username').type(name)
    user.find('login-password').type(password)
    user.find('login-submit').click()


async def fail_login(user: User, name: str, attempt: int) -> None:
    """Submit a wrong password on the open login page (opening it first) and wait until the server has
    counted it as failure number ``attempt``."""
    if attempt == 1:
        await login(user, name, 'wrong123')
    else:
        user.find('login-password').type('wrong123')
        user.find('login-submit').click()
    for _ in range(250):
        with session_scope() as db:
            row = get_throttle(db, name_key=name)
        busy = any('loading' in button.props for button in user.find('login-submit').elements)
        if row is not None and row.failures >= attempt and not busy:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f'failure {attempt} for {name} was not recorded')


async def submit_login(user: User, button_id: str = 'login-submit') -> None:
    """Click sign-in (or ``button_id``) and wait until the page has handled the attempt (the button's spinner came
    and went)."""
    user.find(button_id).click()
    seen_busy = False
    for _ in range(250):
        busy = any('loading' in button.props for button in user.find(button_id).elements)
        seen_busy = seen_busy or busy
        if seen_busy and not busy:
            return
        await asyncio.sleep(0.01)


class ClientRoutedNavigate:
    """NiceGUI's simulated users share one global ``ui.navigate``; this one sends each navigation to the
    simulated user whose page (client) asked for it, so a push to one user cannot move another."""

    def __init__(self, users: list[User]) -> None:
        self.originals = [(user, user.navigate) for user in users]

    def __getattr__(self, name: str) -> Any:
        try:
            client = context.client
        except RuntimeError:
            client = None
        for user, navigate in self.originals:
            if user.client is client:
                return getattr(navigate, name)
        return getattr(self.originals[0][1], name)


def route_navigation(*users: User) -> None:
    router = ClientRoutedNavigate(list(users))
    for user in users:
        object.__setattr__(user, 'navigate', router)


def contact_rows(user: User) -> list[dict[str, Any]]:
    """The rows of the simulated user's contact list (the table's data, as the browser draws it)."""
    with user:
        tables = [element for element in ElementFilter(marker='contact-list', local_scope=False)]
    return list(tables[0].props['rows']) if tables else []


def open_contact(user: User, name: str) -> None:
    """Click the contact row of ``name``, the way the browser reports it (``rowClick`` with the row's id)."""
    rows = [row for row in contact_rows(user) if row['name'] == name]
    assert rows, f'{name} is not in the contact list'
    user.find('contact-list').trigger('rowClick', [{}, {'id': rows[0]['id']}])


def contact_row(user: User, name: str) -> dict[str, Any] | None:
    return next((row for row in contact_rows(user) if row['name'] == name), None)


async def sees_contact(user: User, name: str, *, present: bool = True) -> None:
    """Wait until ``name`` is (or is not) a row of the user's contact list."""
    for _ in range(250):
        if (contact_row(user, name) is not None) == present:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f'{name} {"missing from" if present else "still in"} {contact_rows(user)}')


TAG = re.compile(r'<[^>]+>')


def rendered_html(user: User) -> list[str]:
    """The content of every visible server-built HTML element on the user's page."""
    with user:
        return [element.content for element in ElementFilter(kind=ui.html, local_scope=False) if element.visible]


def message_rows(user: User) -> list[dict[str, Any]]:
    """The rows of every bubble in the open conversation's window, oldest first (the data the browser draws)."""
    with user:
        scrolls = [e for e in ElementFilter(marker='message-list', local_scope=False)]
    rows: list[dict[str, Any]] = []
    for scroll in scrolls:
        chunks = [child for child in scroll.default_slot.children if 'chat-chunk' in child.classes]
        for chunk in reversed(chunks):
            rows += chunk.props['rows']
    return rows


def rendered_text(user: User) -> str:
    """What the user reads: server-built HTML (tags dropped, entities decoded) and the bubbles' own text."""
    bubbles_text = ' '.join(' '.join(str(row.get(key, '')) for key in ('n', 'b', 'fn')) for row in message_rows(user))
    return html.unescape(TAG.sub(' ', ' '.join(rendered_html(user)))) + ' ' + bubbles_text


def bubbles(user: User) -> list[tuple[str, str]]:
    """(data-mine, text) of each text bubble in the open conversation, oldest first."""
    return [('true' if row['m'] else 'false', row['b']) for row in message_rows(user) if row['k'] == 'text']


def room_bubbles(user: User) -> list[tuple[str, str, str]]:
    """(data-mine, the sender named above the bubble or '', text) of each text bubble, oldest first."""
    return [
        ('true' if row['m'] else 'false', row.get('n', ''), row['b'])
        for row in message_rows(user)
        if row['k'] == 'text'
    ]


async def sees_text(user: User, text: str, *, present: bool = True) -> None:
    for _ in range(100):
        if (text in rendered_text(user)) == present:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f'{text!r} {"not shown" if present else "still shown"}: {rendered_text(user)[:500]}')


def copy_cookies(source: User, target: User) -> None:
    """Give ``target`` a copy of every cookie ``source`` holds (NiceGUI's signed ``session`` cookie included)."""
    for cookie in source.http_client.cookies.jar:
        target.http_client.cookies.jar.set_cookie(cookie)


def session_cookie(user: User) -> str | None:
    return user.http_client.cookies.get('session')


class IgnoredNavigation:
    """The navigation of a simulated browser that, once ``ignoring`` is set, ignores the server's instructions (a
    hostile client keeping its page and socket): each target is recorded in ``ignored`` and not followed."""

    def __init__(self, user: User) -> None:
        self.original = user.navigate
        self.ignoring = False
        self.ignored: list[str] = []
        object.__setattr__(user, 'navigate', self)

    def to(self, target: Any, new_tab: bool = False) -> None:
        if self.ignoring:
            self.ignored.append(str(target))
        else:
            self.original.to(target, new_tab)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


async def until(condition: Any, what: str = 'condition') -> None:
    """Wait until ``condition()`` is true (the page's work is asynchronous)."""
    for _ in range(250):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f'{what} never became true')


async def never(condition: Any, what: str = 'condition') -> None:
    """Let the page work for a while (many event-loop turns) and fail if ``condition()`` ever becomes true."""
    for _ in range(25):
        assert not condition(), what
        await asyncio.sleep(0.02)
