"""Drafts in simulated pages: what was typed and not sent stays with its conversation when switching, comes back
after a reload, goes with a send, and comes back after an edit; nobody else's page and no new sign-in sees it."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import app
from nicegui.testing import User

from chat_ui.services import accounts
from chat_ui.ui.drafts import DRAFTS_KEY

from .conftest import login, open_contact, route_navigation, until
from .test_chat_pages import has_bubble, open_chat, send
from .test_message_actions_pages import menu_for


def composer(user: User) -> str:
    return user.find('chat-input').elements.pop().value or ''


async def shows_draft(user: User, text: str) -> None:
    await until(lambda: composer(user) == text, f'the composer holds {text!r} (it holds {composer(user)!r})')


async def three_signed_in(user: User, create_user: Callable[[], User]) -> tuple[User, User]:
    alice, bob = user, create_user()
    route_navigation(alice, bob)
    for name in ('alice', 'bob', 'carol'):
        await accounts.register(name, 'secret123', 'secret123')
    await login(alice, 'alice')
    await login(bob, 'bob')
    for person in (alice, bob):
        await person.should_see('contact-list', retries=30)
    return alice, bob


async def test_a_draft_stays_with_its_conversation_and_survives_a_reload(
    user: User, create_user: Callable[[], User]
) -> None:
    alice, bob = await three_signed_in(user, create_user)
    await open_chat(alice, 'bob')
    alice.find('chat-input').type('half a thought for bob <b>')
    await open_chat(alice, 'carol')
    await shows_draft(alice, '')
    alice.find('chat-input').type('for carol')
    open_contact(alice, 'bob')
    await shows_draft(alice, 'half a thought for bob <b>')

    await alice.open('/')  # a reload: a new page of the same browser
    await open_chat(alice, 'carol')
    await shows_draft(alice, 'for carol')
    open_contact(alice, 'bob')
    await shows_draft(alice, 'half a thought for bob <b>')

    await open_chat(bob, 'alice')
    await shows_draft(bob, '')  # drafts are the browser's own
    alice.find('chat-send').click()
    await has_bubble(bob, 'half a thought for bob <b>')
    await shows_draft(alice, '')
    await alice.open('/')
    await open_chat(alice, 'bob')
    await shows_draft(alice, '')  # sent: the draft is gone

    assert any(DRAFTS_KEY in storage for storage in app.storage._users.values())  # carol's draft
    alice.find('logout').click()  # signing out discards it, and a new sign-in on this browser starts without it
    await alice.should_see('login-username', retries=30)
    assert not any(DRAFTS_KEY in storage for storage in app.storage._users.values())
    await login(alice, 'alice')
    await alice.should_see('contact-list', retries=30)
    await open_chat(alice, 'carol')
    await shows_draft(alice, '')


async def test_an_edit_gives_the_draft_back_when_it_ends(user: User, create_user: Callable[[], User]) -> None:
    alice, _ = await three_signed_in(user, create_user)
    await open_chat(alice, 'bob')
    await send(alice, 'helo')
    await has_bubble(alice, 'helo')
    alice.find('chat-input').type('still typing')
    await menu_for(alice, 'helo')
    alice.find('action-edit').click()
    await shows_draft(alice, 'helo')
    alice.find('edit-cancel').click()
    await shows_draft(alice, 'still typing')

    await menu_for(alice, 'helo')
    alice.find('action-edit').click()
    await shows_draft(alice, 'helo')
    open_contact(alice, 'carol')  # leaving while editing keeps the draft, not the edited text
    await shows_draft(alice, '')
    open_contact(alice, 'bob')
    await shows_draft(alice, 'still typing')
