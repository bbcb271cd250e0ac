"""Screenshots of the sign-in pages in both languages on a desktop and a phone viewport, for human review.

The PNGs land in ``test-artifacts/screenshots/`` (git-ignored) as ``<page>-<locale>-<width>x<height>.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip('playwright.sync_api')

from playwright.sync_api import expect

from tests.e2e.conftest import REPO_ROOT, ChatServer, NewPage
from tests.e2e.helpers import fill_login, unique_name
from tests.e2e.test_chat import open_chat, send, signed_in
from tests.e2e.test_files import make_png

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = REPO_ROOT / 'test-artifacts' / 'screenshots'
PAGES = {'login': 'login-submit', 'register': 'register-submit', 'init_admin': 'init-submit'}
LOCALES = ('en-US', 'zh-CN')
VIEWPORTS = ((1280, 800), (390, 844))


@pytest.mark.parametrize('locale', LOCALES)
@pytest.mark.parametrize(('width', 'height'), VIEWPORTS, ids=[f'{w}x{h}' for w, h in VIEWPORTS])
def test_sign_in_pages_screenshots(
    chat_server: ChatServer, new_page: NewPage, locale: str, width: int, height: int
) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page = new_page(locale=locale, width=width, height=height)
    for route, ready in PAGES.items():
        page.goto(f'{chat_server.url}/{route}')
        expect(page.get_by_test_id(ready)).to_be_visible()
        page.mouse.move(0, 0)  # no hover highlight on whatever was clicked last
        page.evaluate('document.fonts.ready.then(() => true)')
        path = SCREENSHOT_DIR / f'{route}-{locale}-{width}x{height}.png'
        path.unlink(missing_ok=True)
        page.screenshot(path=str(path), full_page=True, animations='disabled')
        assert path.is_file() and path.stat().st_size > 1000, path
        with path.open('rb') as image:
            assert image.read(8) == b'\x89PNG\r\n\x1a\n', path


@pytest.mark.parametrize(('locale', 'width', 'height'), [('en-US', 1280, 800), ('zh-CN', 390, 844)])
def test_login_captcha_state_screenshot(
    chat_server: ChatServer, new_page: NewPage, locale: str, width: int, height: int
) -> None:
    """/login after three failures: error banner, CAPTCHA picture, refresh button and code field."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page = new_page(locale=locale, width=width, height=height)
    page.goto(f'{chat_server.url}/login')
    name = unique_name('shot')
    for _ in range(3):
        fill_login(page, name, 'wrong123')
        expect(page.get_by_test_id('login-password')).to_have_value('')
    expect(page.get_by_test_id('login-captcha')).to_be_visible()
    expect(page.locator('img[src^="data:image/png"]')).to_be_visible()
    page.mouse.move(0, 0)  # no hover highlight on the sign-in button
    page.evaluate('document.fonts.ready.then(() => true)')
    path = SCREENSHOT_DIR / f'login-captcha-{locale}-{width}x{height}.png'
    path.unlink(missing_ok=True)
    page.screenshot(path=str(path), full_page=True, animations='disabled')
    assert path.is_file() and path.stat().st_size > 1000, path


@pytest.mark.parametrize(
    ('locale', 'width', 'height'), [('en-US', 1280, 800), ('zh-CN', 1280, 800), ('zh-CN', 390, 844)]
)
def test_chat_page_screenshots(
    chat_server: ChatServer, new_page: NewPage, tmp_path: Path, locale: str, width: int, height: int
) -> None:
    """/ with a conversation of text, a picture and an audio file, then its search results."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    me, peer = unique_name('mia'), unique_name('leo')
    other = signed_in(new_page, chat_server, peer)
    page = signed_in(new_page, chat_server, me, locale=locale, width=width, height=height)
    open_chat(page, peer)
    open_chat(other, me)
    for author, text in ((page, 'Hi! Are we still meeting at 10?'), (other, 'Yes, 会议室 3 — see you there 👋')):
        send(author, text)
    page.get_by_test_id('chat-upload').locator('input[type=file]').set_input_files(make_png(tmp_path / 'plan.png'))
    expect(page.get_by_test_id('message').filter(has=page.locator('img'))).to_have_count(1)
    send(other, '<b>not bold</b> & a long line ' + 'lorem ipsum ' * 12)
    expect(page.get_by_test_id('message')).to_have_count(4)
    page.mouse.move(0, 0)
    page.evaluate('document.fonts.ready.then(() => true)')
    for name in ('chat', 'search'):
        if name == 'search':
            page.get_by_test_id('search-input').fill('meeting')
            page.get_by_test_id('search-submit').click()
            expect(page.get_by_test_id('search-count')).to_be_visible()
        path = SCREENSHOT_DIR / f'{name}-{locale}-{width}x{height}.png'
        path.unlink(missing_ok=True)
        page.screenshot(path=str(path), animations='disabled')
        assert path.is_file() and path.stat().st_size > 1000, path


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.mouse.move(0, 0)
    page.evaluate('document.fonts.ready.then(() => true)')
    path = SCREENSHOT_DIR / f'{name}.png'
    path.unlink(missing_ok=True)
    page.screenshot(path=str(path), animations='disabled')
    assert path.is_file() and path.stat().st_size > 1000, path


@pytest.mark.parametrize(
    ('locale', 'width', 'height'),
    [('en-US', 1280, 800), ('zh-CN', 1280, 800), ('en-US', 390, 844), ('zh-CN', 390, 844)],
)
def test_room_screenshots(chat_server: ChatServer, new_page: NewPage, locale: str, width: int, height: int) -> None:
    """The sidebar with rooms and unread counts, a room with others' named bubbles, its members panel, the lobby."""
    from tests.e2e.test_rooms import create_room

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    me, ann, ben = unique_name('mia'), unique_name('ann'), unique_name('ben')
    suffix = f'{locale}-{width}x{height}'
    a = signed_in(new_page, chat_server, ann)
    b = signed_in(new_page, chat_server, ben)
    page = signed_in(new_page, chat_server, me, locale=locale, width=width, height=height)
    title = f'Design team {unique_name("d")[-4:]}'
    create_room(a, title)
    create_room(a, f'读书会 {unique_name("b")[-4:]}')
    a.get_by_test_id('members-open').click()
    for name in (ben, me):
        a.get_by_test_id('add-member-input').fill(name)
        a.get_by_test_id('add-member-submit').click()
        expect(a.get_by_test_id(f'member-{name}')).to_be_visible()
    a.get_by_test_id(f'room-{title}').click()
    a.get_by_test_id('members-open').click()
    for name in (ben, me):
        a.get_by_test_id('add-member-input').fill(name)
        a.get_by_test_id('add-member-submit').click()
        expect(a.get_by_test_id(f'member-{name}')).to_be_visible()
    a.get_by_test_id(f'promote-{ben}').click()
    b.get_by_test_id(f'room-{title}').click()
    send(a, 'Morning! Mock-ups for the new lobby are in the shared folder.')
    send(b, 'Looks great 👍 下午三点开会讨论？')
    send(a, 'Works for me.')
    open_chat(b, me) if width > 600 else None
    send(b, 'Hi! Did you see the mock-ups?') if width > 600 else None
    expect(page.get_by_test_id(f'room-{title}')).to_have_attribute('data-unread', '3')
    shoot(page, f'sidebar-{suffix}')
    page.get_by_test_id(f'room-{title}').click()
    expect(page.get_by_test_id('message')).to_have_count(3)
    shoot(page, f'room-{suffix}')
    page.get_by_test_id('members-open').click()
    expect(page.get_by_test_id(f'member-{ben}')).to_have_attribute('data-role', 'admin')
    shoot(page, f'members-{suffix}')
    page.goto(f'{chat_server.url}/rooms')
    expect(page.get_by_test_id('room-directory')).to_be_visible()
    shoot(page, f'lobby-{suffix}')
    page.get_by_test_id('new-room').click()
    expect(page.get_by_test_id('room-title')).to_be_visible()
    shoot(page, f'new-room-{suffix}')
