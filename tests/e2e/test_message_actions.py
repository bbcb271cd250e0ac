"""Message actions in real Chromium with two people: edit and recall seen live and after reload, a recalled
picture's URL answers 404, a reply's quote leads to an older message, the 11th quick message is refused; plus
screenshots of the menu, the banners and edited/recalled bubbles (desktop and phone, EN and ZH)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import REPO_ROOT, ChatServer, NewPage, _serve
from .helpers import unique_name
from .test_chat import open_chat, send, signed_in
from .test_files import make_png

SCREENSHOT_DIR = REPO_ROOT / 'test-artifacts' / 'screenshots'


@pytest.fixture(scope='module')
def actions_server() -> Iterator[ChatServer]:
    """A server with the production send limit (10 messages per 10 s per user)."""
    with tempfile.TemporaryDirectory(prefix='chat-e2e-') as tmp:
        yield from _serve(Path(tmp), {'CHAT_SEND_LIMIT': '10'})


def bubble(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id('message').filter(has_text=text)


def menu(page: Page, text: str) -> None:
    target = bubble(page, text)
    target.hover()
    target.get_by_test_id('message-menu').click()
    expect(page.get_by_test_id('action-reply')).to_be_visible()


def shot(page: Page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    path = SCREENSHOT_DIR / f'{name}.png'
    page.screenshot(path=str(path), animations='disabled')
    assert path.stat().st_size > 1000


def two(new_page: NewPage, server: ChatServer, **kwargs: object) -> tuple[Page, Page, str, str]:
    a_name, b_name = unique_name('ann'), unique_name('ben')
    b = signed_in(new_page, server, b_name, **kwargs)
    a = signed_in(new_page, server, a_name, **kwargs)
    open_chat(a, b_name)
    open_chat(b, a_name)
    return a, b, a_name, b_name


def test_edit_and_recall_live_and_after_reload(new_page: NewPage, actions_server: ChatServer) -> None:
    a, b, a_name, _ = two(new_page, actions_server)
    send(a, 'see you at 5')
    send(a, 'wrong chat, sorry')
    expect(bubble(b, 'wrong chat, sorry')).to_have_count(1)

    menu(b, 'see you at 5')  # the peer's message: reply only
    expect(b.get_by_test_id('action-edit')).to_have_count(0)
    expect(b.get_by_test_id('action-recall')).to_have_count(0)
    b.keyboard.press('Escape')

    menu(a, 'see you at 5')
    a.get_by_test_id('action-edit').click()
    expect(a.get_by_test_id('edit-banner')).to_be_visible()
    expect(a.get_by_test_id('chat-input')).to_have_value('see you at 5')
    a.get_by_test_id('chat-input').fill('see you at 6')
    a.get_by_test_id('chat-send').click()
    edited = bubble(b, 'see you at 6')
    expect(edited).to_have_attribute('data-edited', 'true')
    expect(bubble(b, 'see you at 5')).to_have_count(0)
    expect(a.get_by_test_id('edit-banner')).to_have_count(0)

    menu(a, 'wrong chat, sorry')
    a.get_by_test_id('action-recall').click()
    expect(b.locator('[data-testid=message][data-kind=recalled]')).to_have_text(f'undo{a_name} recalled a message')
    expect(bubble(b, 'wrong chat, sorry')).to_have_count(0)

    b.reload()
    open_chat(b, a_name)
    expect(bubble(b, 'see you at 6')).to_have_attribute('data-edited', 'true')
    expect(b.locator('[data-testid=message][data-kind=recalled]')).to_have_count(1)
    expect(bubble(b, 'wrong chat, sorry')).to_have_count(0)


def test_recalled_picture_url_answers_404(new_page: NewPage, actions_server: ChatServer, tmp_path: Path) -> None:
    a, b, _, _ = two(new_page, actions_server)
    a.get_by_test_id('chat-upload').locator('input[type=file]').set_input_files(make_png(tmp_path / 'photo.png'))
    picture = b.locator('[data-testid=message][data-kind=image]')
    expect(picture).to_have_count(1)
    src = picture.locator('a').get_attribute('href')
    assert src is not None
    assert b.request.get(f'{actions_server.url}{src}').status == 200
    mine = a.locator('[data-testid=message][data-kind=image]')
    mine.hover()
    mine.get_by_test_id('message-menu').click()
    a.get_by_test_id('action-recall').click()
    expect(b.locator('[data-testid=message][data-kind=recalled]')).to_have_count(1)
    assert b.request.get(f'{actions_server.url}{src}').status == 404
    assert a.request.get(f'{actions_server.url}{src}').status == 404


def test_reply_quote_scrolls_to_an_older_message(new_page: NewPage, actions_server: ChatServer) -> None:
    a, b, a_name, b_name = two(new_page, actions_server)
    send(b, 'the original question')
    _seed(actions_server, sender=b_name, peer=a_name, count=80)
    b.reload()
    open_chat(b, a_name)
    expect(bubble(b, 'filler 79')).to_be_visible()
    a.reload()
    open_chat(a, b_name)
    expect(bubble(a, 'the original question')).to_have_count(0)  # older than the window shown
    b.get_by_test_id('load-older').click()  # 81 messages: the window of 50, then the other 31
    expect(bubble(b, 'the original question')).to_have_count(1)
    menu(b, 'the original question')
    b.get_by_test_id('action-reply').click()
    expect(b.get_by_test_id('reply-banner')).to_contain_text('the original question')
    send(b, 'answering it now')
    quote = bubble(a, 'answering it now').get_by_test_id('reply-quote')
    expect(quote).to_contain_text('the original question')
    quote.click()
    original = bubble(a, 'the original question')
    expect(original).to_have_attribute('data-highlight', 'true')
    expect(original).to_be_in_viewport()
    a.get_by_test_id('load-newer').click()
    expect(bubble(a, 'answering it now')).to_be_visible()
    expect(a.get_by_test_id('load-newer')).to_have_count(0)


def _seed(server: ChatServer, *, sender: str, peer: str, count: int) -> None:
    """Many messages straight into the server's database (the UI's send limit would take minutes), dated an hour
    back so that they do not count against the sender's send limit."""
    from datetime import timedelta

    from sqlmodel import Session, create_engine, select

    from db import conversations as conversation_queries
    from db import messages as message_queries
    from db.models import User, utcnow

    engine = create_engine(f'sqlite:///{server.data_dir / "chat.db"}')
    with Session(engine) as db:
        users = {u.username: u.id for u in db.exec(select(User).where(User.username.in_([sender, peer])))}  # type: ignore[attr-defined]
        chat = conversation_queries.find_direct(db, user_a=users[sender], user_b=users[peer])
        assert chat is not None and chat.id is not None
        past = utcnow() - timedelta(hours=1)
        for i in range(count):
            message_queries.add_message(
                db, conversation_id=chat.id, sender_id=users[sender], body=f'filler {i}', created_at=past
            )
        db.commit()
    engine.dispose()


def test_eleventh_quick_message_shows_the_notice(new_page: NewPage, actions_server: ChatServer) -> None:
    a, b, _, _ = two(new_page, actions_server)
    for i in range(10):
        send(a, f'quick {i}')
    expect(bubble(b, 'quick 9')).to_have_count(1)
    send(a, 'one too many', accepted=False)
    expect(a.locator('.q-notification').filter(has_text='Slow down')).to_be_visible()
    expect(a.get_by_test_id('chat-input')).to_have_value('one too many')  # given back, nothing stored
    expect(bubble(b, 'one too many')).to_have_count(0)


@pytest.mark.parametrize(
    ('locale', 'width', 'height'),
    [('en-US', 1280, 800), ('zh-CN', 1280, 800), ('en-US', 390, 844), ('zh-CN', 390, 844)],
)
def test_message_actions_screenshots(
    new_page: NewPage, actions_server: ChatServer, locale: str, width: int, height: int
) -> None:
    a, b, _, _ = two(new_page, actions_server, locale=locale, width=width, height=height)
    tag = f'{locale}-{width}x{height}'
    send(b, 'Lunch at the noodle place? 🍜\nI can book a table')
    send(a, 'Sure, 12:30 works')
    send(a, 'typo mesage')
    send(a, 'this one goes away')
    menu(a, 'typo mesage')
    a.get_by_test_id('action-edit').click()
    expect(a.get_by_test_id('edit-banner')).to_be_visible()
    a.get_by_test_id('chat-input').fill('fixed message')
    menu(a, 'Sure, 12:30 works')
    shot(a, f'actions-menu-{tag}')
    a.keyboard.press('Escape')
    expect(a.get_by_test_id('action-reply')).to_have_count(0)
    shot(a, f'actions-edit-banner-{tag}')
    a.get_by_test_id('chat-send').click()
    expect(bubble(b, 'fixed message')).to_have_attribute('data-edited', 'true')
    menu(a, 'this one goes away')
    a.get_by_test_id('action-recall').click()
    expect(b.locator('[data-testid=message][data-kind=recalled]')).to_have_count(1)
    menu(a, 'Lunch at the noodle place')
    a.get_by_test_id('action-reply').click()
    expect(a.get_by_test_id('reply-banner')).to_be_visible()
    shot(a, f'actions-reply-banner-{tag}')
    send(a, 'Booked for 4 people')
    expect(bubble(b, 'Booked for 4 people').get_by_test_id('reply-quote')).to_be_visible()
    shot(b, f'actions-peer-view-{tag}')
