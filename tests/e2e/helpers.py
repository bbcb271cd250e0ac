"""Plain helpers for the browser tests (synchronous Playwright)."""

from __future__ import annotations

import itertools
import os
import re
import uuid

from playwright.sync_api import Page, expect

DEFAULT_PASSWORD = 'secret123'
_counter = itertools.count()
_run = uuid.uuid4().hex[:4]


def unique_name(prefix: str = 'u') -> str:
    """A short username (<= 32 chars; letters, digits and _) unique across tests sharing one server."""
    clean = re.sub(r'[^A-Za-z0-9_]', '', prefix)[:16] or 'u'
    name = f'{clean}_{_run}{os.getpid() % 1000}{next(_counter)}'
    assert len(name) <= 32, name
    return name


def path_is(*paths: str) -> re.Pattern[str]:
    """A URL pattern matching any of ``paths`` on any host, with or without a query string."""
    alternatives = '|'.join(re.escape(path) for path in paths)
    return re.compile(rf'^https?://[^/]+(?:{alternatives})(?:\?.*)?$')


def register(
    page: Page, base_url: str, name: str, password: str = DEFAULT_PASSWORD, *, expect_success: bool = True
) -> None:
    """Fill and submit /register; by default wait until the app has sent us to /login with its notice."""
    page.goto(f'{base_url}/register')
    page.get_by_test_id('register-username').fill(name)
    page.get_by_test_id('register-password').fill(password)
    page.get_by_test_id('register-password2').fill(password)
    page.get_by_test_id('register-submit').click()
    if expect_success:
        expect(page).to_have_url(path_is('/login'))
        expect(page.get_by_test_id('login-notice')).to_be_visible()


def login(
    page: Page, base_url: str, name: str, password: str = DEFAULT_PASSWORD, *, expect_success: bool = True
) -> None:
    """Open /login, fill and submit it; by default wait until the app has left /login (for / or /admin)."""
    page.goto(f'{base_url}/login')
    fill_login(page, name, password)
    if expect_success:
        expect(page).to_have_url(path_is('/', '/admin'))


def set_up_admin(page: Page, base_url: str, secret: str, name: str = 'root', password: str = 'admin123') -> None:
    """Create the site admin through /init_admin, then sign in as them (the app lands on /admin)."""
    page.goto(f'{base_url}/init_admin')
    page.get_by_test_id('init-secret').fill(secret)
    page.get_by_test_id('init-username').fill(name)
    page.get_by_test_id('init-password').fill(password)
    page.get_by_test_id('init-submit').click()
    expect(page.get_by_test_id('login-notice')).to_be_visible()
    login(page, base_url, name, password)
    expect(page).to_have_url(path_is('/admin'))


def fill_login(page: Page, name: str, password: str) -> None:
    """Fill and submit the login form already open on ``page``."""
    page.get_by_test_id('login-username').fill(name)
    page.get_by_test_id('login-password').fill(password)
    page.get_by_test_id('login-submit').click()
