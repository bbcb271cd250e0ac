"""Two people chatting in two real Chromium contexts against a real server."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from .conftest import ChatServer, NewPage
from .helpers import login, register, unique_name


def signed_in(new_page: NewPage, server: ChatServer, name: str, **kwargs: object) -> Page:
    page = new_page(**kwargs)
    register(page, server.url, name)
    login(page, server.url, name)
    expect(page.get_by_test_id('contact-list')).to_be_visible()
    return page


def open_chat(page: Page, peer: str) -> None:
    page.get_by_test_id(f'contact-{peer}').click()
    expect(page.get_by_test_id('chat-peer')).to_have_text(peer)


def send(page: Page, text: str, *, accepted: bool = True) -> None:
    """Type and press Enter; an accepted message empties the box (as a person sees before typing the next)."""
    page.get_by_test_id('chat-input').fill(text)
    page.get_by_test_id('chat-input').press('Enter')
    if accepted:
        expect(page.get_by_test_id('chat-input')).to_have_value('')


def test_live_messages_both_ways(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name = unique_name('ann'), unique_name('ben')
    b = signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, a_name)
    expect(b.get_by_test_id(f'contact-{a_name}')).to_be_visible()
    expect(b.get_by_test_id(f'presence-{a_name}')).to_have_attribute('data-online', 'true')
    open_chat(a, b_name)
    open_chat(b, a_name)

    started = time.monotonic()
    send(a, 'hello 你好 😀')
    bubble = b.get_by_test_id('message').filter(has_text='hello 你好 😀')
    expect(bubble).to_have_count(1, timeout=2000)
    print(f'delivered A -> B in {1000 * (time.monotonic() - started):.0f} ms')
    expect(bubble).to_have_attribute('data-mine', 'false')
    expect(bubble).to_have_attribute('data-kind', 'text')
    expect(a.get_by_test_id('message').filter(has_text='hello 你好 😀')).to_have_attribute('data-mine', 'true')
    expect(a.get_by_test_id('chat-input')).to_have_value('')

    b.get_by_test_id('chat-input').fill('hi there')
    b.get_by_test_id('chat-send').click()
    answer = a.get_by_test_id('message').filter(has_text='hi there')
    expect(answer).to_have_attribute('data-mine', 'false', timeout=2000)
    expect(a.get_by_test_id('message')).to_have_count(2)
    expect(b.get_by_test_id('message')).to_have_count(2)

    a.reload()
    open_chat(a, b_name)
    expect(a.get_by_test_id('message')).to_have_count(2)


def test_html_in_messages_stays_text(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name = unique_name('xa'), unique_name('xb')
    b = signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, a_name)
    open_chat(a, b_name)
    open_chat(b, a_name)
    payload = '<img src=x onerror=alert(1)>'
    dialogs: list[str] = []
    b.on('dialog', lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    send(a, payload)
    expect(b.get_by_test_id('message').filter(has_text=payload)).to_have_count(1)
    assert b.locator('img[src="x"]').count() == 0
    assert a.locator('img[src="x"]').count() == 0
    b.get_by_test_id('search-input').fill('img')
    b.get_by_test_id('search-submit').click()
    expect(b.get_by_test_id('search-count')).to_be_visible()
    expect(b.locator('mark')).to_have_text('img')
    assert b.locator('img[src="x"]').count() == 0
    assert dialogs == []


def test_search_highlights_and_counts(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name = unique_name('sa'), unique_name('sb')
    signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, a_name)
    open_chat(a, b_name)
    for text in ('Meeting at 10', 'no MEETING today', '我爱苹果', '100% sure', 'nothing'):
        send(a, text)
        expect(a.get_by_test_id('message').filter(has_text=text)).to_have_count(1)
    a.get_by_test_id('search-input').fill('meeting')
    a.get_by_test_id('search-submit').click()
    expect(a.get_by_test_id('search-count')).to_contain_text('2')
    expect(a.locator('mark')).to_have_text(['MEETING', 'Meeting'])
    a.get_by_test_id('search-input').fill('苹')
    a.get_by_test_id('search-input').press('Enter')
    expect(a.locator('mark')).to_have_text(['苹'])
    a.get_by_test_id('search-input').fill('%')
    a.get_by_test_id('search-submit').click()
    expect(a.locator('mark')).to_have_text(['%'])
    a.get_by_test_id('search-input').fill('zebra')
    a.get_by_test_id('search-submit').click()
    expect(a.get_by_test_id('search-empty')).to_have_text("No messages containing 'zebra'")
    a.get_by_test_id('search-input').fill('')
    expect(a.get_by_test_id('search-empty')).to_be_hidden()
    expect(a.get_by_test_id('message')).to_have_count(5)


def test_clear_history_empties_both_panes(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name = unique_name('ca'), unique_name('cb')
    b = signed_in(new_page, chat_server, b_name, locale='zh-CN')
    a = signed_in(new_page, chat_server, a_name)
    open_chat(a, b_name)
    open_chat(b, a_name)
    send(a, 'forget me')
    expect(b.get_by_test_id('message')).to_have_count(1)
    b.get_by_test_id('clear-history').click()
    expect(b.get_by_text(f'确定要清空与{a_name}的所有聊天记录吗？此操作不可恢复！')).to_be_visible()
    b.get_by_test_id('confirm-cancel').click()
    expect(b.get_by_test_id('message')).to_have_count(1)
    b.get_by_test_id('clear-history').click()
    b.get_by_test_id('confirm-ok').click()
    expect(b.get_by_test_id('message')).to_have_count(0)
    expect(a.get_by_test_id('message')).to_have_count(0)
    expect(b.get_by_text('聊天记录已清空').first).to_be_visible()
    expect(a.get_by_text('Chat history cleared').first).to_be_visible()
    a.reload()
    open_chat(a, b_name)
    expect(a.get_by_test_id('message')).to_have_count(0)


def test_presence_and_logout(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name = unique_name('pa'), unique_name('pb')
    b = signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, a_name)
    dot = b.get_by_test_id(f'presence-{a_name}')
    expect(dot).to_have_attribute('data-online', 'true')
    a.reload()
    expect(a.get_by_test_id('contact-list')).to_be_visible()
    expect(dot).to_have_attribute('data-online', 'true')
    a.get_by_test_id('logout').click()
    expect(a.get_by_test_id('login-notice')).to_be_visible()
    expect(dot).to_have_attribute('data-online', 'false')


def test_phone_layout_one_column_at_a_time(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name = unique_name('ma'), unique_name('mb')
    signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, a_name, width=390, height=844)
    expect(a.get_by_test_id('chat-input')).to_be_hidden()
    open_chat(a, b_name)
    expect(a.get_by_test_id('chat-input')).to_be_visible()
    expect(a.get_by_test_id('contact-list')).to_be_hidden()


@pytest.mark.parametrize('seconds', [1.5, 5.0])
def test_messages_sent_during_a_connection_drop_arrive_once(
    new_page: NewPage, chat_server: ChatServer, seconds: float
) -> None:
    """A short drop is bridged by the websocket's resend; a long one (client gone) reloads into the same chat."""
    a_name, b_name = unique_name('ra'), unique_name('rb')
    b = signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, a_name)
    open_chat(a, b_name)
    open_chat(b, a_name)
    send(a, 'before the drop')
    expect(b.get_by_test_id('message')).to_have_count(1)
    b.context.set_offline(True)
    for i in range(3):
        send(a, f'while offline {i}')
    expect(a.get_by_test_id('message')).to_have_count(4)
    b.wait_for_timeout(seconds * 1000)
    assert b.get_by_test_id('message').count() == 1
    b.context.set_offline(False)
    for i in range(3):
        expect(b.get_by_test_id('message').filter(has_text=f'while offline {i}')).to_have_count(1)
    expect(b.get_by_test_id('message')).to_have_count(4)
    b.wait_for_timeout(1000)
    expect(b.get_by_test_id('message')).to_have_count(4)


def test_a_draft_stays_with_its_conversation_across_a_switch_and_a_reload(
    new_page: NewPage, chat_server: ChatServer
) -> None:
    a_name, b_name, c_name = unique_name('dra'), unique_name('drb'), unique_name('drc')
    b = signed_in(new_page, chat_server, b_name)
    c = signed_in(new_page, chat_server, c_name)
    a = signed_in(new_page, chat_server, a_name)
    open_chat(c, a_name)
    open_chat(a, b_name)
    a.get_by_test_id('chat-input').fill('for b, not sent yet <i>')
    open_chat(a, c_name)
    expect(a.get_by_test_id('chat-input')).to_have_value('')
    a.get_by_test_id('chat-input').fill('半句话 for c')
    expect(c.get_by_test_id('typing-indicator')).to_be_visible()  # the server has the text
    a.reload()  # no switch since typing: the draft was saved while typing, or as the page went
    open_chat(a, c_name)
    expect(a.get_by_test_id('chat-input')).to_have_value('半句话 for c')
    open_chat(a, b_name)
    expect(a.get_by_test_id('chat-input')).to_have_value('for b, not sent yet <i>')
    a.get_by_test_id('chat-input').press('Enter')
    open_chat(b, a_name)
    expect(b.get_by_test_id('message').filter(has_text='for b, not sent yet <i>')).to_have_count(1)
    expect(b.get_by_test_id('chat-input')).to_have_value('')
    a.reload()
    open_chat(a, b_name)
    expect(a.get_by_test_id('message')).to_have_count(1)
    expect(a.get_by_test_id('chat-input')).to_have_value('')


def test_text_typed_before_the_page_has_connected_is_kept_and_sent(new_page: NewPage, chat_server: ChatServer) -> None:
    """A person types into a page that has just loaded (a reload, a failover) before its socket is up; once it
    connects, nothing from the server may put back the empty box the page was built with."""
    a_name, b_name = unique_name('eta'), unique_name('etb')
    b = signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, a_name)
    open_chat(b, a_name)
    open_chat(a, b_name)
    expect(a).to_have_url(re.compile(r'.*[?]c=[0-9]+$'))
    held: list[WebSocketRoute] = []
    a.route_web_socket(re.compile(r'.*/_nicegui_ws/.*'), lambda socket: held.append(socket))
    a.reload(wait_until='commit')
    a.get_by_test_id('chat-input').fill('typed before the socket 早')
    assert len(held) == 1, 'the reloaded page opened its socket'
    held[0].connect_to_server()
    b.get_by_test_id('chat-input').fill('are you back?')
    b.get_by_test_id('chat-input').press('Enter')
    expect(a.get_by_test_id('message').filter(has_text='are you back?')).to_have_count(1)  # connected, caught up
    expect(a.get_by_test_id('chat-input')).to_have_value('typed before the socket 早')
    a.get_by_test_id('chat-input').press('Enter')
    expect(b.get_by_test_id('message').filter(has_text='typed before the socket 早')).to_have_count(1)
    expect(a.get_by_test_id('chat-input')).to_have_value('')


def test_a_tab_that_did_not_type_leaves_the_other_tabs_draft_alone(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name, c_name = unique_name('tta'), unique_name('ttb'), unique_name('ttc')
    b = signed_in(new_page, chat_server, b_name)
    signed_in(new_page, chat_server, c_name)
    first = signed_in(new_page, chat_server, a_name)
    second = first.context.new_page()  # a second tab of the same browser: the same cookies and browser storage
    second.goto(chat_server.url + '/')
    expect(second.get_by_test_id('contact-list')).to_be_visible()
    open_chat(first, b_name)
    open_chat(second, b_name)
    open_chat(b, a_name)
    first.get_by_test_id('chat-input').fill('typed in the first tab')
    expect(b.get_by_test_id('typing-indicator')).to_be_visible()  # the server has the text
    open_chat(second, c_name)  # its input for B was never touched there: it must not overwrite the draft
    open_chat(second, b_name)
    expect(second.get_by_test_id('chat-input')).to_have_value('typed in the first tab')
    second.reload()
    open_chat(second, b_name)
    expect(second.get_by_test_id('chat-input')).to_have_value('typed in the first tab')
