"""Accounts in a real browser against a real server: register, sign in and out, single device, CAPTCHA,
admin bootstrap, admin-only pages, language and the data-testid contract (SPEC section 4)."""

from __future__ import annotations

import re

import pytest

pytest.importorskip('playwright.sync_api')

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_SECRET, ChatServer, NewPage
from tests.e2e.helpers import fill_login, login, path_is, register, unique_name

pytestmark = pytest.mark.browser


def test_register_login_logout(chat_server: ChatServer, new_page: NewPage) -> None:
    page = new_page()
    name = unique_name('alice')
    register(page, chat_server.url, name)
    login(page, chat_server.url, name)
    expect(page).to_have_url(path_is('/'))
    expect(page.get_by_test_id('current-user')).to_have_text(name)

    page.get_by_test_id('logout').click()
    expect(page).to_have_url(path_is('/login'))
    expect(page.get_by_test_id('login-notice')).to_be_visible()

    page.goto(f'{chat_server.url}/')
    expect(page).to_have_url(path_is('/login'))
    expect(page.get_by_test_id('login-username')).to_be_visible()
    expect(page.get_by_test_id('current-user')).to_have_count(0)


def test_second_device_kicks_the_first_live(chat_server: ChatServer, new_page: NewPage) -> None:
    name = unique_name('bob')
    first, second = new_page(), new_page()
    register(first, chat_server.url, name)
    login(first, chat_server.url, name)
    expect(first.get_by_test_id('current-user')).to_have_text(name)
    navigations: list[str] = []
    first.on('framenavigated', lambda frame: navigations.append(frame.url) if frame == first.main_frame else None)

    login(second, chat_server.url, name)
    expect(second.get_by_test_id('current-user')).to_have_text(name)

    # No reload on the first page: the server pushes it to /login at once.
    expect(first).to_have_url(path_is('/login'))
    notice = first.get_by_test_id('login-notice')
    expect(notice).to_be_visible()
    expect(notice).to_contain_text('another device')
    assert navigations and all('/login' in url for url in navigations), navigations

    # The second device is still signed in.
    second.reload()
    expect(second.get_by_test_id('current-user')).to_have_text(name)


def _fail_three_times(page: Page, base_url: str, name: str) -> list[str]:
    """Submit a wrong password three times; return the error text shown after each attempt."""
    page.goto(f'{base_url}/login')
    password = page.get_by_test_id('login-password')
    error = page.get_by_test_id('login-error')
    messages = []
    for _ in range(3):
        fill_login(page, name, 'wrong123')
        expect(password).to_have_value('')  # the server clears it once it has handled the attempt
        expect(error).to_be_visible()
        messages.append(error.inner_text())
    return messages


def test_captcha_after_three_failures_without_user_enumeration(chat_server: ChatServer, new_page: NewPage) -> None:
    existing = unique_name('carol')
    page = new_page()
    register(page, chat_server.url, existing)
    expect(page.get_by_test_id('login-captcha')).not_to_be_visible()

    existing_messages = _fail_three_times(page, chat_server.url, existing)
    captcha = page.get_by_test_id('login-captcha')
    expect(captcha).to_be_visible()
    expect(captcha).to_be_editable()
    picture = page.locator('img[src^="data:image/png"]')
    expect(picture).to_have_count(1)
    expect(picture).to_be_visible()

    other = new_page()
    made_up_messages = _fail_three_times(other, chat_server.url, unique_name('nobody'))
    expect(other.get_by_test_id('login-captcha')).to_be_visible()

    assert existing_messages == made_up_messages, (existing_messages, made_up_messages)
    for message in existing_messages:
        assert message.strip()
        assert not re.search(r'not exist|no such|unknown|not found|不存在', message, re.IGNORECASE), message


def test_init_admin_once(fresh_chat_server: ChatServer, new_page: NewPage) -> None:
    base = fresh_chat_server.url
    page = new_page()
    page.goto(f'{base}/init_admin')
    for testid in ('init-secret', 'init-username', 'init-password', 'init-submit'):
        expect(page.get_by_test_id(testid)).to_be_visible()
    expect(page.get_by_test_id('init-error')).not_to_be_visible()
    expect(page.get_by_test_id('init-closed')).to_have_count(0)

    page.get_by_test_id('init-secret').fill('not-the-secret')
    page.get_by_test_id('init-username').fill('root')
    page.get_by_test_id('init-password').fill('admin123')
    page.get_by_test_id('init-submit').click()
    expect(page.get_by_test_id('init-error')).to_be_visible()
    expect(page.get_by_test_id('init-error')).to_contain_text('secret')
    expect(page).to_have_url(path_is('/init_admin'))

    page.get_by_test_id('init-secret').fill(ADMIN_SECRET)
    page.get_by_test_id('init-submit').click()
    expect(page).to_have_url(path_is('/login'))
    expect(page.get_by_test_id('login-notice')).to_be_visible()

    login(page, base, 'root', 'admin123')
    expect(page).to_have_url(path_is('/admin'))
    expect(page.get_by_test_id('admin-users')).to_be_visible()
    expect(page.get_by_test_id('current-user')).to_have_text('root')

    for visitor in (page, new_page()):
        visitor.goto(f'{base}/init_admin')
        expect(visitor.get_by_test_id('init-closed')).to_be_visible()
        expect(visitor.get_by_test_id('init-secret')).to_have_count(0)
        expect(visitor.get_by_test_id('init-submit')).to_have_count(0)


def test_admin_page_refuses_normal_users_and_visitors(chat_server: ChatServer, new_page: NewPage) -> None:
    visitor = new_page()
    visitor.goto(f'{chat_server.url}/admin')
    expect(visitor).to_have_url(path_is('/login'))
    expect(visitor.get_by_test_id('admin-users')).to_have_count(0)

    page = new_page()
    name = unique_name('dave')
    register(page, chat_server.url, name)
    login(page, chat_server.url, name)
    page.goto(f'{chat_server.url}/admin')
    expect(page).to_have_url(path_is('/'))
    expect(page.get_by_test_id('current-user')).to_have_text(name)
    expect(page.get_by_test_id('admin-users')).to_have_count(0)


@pytest.mark.parametrize(
    ('locale', 'submit', 'goto_register', 'username_label'),
    [('zh-CN', '登录', '立即注册', '用户名'), ('en-US', 'Sign in', 'Create one', 'Username')],
)
def test_language_follows_the_browser(
    chat_server: ChatServer, new_page: NewPage, locale: str, submit: str, goto_register: str, username_label: str
) -> None:
    page = new_page(locale=locale)
    page.goto(f'{chat_server.url}/login')
    expect(page.get_by_test_id('login-submit')).to_have_text(submit)
    expect(page.get_by_test_id('goto-register')).to_have_text(goto_register)
    expect(page.get_by_label(username_label)).to_be_visible()
    if locale == 'zh-CN':
        expect(page.locator('body')).not_to_contain_text('Sign in')
    else:
        expect(page.locator('body')).not_to_contain_text('登录')


def test_data_testid_contract_of_the_sign_in_pages(chat_server: ChatServer, new_page: NewPage) -> None:
    base = chat_server.url
    page = new_page()

    page.goto(f'{base}/login')
    for testid in ('login-username', 'login-password', 'login-submit', 'goto-register'):
        expect(page.get_by_test_id(testid)).to_be_visible()
    for testid in ('login-username', 'login-password'):
        expect(page.get_by_test_id(testid)).to_have_js_property('tagName', 'INPUT')
    expect(page.get_by_test_id('login-notice')).to_have_count(0)  # only with a notice
    expect(page.get_by_test_id('login-captcha')).not_to_be_visible()  # only when required
    expect(page.get_by_test_id('login-error')).not_to_be_visible()
    page.get_by_test_id('login-submit').click()
    expect(page.get_by_test_id('login-error')).to_be_visible()
    page.get_by_test_id('goto-register').click()
    expect(page).to_have_url(path_is('/register'))

    for testid in ('register-username', 'register-password', 'register-password2', 'register-submit'):
        expect(page.get_by_test_id(testid)).to_be_visible()
    expect(page.get_by_test_id('register-error')).not_to_be_visible()
    page.get_by_test_id('register-submit').click()
    expect(page.get_by_test_id('register-error')).to_be_visible()

    page.goto(f'{base}/login?notice=logout')
    expect(page.get_by_test_id('login-notice')).to_be_visible()

    # /init_admin on a server without an admin (this module's server never creates one).
    page.goto(f'{base}/init_admin')
    for testid in ('init-secret', 'init-username', 'init-password', 'init-submit'):
        expect(page.get_by_test_id(testid)).to_be_visible()
    expect(page.get_by_test_id('init-closed')).to_have_count(0)
    page.get_by_test_id('init-submit').click()
    expect(page.get_by_test_id('init-error')).to_be_visible()


def test_html_in_username_is_refused_and_never_rendered(chat_server: ChatServer, new_page: NewPage) -> None:
    page = new_page()
    dialogs: list[str] = []
    page.on('dialog', lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    hostile = '<img src=x onerror=alert(1)>'
    register(page, chat_server.url, hostile, expect_success=False)
    expect(page.get_by_test_id('register-error')).to_be_visible()
    expect(page).to_have_url(path_is('/register'))
    expect(page.get_by_test_id('register-username')).to_have_value(hostile)
    expect(page.locator('img[src="x"]')).to_have_count(0)
    assert dialogs == []
