"""Typing, read receipts, mentions, search everywhere and dropped pictures between two or three real Chromium
contexts; screenshots of each (desktop and phone, English and Chinese) go to ``test-artifacts/screenshots/``."""

from __future__ import annotations

import base64
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import REPO_ROOT, ChatServer, NewPage
from .helpers import unique_name
from .test_chat import open_chat, send, signed_in
from .test_rooms import bubble, create_room

SCREENSHOT_DIR = REPO_ROOT / 'test-artifacts' / 'screenshots'
TESTDATA = Path('/work/shared/testdata')
PHONE = {'width': 390, 'height': 844}
DESKTOP = {'width': 1280, 'height': 800}


def shoot(page: Page, name: str, *, phone_too: bool = True) -> None:
    """Desktop (and phone) screenshots of the page as it is now."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or DESKTOP
    sizes = [DESKTOP, PHONE] if phone_too else [size]
    for viewport in sizes:
        page.set_viewport_size(viewport)
        page.mouse.move(0, 0)
        page.evaluate('document.fonts.ready.then(() => true)')
        page.wait_for_timeout(400)  # dialogs and menus finish their animation
        page.screenshot(path=str(SCREENSHOT_DIR / f'{name}-{viewport["width"]}x{viewport["height"]}.png'))
    page.set_viewport_size(size)


def test_typing_indicator_appears_and_clears(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name = unique_name('ta'), unique_name('tb')
    a = signed_in(new_page, chat_server, a_name)
    b = signed_in(new_page, chat_server, b_name, locale='zh-CN')
    open_chat(a, b_name)
    open_chat(b, a_name)
    indicator = b.get_by_test_id('typing-indicator')
    a.get_by_test_id('chat-input').press_sequentially('hello th')
    expect(indicator).to_have_text(f'{a_name} 正在输入…')
    expect(a.get_by_test_id('typing-indicator')).to_have_count(0)
    shoot(b, 'typing-zh')
    expect(indicator).to_have_count(0, timeout=9000)  # 5 s of silence
    a.get_by_test_id('chat-input').press_sequentially('ere')
    expect(indicator).to_be_visible()
    a.get_by_test_id('chat-input').press('Enter')
    expect(bubble(b, 'hello there')).to_have_count(1)
    expect(indicator).to_have_count(0, timeout=1500)  # the message clears it at once


def test_read_marker_live_and_never_when_switched_off(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name = unique_name('ra'), unique_name('rb')
    a = signed_in(new_page, chat_server, a_name, locale='zh-CN')
    b = signed_in(new_page, chat_server, b_name)
    open_chat(a, b_name)
    send(a, 'first')
    send(a, 'second')
    expect(a.get_by_test_id('read-marker')).to_have_count(0)
    open_chat(b, a_name)
    marker = a.get_by_test_id('read-marker')
    expect(marker).to_have_count(1)
    expect(bubble(a, 'second').get_by_test_id('read-marker')).to_have_text('已读')
    shoot(a, 'read-marker-zh')
    send(a, 'third')
    expect(bubble(a, 'third').get_by_test_id('read-marker')).to_be_visible()  # b has the pane open
    expect(marker).to_have_count(1)

    b.get_by_test_id('goto-profile').click()  # the switch lives on the profile page
    switch = b.get_by_test_id('read-receipts')
    expect(switch).to_have_attribute('data-state', 'on')
    shoot(b, 'profile-receipts-en', phone_too=False)
    switch.click()
    expect(switch).to_have_attribute('data-state', 'off')
    expect(a.get_by_test_id('read-marker')).to_have_count(0)  # a's open pane drops b's receipt at once
    b.goto(f'{chat_server.url}/')
    open_chat(b, a_name)
    send(a, 'fourth')
    expect(bubble(b, 'fourth')).to_have_count(1)
    b.wait_for_timeout(500)
    expect(a.get_by_test_id('read-marker')).to_have_count(0)
    a.reload()
    open_chat(a, b_name)
    expect(bubble(a, 'fourth')).to_have_count(1)
    expect(a.get_by_test_id('read-marker')).to_have_count(0)
    send(b, 'reply')
    expect(bubble(b, 'reply')).to_have_count(1)
    expect(b.get_by_test_id('read-marker')).to_have_count(0)


def test_mention_badge_in_a_room_and_global_search(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name, c_name = unique_name('ma'), unique_name('mb'), unique_name('mc')
    title = f'Plan {unique_name("r")}'
    a = signed_in(new_page, chat_server, a_name)
    b = signed_in(new_page, chat_server, b_name)
    c = signed_in(new_page, chat_server, c_name, locale='zh-CN')
    create_room(a, title)
    a.get_by_test_id('members-open').click()
    for name in (b_name, c_name):
        a.get_by_test_id('add-member-input').fill(name)
        a.get_by_test_id('add-member-submit').click()
        expect(a.get_by_test_id(f'member-{name}')).to_be_visible()
    a.get_by_test_id('members-open').click()
    expect(b.get_by_test_id(f'room-{title}')).to_be_visible()

    send(a, f'hey @{b_name.upper()} see the 苹果 plan')
    mention = bubble(a, 'see the').get_by_test_id('mention')
    expect(mention).to_have_text(f'@{b_name.upper()}')
    b_row = b.get_by_test_id(f'room-{title}')
    expect(b_row.get_by_test_id('mention-badge')).to_be_visible()
    expect(b_row).to_have_attribute('data-unread', '1')
    c_row = c.get_by_test_id(f'room-{title}')
    expect(c_row).to_have_attribute('data-unread', '1')
    expect(c_row.get_by_test_id('mention-badge')).to_have_count(0)
    shoot(b, 'mention-badge-en')
    b_row.click()
    expect(bubble(b, 'see the').get_by_test_id('mention')).to_be_visible()
    shoot(b, 'mention-bubble-en')
    expect(b.get_by_test_id(f'room-{title}').get_by_test_id('mention-badge')).to_have_count(0)

    open_chat(a, c_name)
    for i in range(40):
        send(a, f'note {i}' if i != 3 else 'the old 苹果 recipe')
    c.get_by_test_id('global-search-input').fill('苹')
    c.get_by_test_id('global-search-input').press('Enter')
    results = c.get_by_test_id('global-result')
    expect(results).to_have_count(2)
    shoot(c, 'global-search-zh')
    target = results.filter(has_text='recipe')
    conversation = target.get_attribute('data-conversation')
    assert conversation and conversation.isdigit()
    target.click()
    opened = c.locator('[data-highlight="true"]')
    expect(opened).to_have_count(1)
    expect(opened).to_contain_text('the old 苹果 recipe')
    expect(c.get_by_test_id('chat-peer')).to_have_text(a_name)
    shoot(c, 'opened-at-result-zh')
    c.get_by_test_id('load-newer').click()
    expect(bubble(c, 'note 39')).to_be_visible()

    outsider = signed_in(new_page, chat_server, unique_name('mo'), **PHONE)  # on a phone: the button, then a box
    expect(outsider.get_by_test_id('global-search-input')).to_be_hidden()
    outsider.get_by_test_id('global-search-submit').click()
    outsider.get_by_test_id('global-search-dialog-input').fill('苹果')
    outsider.get_by_test_id('global-search-dialog-input').press('Enter')
    expect(outsider.get_by_test_id('global-search-empty')).to_be_visible()
    expect(outsider.get_by_test_id('global-result')).to_have_count(0)


DROP = """async ([b64, name, mime]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: mime }));
  const list = document.querySelector('[data-testid="message-list"]');
  for (const type of ['dragenter', 'dragover']) {
    list.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const zone = document.querySelector('[data-testid="chat-drop"] .q-uploader__dnd');
  if (!zone) return false;
  zone.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: transfer }));
  return true;
}"""


def test_a_dropped_picture_arrives_for_the_peer(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name = unique_name('da'), unique_name('db')
    a = signed_in(new_page, chat_server, a_name)
    b = signed_in(new_page, chat_server, b_name)
    open_chat(a, b_name)
    open_chat(b, a_name)
    picture = base64.b64encode((TESTDATA / 'picture.webp').read_bytes()).decode()
    assert a.evaluate(DROP, [picture, 'picture.webp', 'image/webp']) is True
    arrived = b.get_by_test_id('message').and_(b.locator('[data-kind="image"]'))
    expect(arrived).to_have_count(1)
    b.wait_for_function('img => img.complete && img.naturalWidth > 0', arg=arrived.locator('img').element_handle())
    expect(a.get_by_test_id('message').and_(a.locator('[data-kind="image"]'))).to_have_count(1)
    fake = base64.b64encode(b'MZ\x90\x00' + b'\x00' * 2000).decode()
    assert a.evaluate(DROP, [fake, 'holiday.png', 'image/png']) is True
    expect(a.get_by_text("The file's content does not match its extension.")).to_be_visible()
    expect(b.get_by_test_id('message').and_(b.locator('[data-kind="image"]'))).to_have_count(1)
