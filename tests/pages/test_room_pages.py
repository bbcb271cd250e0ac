"""Rooms in the page (NiceGUI's simulated users): create, lobby, join, members panel, live removal, unread counts."""

import asyncio
from collections.abc import Callable
from typing import Any

from nicegui import ElementFilter
from nicegui.testing import User

from chat_ui.services import accounts

from .conftest import contact_rows, login, room_bubbles, route_navigation


async def people(user: User, create_user: Callable[[], User], *names: str) -> list[User]:
    users = [user, *[create_user() for _ in names[1:]]]
    route_navigation(*users)
    for person, name in zip(users, names, strict=True):
        await accounts.register(name, 'secret123', 'secret123')
        await login(person, name)
        await person.should_see('contact-list', retries=30)
    return users


def sidebar_row(user: User, title: str) -> dict[str, Any] | None:
    return next((row for row in contact_rows(user) if row['name'] == title), None)


async def eventually(check: Callable[[], bool], what: str) -> None:
    for _ in range(250):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(what)


def table_rows(user: User, marker: str) -> list[dict[str, Any]]:
    with user:
        tables = [e for e in ElementFilter(marker=marker, local_scope=False)]
    return list(tables[0].props['rows']) if tables else []


async def create_room(user: User, title: str, *, private: bool = False) -> None:
    user.find('new-room').click()
    await user.should_see('room-title', retries=30)
    user.find('room-title').type(title)
    if private:
        user.find('room-private').click()
    user.find('room-create').click()
    await eventually(lambda: sidebar_row(user, title) is not None, f'{title} not in the sidebar')
    await user.should_not_see('room-title', retries=50)


def open_row(user: User, title: str) -> None:
    row = sidebar_row(user, title)
    assert row is not None, f'{title} not in {contact_rows(user)}'
    user.find('contact-list').trigger('rowClick', [{}, {'id': row['id']}])


async def send(user: User, text: str) -> None:
    user.find('chat-input').type(text)
    user.find('chat-send').click()


async def open_members(user: User) -> None:
    user.find('members-open').click()
    await user.should_see('room-members', retries=30)


async def test_room_from_creation_to_messages_between_three(user: User, create_user: Callable[[], User]) -> None:
    alice, bob, carol = await people(user, create_user, 'alice', 'bob', 'carol')
    await create_room(alice, 'Study group 学习')
    await alice.should_see('Study group 学习', retries=30)
    await bob.open('/rooms')
    await eventually(lambda: bool(table_rows(bob, 'room-directory')), 'empty lobby')
    row = table_rows(bob, 'room-directory')[0]
    assert (row['name'], row['m'], row['j']) == ('Study group 学习', 1, False)
    bob.find('room-directory').trigger('join', row['id'])
    await bob.should_see('chat-input', retries=50)
    await open_members(alice)
    alice.find('add-member-input').type('carol')
    alice.find('add-member-submit').click()
    await eventually(lambda: sidebar_row(carol, 'Study group 学习') is not None, 'the room did not appear for carol')
    await eventually(lambda: len(table_rows(alice, 'room-members')) == 3, 'members panel not updated')
    open_row(carol, 'Study group 学习')
    await carol.should_see('chat-input', retries=50)
    await send(bob, 'hello from bob')
    await eventually(lambda: ('false', 'bob', 'hello from bob') in room_bubbles(alice), 'alice did not get it')
    await eventually(lambda: ('false', 'bob', 'hello from bob') in room_bubbles(carol), 'carol did not get it')
    await eventually(lambda: ('true', '', 'hello from bob') in room_bubbles(bob), 'bob did not see his own')


async def test_a_removed_member_pane_closes_with_a_notice(user: User, create_user: Callable[[], User]) -> None:
    alice, carol = await people(user, create_user, 'alice', 'carol')
    await create_room(alice, 'Team')
    await open_members(alice)
    alice.find('add-member-input').type('carol')
    alice.find('add-member-submit').click()
    await eventually(lambda: sidebar_row(carol, 'Team') is not None, 'not added')
    open_row(carol, 'Team')
    await carol.should_see('chat-input', retries=50)
    await eventually(lambda: len(table_rows(alice, 'room-members')) == 2, 'members panel not updated')
    carol_row = next(r for r in table_rows(alice, 'room-members') if r['name'] == 'carol')
    assert carol_row['x'] and carol_row['p'] and carol_row['role'] == 'member'
    alice.find('room-members').trigger('remove', carol_row['id'])
    await carol.should_see('You were removed from the room "Team".', retries=50)
    await eventually(lambda: sidebar_row(carol, 'Team') is None, 'the room stayed in the sidebar')
    await carol.should_not_see('chat-peer', retries=30)


async def test_forged_member_actions_change_nothing(user: User, create_user: Callable[[], User]) -> None:
    alice, bob = await people(user, create_user, 'alice', 'bob')
    await create_room(alice, 'Guarded')
    await open_members(alice)
    alice.find('add-member-input').type('bob')
    alice.find('add-member-submit').click()
    await eventually(lambda: sidebar_row(bob, 'Guarded') is not None, 'not added')
    open_row(bob, 'Guarded')
    await bob.should_see('chat-input', retries=50)
    await open_members(bob)
    await eventually(lambda: len(table_rows(bob, 'room-members')) == 2, 'no members')
    owner = next(r for r in table_rows(bob, 'room-members') if r['name'] == 'alice')
    assert not owner['x'] and not owner['p']  # a member sees no buttons for the owner...
    bob.find('room-members').trigger('remove', owner['id'])  # ...and a forged click is refused by the server
    bob.find('room-members').trigger('promote', 'not an id')
    await bob.should_see('Your role in this room does not allow that.', retries=50)
    await asyncio.sleep(0.2)
    assert {r['name']: r['role'] for r in table_rows(alice, 'room-members')} == {'alice': 'owner', 'bob': 'member'}


async def test_unread_counts_come_from_the_server_and_the_title_shows_them(
    user: User, create_user: Callable[[], User]
) -> None:
    alice, bob = await people(user, create_user, 'alice', 'bob')
    await create_room(alice, 'News')
    await open_members(alice)
    alice.find('add-member-input').type('bob')
    alice.find('add-member-submit').click()
    await eventually(lambda: sidebar_row(bob, 'News') is not None, 'not added')
    for k, text in enumerate(('one', 'two', 'three')):
        await send(alice, text)
        await eventually(lambda k=k: len(room_bubbles(alice)) == k + 1, 'not sent')
    await eventually(lambda: (sidebar_row(bob, 'News') or {}).get('u') == 3, 'no live count')
    assert bob.client.title == '(3) NiceChat'
    await bob.open('/')  # a reload: the count comes from the server
    await eventually(lambda: (sidebar_row(bob, 'News') or {}).get('u') == 3, 'count lost on reload')
    assert bob.client.title == '(3) NiceChat'
    room_id = int(str(sidebar_row(bob, 'News')['id'])[1:])  # type: ignore[index]
    await bob.open(f'/?c={room_id}')  # opened by its address: read once the page is connected
    await bob.should_see('chat-input', retries=50)
    await eventually(lambda: (sidebar_row(bob, 'News') or {}).get('u') == 0, 'count not cleared')
    assert bob.client.title == 'NiceChat'
    await bob.open('/')
    await eventually(lambda: sidebar_row(bob, 'News') is not None, 'no sidebar')
    assert sidebar_row(bob, 'News')['u'] == 0  # type: ignore[index]


async def test_private_rooms_are_not_in_the_lobby(user: User, create_user: Callable[[], User]) -> None:
    alice, bob = await people(user, create_user, 'alice', 'bob')
    await create_room(alice, 'Secret', private=True)
    await create_room(alice, 'Open')
    await bob.open('/rooms')
    await eventually(lambda: bool(table_rows(bob, 'room-directory')), 'empty lobby')
    assert [r['name'] for r in table_rows(bob, 'room-directory')] == ['Open']
