"""Page tests run main.py in NiceGUI's simulated user environment against a fresh SQLite database."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from nicegui import context
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


async def submit_login(user: User) -> None:
    """Click sign-in and wait until the page has handled the attempt (the button's spinner came and went)."""
    user.find('login-submit').click()
    seen_busy = False
    for _ in range(250):
        busy = any('loading' in button.props for button in user.find('login-submit').elements)
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
