"""Profiles in real Chromium, two or three contexts: a display name and avatar seen live by a peer, the admin's
announcement live for two users and dismissed for one, the export downloaded as a zip of the sent messages."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from .conftest import ChatServer, NewPage
from .helpers import path_is, unique_name
from .test_admin import admin_page  # noqa: F401 - the fixture
from .test_chat import open_chat, send, signed_in
from .test_rooms import add_member, bubble, create_room


def open_profile(page: Page) -> None:
    page.get_by_test_id('goto-profile').click()
    expect(page).to_have_url(path_is('/profile'))
    expect(page.get_by_test_id('profile-display-name')).to_be_visible()


def test_display_name_and_avatar_reach_the_peer_live(
    new_page: NewPage, chat_server: ChatServer, tmp_path: Path
) -> None:
    a_name, b_name = unique_name('pa'), unique_name('pb')
    b = signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, a_name)
    title = unique_name('Prof')
    create_room(a, title)
    a.get_by_test_id('members-open').click()
    add_member(a, b_name)
    expect(a.get_by_test_id(f'member-{b_name}')).to_be_visible()
    b.get_by_test_id(f'room-{title}').click()
    expect(b.get_by_test_id('chat-peer')).to_have_text(title)
    send(a, 'hello from the profile test')
    expect(
        bubble(b, 'hello from the profile test').get_by_test_id('message-sender').locator('.chat-sender-name')
    ).to_have_text(a_name)

    profile = a
    open_profile(profile)
    profile.get_by_test_id('profile-display-name').fill('Ånna 安娜 🌸')
    profile.get_by_test_id('profile-save').click()

    expect(
        bubble(b, 'hello from the profile test').get_by_test_id('message-sender').locator('.chat-sender-name')
    ).to_have_text('Ånna 安娜 🌸')
    expect(b.get_by_test_id(f'contact-{a_name}')).to_contain_text('Ånna 安娜 🌸')
    expect(a.get_by_test_id('current-user')).to_have_text('Ånna 安娜 🌸')  # A's own header too

    picture = tmp_path / 'me.png'
    Image.new('RGB', (400, 240), (220, 60, 120)).save(picture)
    profile.get_by_test_id('profile-avatar').locator('input[type=file]').set_input_files(str(picture))
    expect(profile.get_by_test_id('profile-avatar-image')).to_have_attribute('data-avatar', 'true')
    expect(b.get_by_test_id(f'contact-{a_name}').locator('img.avatar-img')).to_be_visible()
    expect(bubble(b, 'hello from the profile test').locator('img.avatar-img')).to_be_visible()
    size = b.get_by_test_id(f'contact-{a_name}').locator('img.avatar-img').evaluate('img => img.naturalWidth')
    assert size == 64

    fake = tmp_path / 'fake.png'
    fake.write_text('<html><script>alert(1)</script></html>')
    profile.get_by_test_id('profile-avatar').locator('input[type=file]').set_input_files(str(fake))
    expect(profile.get_by_test_id('profile-error')).to_contain_text('does not match')


def test_announcement_is_live_for_two_and_stays_dismissed_for_one(
    new_page: NewPage,
    fresh_chat_server: ChatServer,
    admin_page: Page,  # noqa: F811
) -> None:
    a = signed_in(new_page, fresh_chat_server, unique_name('na'))
    b = signed_in(new_page, fresh_chat_server, unique_name('nb'), locale='zh-CN')
    expect(a.get_by_test_id('announcement')).to_be_hidden()
    admin_page.get_by_test_id('announce-input').fill('Maintenance tonight at 22:00 <b>not bold</b>')
    admin_page.get_by_test_id('announce-submit').click()
    for page in (a, b):
        expect(page.get_by_test_id('announcement')).to_be_visible()
        expect(page.get_by_test_id('announcement')).to_contain_text('Maintenance tonight at 22:00 <b>not bold</b>')
    a.get_by_test_id('announcement-dismiss').click()
    expect(a.get_by_test_id('announcement')).to_be_hidden()
    a.reload()
    expect(a.get_by_test_id('contact-list')).to_be_visible()
    expect(a.get_by_test_id('announcement')).to_be_hidden()
    b.reload()
    expect(b.get_by_test_id('announcement')).to_be_visible()
    expect(admin_page.get_by_test_id('admin-audit')).to_contain_text('published an announcement')
    admin_page.get_by_test_id('announce-withdraw').click()
    expect(b.get_by_test_id('announcement')).to_be_hidden()


def test_export_downloads_a_zip_with_the_sent_messages(new_page: NewPage, chat_server: ChatServer) -> None:
    a_name, b_name = unique_name('ea'), unique_name('eb')
    signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, a_name)
    open_chat(a, b_name)
    for text in ('first exported line', '第二行 exported'):
        send(a, text)
    expect(a.get_by_test_id('message')).to_have_count(2)
    open_profile(a)
    a.get_by_test_id('export-data').click()
    expect(a.get_by_test_id('export-download')).to_be_visible()
    with a.expect_download() as info:
        a.get_by_test_id('export-download').click()
    with zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes())) as archive:
        docs = [json.loads(archive.read(n)) for n in archive.namelist() if n.startswith('conversations/')]
    assert [[m['text'] for m in doc['messages']] for doc in docs] == [['first exported line', '第二行 exported']]
    assert docs[0]['conversation']['members'] == sorted([a_name, b_name])
