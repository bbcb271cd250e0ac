"""Screenshots of /profile and the announcement banner (desktop and phone, English and Chinese) for human review,
into ``test-artifacts/screenshots/`` (git-ignored)."""

from __future__ import annotations

import pytest

pytest.importorskip('playwright.sync_api')

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ChatServer, NewPage
from tests.e2e.helpers import unique_name
from tests.e2e.test_admin import admin_page  # noqa: F401 - the fixture
from tests.e2e.test_chat import signed_in
from tests.e2e.test_screenshots import LOCALES, SCREENSHOT_DIR, VIEWPORTS

pytestmark = pytest.mark.browser


def test_profile_and_announcement_screenshots(
    new_page: NewPage,
    fresh_chat_server: ChatServer,
    admin_page: Page,  # noqa: F811
) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    admin_page.get_by_test_id('announce-input').fill('Server maintenance tonight 22:00–23:00 · 今晚 22:00 维护')
    admin_page.get_by_test_id('announce-submit').click()
    for locale in LOCALES:
        for width, height in VIEWPORTS:
            page = signed_in(
                new_page, fresh_chat_server, unique_name('shot'), locale=locale, width=width, height=height
            )
            expect(page.get_by_test_id('announcement')).to_be_visible()
            page.screenshot(path=str(SCREENSHOT_DIR / f'announcement-{locale}-{width}x{height}.png'))
            page.get_by_test_id('goto-profile').click()
            expect(page.get_by_test_id('profile-display-name')).to_be_visible()
            page.get_by_test_id('announcement-dismiss').click()
            expect(page.get_by_test_id('announcement')).to_be_hidden()
            page.mouse.move(0, 0)
            page.screenshot(path=str(SCREENSHOT_DIR / f'profile-{locale}-{width}x{height}.png'), full_page=True)
