"""Moderation with three people: the admin, A and B, each in their own Chromium context."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from .conftest import ADMIN_SECRET, ChatServer, NewPage
from .helpers import login, path_is, register, set_up_admin, unique_name
from .test_chat import open_chat, send, signed_in


@pytest.fixture
def admin_page(new_page: NewPage, fresh_chat_server: ChatServer) -> Iterator[Page]:
    page = new_page()
    set_up_admin(page, fresh_chat_server.url, ADMIN_SECRET)
    yield page


def test_ban_kicks_hides_and_unban_restores(new_page: NewPage, fresh_chat_server: ChatServer, admin_page: Page) -> None:
    server = fresh_chat_server
    a_name, b_name = unique_name('ban_a'), unique_name('ban_b')
    b = signed_in(new_page, server, b_name)
    a = signed_in(new_page, server, a_name)
    open_chat(a, b_name)
    open_chat(b, a_name)
    send(a, 'before the ban')
    expect(b.get_by_test_id('message')).to_have_count(1)

    admin_page.reload()
    ban = admin_page.get_by_test_id(f'ban-{a_name}')
    expect(ban).to_have_attribute('data-state', 'off')
    ban.click()
    admin_page.get_by_test_id('confirm-ok').click()
    expect(ban).to_have_attribute('data-state', 'on')

    expect(a).to_have_url(path_is('/login'))
    expect(a.get_by_test_id('login-notice')).to_contain_text('banned')
    expect(b.get_by_test_id(f'contact-{a_name}')).to_have_count(0)
    login(a, server.url, a_name, expect_success=False)
    expect(a.get_by_test_id('login-error')).to_contain_text('banned')

    ban.click()
    expect(ban).to_have_attribute('data-state', 'off')
    expect(b.get_by_test_id(f'contact-{a_name}')).to_be_visible()
    login(a, server.url, a_name)
    expect(a.get_by_test_id('contact-list')).to_be_visible()
    expect(admin_page.get_by_test_id('admin-audit')).to_contain_text(f'root banned {a_name}')


def test_mute_live_and_records(new_page: NewPage, fresh_chat_server: ChatServer, admin_page: Page) -> None:
    server = fresh_chat_server
    a_name, b_name = unique_name('mu_a'), unique_name('mu_b')
    signed_in(new_page, server, b_name)
    a = signed_in(new_page, server, a_name)
    open_chat(a, b_name)
    send(a, 'said before mute')
    expect(a.get_by_test_id('message')).to_have_count(1)

    admin_page.reload()
    mute = admin_page.get_by_test_id(f'mute-{a_name}')
    mute.click()
    expect(mute).to_have_attribute('data-state', 'on')
    expect(a.get_by_test_id('muted-banner')).to_be_visible()
    send(a, 'said while muted', accepted=False)
    expect(a.get_by_text('You have been muted by the administrator', exact=False).first).to_be_visible()
    expect(a.get_by_test_id('message')).to_have_count(1)

    admin_page.get_by_test_id(f'view-{a_name}').click()
    records = admin_page.get_by_test_id('admin-messages')
    expect(records).to_contain_text('said before mute')
    expect(records).not_to_contain_text('said while muted')
    expect(admin_page.get_by_test_id(f'view-{a_name}')).to_have_attribute('data-state', 'on')


def test_admin_page_refuses_a_normal_user(new_page: NewPage, chat_server: ChatServer) -> None:
    page = signed_in(new_page, chat_server, unique_name('norm'))
    page.goto(f'{chat_server.url}/admin')
    expect(page).to_have_url(path_is('/'))
    expect(page.get_by_test_id('admin-users')).to_have_count(0)


AWKWARD_NAMES = ['evil😍disable', 'x😍loading', 'y😍hidden', 'x\u0301y', 'नमस्ते']


def test_awkward_names_keep_their_hooks_and_buttons(
    new_page: NewPage, fresh_chat_server: ChatServer, admin_page: Page
) -> None:
    """Names that a props-string parser would turn into ``disable``/``loading``/``hidden``: every hook carries
    exactly the name, and the admin's buttons and the contact rows stay visible and usable."""
    server = fresh_chat_server
    for name in AWKWARD_NAMES:
        register(new_page(), server.url, name)
    watcher = signed_in(new_page, server, unique_name('watch'))
    admin_page.reload()
    for name in AWKWARD_NAMES:
        for action in ('mute', 'ban', 'view'):
            button = admin_page.get_by_test_id(f'{action}-{name}')
            expect(button).to_have_count(1)
            expect(button).to_be_visible()
            expect(button).to_be_enabled()
            expect(button).to_have_attribute('data-state', 'off')
        expect(watcher.get_by_test_id(f'contact-{name}')).to_be_visible()
        expect(watcher.get_by_test_id(f'presence-{name}')).to_have_attribute('data-online', 'false')
    mute = admin_page.get_by_test_id('mute-evil😍disable')
    mute.click()
    expect(mute).to_have_attribute('data-state', 'on')
    open_chat(watcher, 'x😍loading')
