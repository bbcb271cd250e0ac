"""Sign-in sessions in real Chromium: a sign-in never signs in a copy of a cookie from before it, and a page whose
session ended gets nothing more, even when it ignores the way out and keeps its socket open."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip('playwright.sync_api')

from playwright.sync_api import Page, Route, expect

from .conftest import ChatServer, NewPage
from .helpers import login, path_is, register, unique_name
from .test_chat import open_chat, send, signed_in

pytestmark = pytest.mark.browser


def session_cookie(page: Page) -> dict[str, Any]:
    """NiceGUI's signed ``session`` cookie of the page's browser (the key of its server-side storage)."""
    cookies = [cookie for cookie in page.context.cookies() if cookie['name'] == 'session']
    assert len(cookies) == 1, cookies
    return dict(cookies[0])


def give_cookie(page: Page, cookie: dict[str, Any]) -> None:
    page.context.add_cookies([cookie])  # type: ignore[list-item]


def expect_signed_out(page: Page, base_url: str) -> None:
    page.goto(f'{base_url}/')
    expect(page).to_have_url(path_is('/login'))
    expect(page.get_by_test_id('login-username')).to_be_visible()
    expect(page.get_by_test_id('current-user')).to_have_count(0)


def wait_until(page: Page, condition: Callable[[], bool], what: str) -> None:
    """Let Playwright deliver the page's events (route handlers run meanwhile) until ``condition()`` holds."""
    for _ in range(200):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f'{what}: never happened')


@pytest.mark.parametrize('how', ['copied', 'planted'])
def test_a_cookie_from_before_the_sign_in_is_not_signed_in_by_it(
    chat_server: ChatServer, new_page: NewPage, how: str
) -> None:
    base = chat_server.url
    name = unique_name('victim')
    victim, other = new_page(), new_page()
    register(victim, base, name)
    if how == 'copied':  # e.g. read from the victim's browser earlier
        give_cookie(other, session_cookie(victim))
    else:  # the attacker's own cookie, set into the victim's browser before the victim signs in
        other.goto(f'{base}/login')
        give_cookie(victim, session_cookie(other))
    before = session_cookie(victim)['value']

    login(victim, base, name)
    expect(victim.get_by_test_id('current-user')).to_have_text(name)

    expect_signed_out(other, base)
    assert session_cookie(victim)['value'] != before
    victim.reload()
    expect(victim.get_by_test_id('current-user')).to_have_text(name)


def test_a_cookie_copied_before_a_logout_stays_signed_out_after_the_next_sign_in(
    chat_server: ChatServer, new_page: NewPage
) -> None:
    base = chat_server.url
    name = unique_name('again')
    victim, other = new_page(), new_page()
    register(victim, base, name)
    login(victim, base, name)
    give_cookie(other, session_cookie(victim))
    other.goto(f'{base}/')
    expect(other.get_by_test_id('current-user')).to_have_text(name)  # a copy of a live cookie: what logout ends

    victim.get_by_test_id('logout').click()
    expect(victim).to_have_url(path_is('/login'))
    expect_signed_out(other, base)

    login(victim, base, name)
    expect(victim.get_by_test_id('current-user')).to_have_text(name)
    expect_signed_out(other, base)
    victim.reload()
    expect(victim.get_by_test_id('current-user')).to_have_text(name)


@pytest.mark.parametrize('how', ['replaced', 'logout'])
def test_an_ended_page_that_ignores_the_way_out_gets_nothing_more(
    chat_server: ChatServer, new_page: NewPage, how: str
) -> None:
    base = chat_server.url
    a_name, b_name = unique_name('ha'), unique_name('hb')
    b = signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, a_name)
    open_chat(a, b_name)
    open_chat(b, a_name)
    send(b, 'before the end')
    expect(a.get_by_test_id('message').filter(has_text='before the end')).to_have_count(1)

    told: list[str] = []

    def stay(route: Route) -> None:
        """A hostile browser: it is told to go to /login, and stays (a 204 answer keeps the current page)."""
        told.append(route.request.url)
        route.fulfill(status=204)

    a.route(re.compile(r'/login'), stay)
    if how == 'replaced':  # A signs in on another device
        control = new_page()
        login(control, base, a_name)
    else:  # A signs out in another tab of the same browser (and signs in there again, below)
        control = a.context.new_page()
        control.goto(f'{base}/')
        control.get_by_test_id('logout').click()
    wait_until(a, lambda: bool(told), 'the ended page was told to leave')
    assert told[0].endswith(f'/login?notice={how}'), told

    # At once (the server closes the ended page a few seconds later): the contact filter answers nothing.
    a.get_by_placeholder('Search chats and people').fill(b_name)
    expect(a.get_by_test_id(f'contact-{b_name}')).to_have_count(0)

    if how == 'logout':
        expect(control).to_have_url(path_is('/login'))
        login(control, base, a_name)
    open_chat(control, b_name)
    send(b, 'after the end')
    expect(control.get_by_test_id('message').filter(has_text='after the end')).to_have_count(1)
    a.wait_for_timeout(500)  # a push to the ended page would have arrived with the one to the live page
    expect(a.get_by_test_id('message').filter(has_text='after the end')).to_have_count(0)

    # The server then deletes the ended page's client: the hostile page is left with nothing.
    expect(a.get_by_test_id('contact-list')).to_have_count(0)
    expect(a.get_by_test_id('message')).to_have_count(0)
    expect(a).not_to_have_url(path_is('/login'))
