"""Rooms between three people in three real Chromium contexts: lobby, members, live messages with sender names,
live removal, unread counts across reloads and tabs, the tab title, private rooms."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import ChatServer, NewPage
from .helpers import login, register, unique_name
from .test_chat import send, signed_in


def create_room(page: Page, title: str, *, private: bool = False) -> None:
    page.get_by_test_id('new-room').click()
    page.get_by_test_id('room-title').fill(title)
    if private:
        page.get_by_test_id('room-private').click()
        expect(page.get_by_test_id('room-private')).to_have_attribute('data-state', 'on')
    page.get_by_test_id('room-create').click()
    expect(page.get_by_test_id('chat-peer')).to_have_text(title)


def add_member(page: Page, name: str) -> None:
    """Add ``name`` through the open members panel."""
    page.get_by_test_id('add-member-input').fill(name)
    page.get_by_test_id('add-member-submit').click()


def bubble(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id('message').filter(has_text=text)


def test_three_people_in_a_room(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name, c_name = unique_name('ann'), unique_name('ben'), unique_name('cat')
    title, secret = f'Room {unique_name("r")} 学习', f'Secret {unique_name("s")}'
    a = signed_in(new_page, chat_server, a_name)
    b = signed_in(new_page, chat_server, b_name)
    c = signed_in(new_page, chat_server, c_name)

    create_room(a, secret, private=True)
    create_room(a, title)

    b.get_by_test_id('goto-rooms').click()
    expect(b.get_by_test_id('room-directory')).to_be_visible()
    b.get_by_test_id('lobby-search').fill(title[:10])
    row = b.get_by_test_id(f'lobby-{title}')
    expect(row).to_have_attribute('data-members', '1')
    expect(row).to_have_attribute('data-online', '1')
    expect(b.get_by_test_id(f'lobby-{secret}')).to_have_count(0)
    b.get_by_test_id('lobby-search').fill('Secret')
    expect(b.get_by_test_id(f'lobby-{secret}')).to_have_count(0)
    b.get_by_test_id('lobby-search').fill(title[:10])
    b.get_by_test_id(f'join-{title}').click()
    expect(b.get_by_test_id('chat-peer')).to_have_text(title)

    a.get_by_test_id('members-open').click()
    expect(a.get_by_test_id(f'member-{b_name}')).to_have_attribute('data-role', 'member')
    add_member(a, c_name)
    expect(a.get_by_test_id(f'member-{c_name}')).to_be_visible()
    c.get_by_test_id(f'room-{title}').click()
    expect(c.get_by_test_id('chat-peer')).to_have_text(title)

    for sender, text, others in ((a, 'from ann', (b, c)), (b, 'from ben', (a, c)), (c, 'from cat', (a, b))):
        send(sender, text)
        expect(bubble(sender, text)).to_have_attribute('data-mine', 'true')
        for other in others:
            got = bubble(other, text)
            expect(got).to_have_attribute('data-mine', 'false')
            expect(got.get_by_test_id('message-sender')).to_be_visible()
    expect(bubble(b, 'from ann').get_by_test_id('message-sender')).to_contain_text(a_name)
    expect(bubble(a, 'from cat')).to_have_attribute('data-sender', c_name)

    a.get_by_test_id(f'remove-{c_name}').click()
    expect(c.get_by_text(f'You were removed from the room "{title}".')).to_be_visible()
    expect(c.get_by_test_id(f'room-{title}')).to_have_count(0)
    expect(c.get_by_test_id('chat-peer')).to_be_hidden()
    expect(a.get_by_test_id(f'member-{c_name}')).to_have_count(0)

    # b leaves the room's pane (and stays signed in): through the lobby, so the pane's page has surely disconnected
    # (a page that is still connected when a message arrives has seen it) before a sends
    b.get_by_test_id('goto-rooms').click()
    expect(b.get_by_test_id('room-directory')).to_be_visible()
    b.goto(f'{chat_server.url}/')
    expect(b.get_by_test_id(f'room-{title}')).to_have_attribute('data-unread', '0')
    for text in ('one', 'two', 'three'):
        send(a, text)
    expect(b.get_by_test_id(f'room-{title}')).to_have_attribute('data-unread', '3')
    expect(b).to_have_title('(3) NiceChat')
    b.reload()
    expect(b.get_by_test_id(f'room-{title}')).to_have_attribute('data-unread', '3')
    expect(b).to_have_title('(3) NiceChat')
    other_tab = b.context.new_page()
    other_tab.goto(f'{chat_server.url}/')
    expect(other_tab.get_by_test_id(f'room-{title}')).to_have_attribute('data-unread', '3')
    other_tab.get_by_test_id(f'room-{title}').click()
    expect(bubble(other_tab, 'three')).to_be_visible()
    expect(b.get_by_test_id(f'room-{title}')).to_have_attribute('data-unread', '0')
    expect(b).to_have_title(re.compile(r'^NiceChat$'))


def test_owner_renames_and_deletes_and_members_see_it(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name = unique_name('own'), unique_name('mem')
    title = f'Temp {unique_name("t")}'
    a = signed_in(new_page, chat_server, a_name)
    b = new_page()
    register(b, chat_server.url, b_name)
    login(b, chat_server.url, b_name)
    create_room(a, title)
    a.get_by_test_id('members-open').click()
    add_member(a, b_name)
    b.get_by_test_id(f'room-{title}').click()
    expect(b.get_by_test_id('chat-peer')).to_have_text(title)

    renamed = f'{title} renamed'
    a.get_by_test_id('rename-room').click()
    a.get_by_test_id('room-title').fill(renamed)
    a.get_by_test_id('room-create').click()
    expect(b.get_by_test_id('chat-peer')).to_have_text(renamed)
    expect(b.get_by_test_id(f'room-{renamed}')).to_be_visible()

    expect(a.get_by_test_id('room-members')).to_be_visible()
    a.get_by_test_id('delete-room').click()
    a.get_by_test_id('confirm-ok').click()
    expect(b.get_by_text(f'The room "{renamed}" was deleted.')).to_be_visible()
    expect(b.get_by_test_id(f'room-{renamed}')).to_have_count(0)
    expect(a.get_by_test_id(f'room-{renamed}')).to_have_count(0)
