"""/profile, display names live on other people's pages, the announcement banner and the admin's reset, in
NiceGUI's simulated browsers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nicegui.testing import User

from chat_ui.services import accounts, announcements, moderation
from db import users as user_queries
from db.engine import session_scope

from .conftest import ADMIN_SECRET, contact_rows, login, message_rows, room_bubbles, route_navigation, until
from .test_room_pages import create_room, open_members, open_row, people, send, table_rows


def stored_display_name(name: str) -> str | None:
    with session_scope() as db:
        user = user_queries.get_user_by_key(db, name_key=name)
        assert user is not None
        return user.display_name


def shown_in_sidebar(user: User, login_name: str) -> str | None:
    row = next((row for row in contact_rows(user) if row['name'] == login_name), None)
    return row['dn'] if row else None


async def test_profile_page_saves_a_display_name_and_refuses_bad_ones(user: User) -> None:
    await accounts.register('alice', 'secret123', 'secret123')
    await login(user, 'alice')
    await user.should_see('contact-list', retries=30)
    user.find('goto-profile').click()
    await user.should_see('profile-display-name', retries=30)
    for bad, message in [
        ('', 'Please enter a display name.'),
        ('x' * 33, 'The display name is too long (at most 32 characters).'),
        ('<img src=x onerror=alert(1)>', 'The display name contains characters that are not allowed'),
        ('bell\x07', 'The display name contains characters that are not allowed'),
    ]:
        user.find('profile-display-name').clear().type(bad)
        user.find('profile-save').click()
        await user.should_see(message, retries=50)
        assert stored_display_name('alice') is None
    user.find('profile-display-name').clear().type('  爱丽丝 Alice  ')
    user.find('profile-save').click()
    await until(lambda: stored_display_name('alice') == '爱丽丝 Alice', 'the name was not saved')
    await user.should_see('Display name saved.', retries=30)


async def test_display_name_change_is_live_in_sidebar_header_members_and_bubbles(
    user: User, create_user: Callable[[], User]
) -> None:
    alice, bob = await people(user, create_user, 'alice', 'bob')
    await create_room(alice, 'Team')
    await open_members(alice)
    alice.find('add-member-input').type('bob')
    alice.find('add-member-submit').click()
    await until(lambda: any(r['name'] == 'Team' for r in contact_rows(bob)), 'not added')
    await send(alice, 'hello team')
    open_row(bob, 'Team')
    await until(lambda: ('false', 'alice', 'hello team') in room_bubbles(bob), 'bob did not get it')
    await open_members(bob)
    profile_page = alice  # alice changes her name on /profile
    await profile_page.open('/profile')
    profile_page.find('profile-display-name').clear().type('Alice 🌸')
    profile_page.find('profile-save').click()
    await until(lambda: ('false', 'Alice 🌸', 'hello team') in room_bubbles(bob), 'bubble name not live')
    await until(lambda: shown_in_sidebar(bob, 'alice') == 'Alice 🌸', 'sidebar not live')
    await until(
        lambda: any(r['name'] == 'alice' and r['dn'] == 'Alice 🌸' for r in table_rows(bob, 'room-members')),
        'members panel not live',
    )
    assert shown_in_sidebar(bob, 'alice') == 'Alice 🌸'


async def test_password_change_on_the_profile_page(user: User) -> None:
    await accounts.register('alice', 'secret123', 'secret123')
    await login(user, 'alice')
    await user.should_see('contact-list', retries=30)
    await user.open('/profile')
    for current, new, new2, message in [
        ('', '', '', 'Please fill in all three password fields.'),
        ('wrong999', 'newpass456', 'newpass456', 'The current password is wrong.'),
        ('secret123', 'newpass456', 'other4567', 'The two passwords do not match.'),
        ('secret123', 'abcdefgh', 'abcdefgh', 'The password must contain both letters and digits.'),
    ]:
        user.find('password-current').clear().type(current) if current else user.find('password-current').clear()
        user.find('password-new').clear().type(new) if new else user.find('password-new').clear()
        user.find('password-new2').clear().type(new2) if new2 else user.find('password-new2').clear()
        user.find('password-submit').click()
        await user.should_see(message, retries=50)
    user.find('password-current').clear().type('secret123')
    user.find('password-new').clear().type('newpass456')
    user.find('password-new2').clear().type('newpass456')
    user.find('password-submit').click()
    await user.should_see('Password changed. Your other sessions were signed out.', retries=100)
    await accounts.login('alice', 'newpass456')


async def admin_token() -> str:
    await accounts.init_admin(
        secret=ADMIN_SECRET, expected_secret=ADMIN_SECRET, username='boss', password='admin123', password2='admin123'
    )
    token, _ = await accounts.login('boss', 'admin123')
    return token


async def test_announcement_live_dismissed_for_one_and_withdrawn(user: User, create_user: Callable[[], User]) -> None:
    alice, bob = await people(user, create_user, 'alice', 'bob')
    token = await admin_token()
    await alice.should_not_see('announcement', retries=5)
    await announcements.publish(token, body='Server maintenance at 22:00')
    await alice.should_see('Server maintenance at 22:00', retries=50)
    await bob.should_see('Server maintenance at 22:00', retries=50)
    alice.find('announcement-dismiss').click()
    await alice.should_not_see('Server maintenance at 22:00', retries=50)
    await alice.open('/')
    await alice.should_see('contact-list', retries=30)
    await alice.should_not_see('Server maintenance at 22:00', retries=10)
    await bob.open('/rooms')
    await bob.should_see('Server maintenance at 22:00', retries=50)
    await announcements.withdraw(token)
    await bob.should_not_see('Server maintenance at 22:00', retries=50)


async def test_reset_password_leads_to_the_profile_page_until_changed(user: User) -> None:
    route_navigation(user)
    await accounts.register('alice', 'secret123', 'secret123')
    token = await admin_token()
    with session_scope() as db:
        alice = user_queries.get_user_by_key(db, name_key='alice')
        assert alice is not None and alice.id is not None
        alice_id = alice.id
    value = await moderation.reset_password(token, user_id=alice_id)
    await login(user, 'alice', value)
    await user.should_see('password-must-change', retries=50)
    await user.open('/')
    await user.should_see('password-must-change', retries=50)  # every page leads here
    user.find('password-current').type(value)
    user.find('password-new').type('mine12345')
    user.find('password-new2').type('mine12345')
    user.find('password-submit').click()
    await user.should_see('contact-list', retries=100)


async def test_avatars_are_served_to_signed_in_users_only_with_immutable_caching(
    user: User, create_user: Callable[[], User]
) -> None:
    import io
    from pathlib import Path

    from PIL import Image

    from chat_ui.core.views import SessionInfo
    from chat_ui.services import avatars

    alice_id = await accounts.register('alice', 'secret123', 'secret123')
    await accounts.register('carol', 'secret123', 'secret123')
    buffer = io.BytesIO()
    Image.new('RGB', (300, 200), (200, 80, 10)).save(buffer, format='PNG')
    content = buffer.getvalue()

    async def save(path: Path) -> None:
        path.write_bytes(content)

    alice = SessionInfo(session_id=0, user_id=alice_id, username='alice', is_admin=False, is_muted=False)
    key = (await avatars.set_avatar(alice, name='me.png', size=len(content), save=save)).avatar
    await login(user, 'carol')  # a stranger to alice: avatars are for every signed-in user
    await user.should_see('contact-list', retries=30)
    assert any(row.get('av') == key for row in contact_rows(user))
    for size, side in (('small', avatars.SMALL), ('medium', avatars.MEDIUM)):
        response = await user.http_client.get(f'/avatars/{key}/{size}')
        assert response.status_code == 200 and response.headers['content-type'] == 'image/webp'
        assert 'immutable' in response.headers['cache-control'] and 'private' in response.headers['cache-control']
        assert Image.open(io.BytesIO(response.content)).size == (side, side)
    for path in (f'/avatars/{key}/huge', f'/avatars/{key.upper()}/small', '/avatars/..%2Fchat.db/small'):
        assert (await user.http_client.get(path)).status_code == 404
    assert (await user.http_client.get(f'/files/{key}')).status_code == 404  # not an attachment
    anonymous = create_user()
    assert (await anonymous.http_client.get(f'/avatars/{key}/small')).status_code == 404


async def test_export_from_the_profile_page_downloads_for_its_owner_only(
    user: User, create_user: Callable[[], User]
) -> None:
    import io
    import json
    import zipfile

    from chat_ui.services import exports

    exports._jobs.clear()  # jobs are per process, and every test's database starts its user ids at 1 again
    alice, bob = await people(user, create_user, 'alice', 'bob')
    open_row(alice, 'bob')
    await alice.should_see('chat-input', retries=50)
    await send(alice, 'exported hello')
    await until(lambda: any(r.get('b') == 'exported hello' for r in message_rows(alice)), 'not sent')
    await alice.open('/profile')
    alice.find('export-data').click()
    await alice.should_see('export-download', retries=200)
    with session_scope() as db:
        me = user_queries.get_user_by_key(db, name_key='alice')
        assert me is not None
        me_id = me.id
    job = exports._jobs[me_id or 0]
    assert job.state == 'done' and job.key
    response = await alice.http_client.get(f'/exports/{job.key}')
    assert response.status_code == 200 and response.headers['content-type'] == 'application/zip'
    assert 'attachment' in response.headers['content-disposition']
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        texts = [
            m.get('text')
            for name in archive.namelist()
            if name.startswith('conversations/')
            for m in json.loads(archive.read(name))['messages']
        ]
    assert texts == ['exported hello']
    assert (await bob.http_client.get(f'/exports/{job.key}')).status_code == 404
    assert (await create_user().http_client.get(f'/exports/{job.key}')).status_code == 404


async def test_password_change_signs_the_other_session_out_live_and_keeps_this_one(
    user: User, create_user: Callable[[], User]
) -> None:
    """Sign-in is single-device (A3), so the account's second session is made on the server (as a native app or
    a session from before a device switch would be) and handed to a second browser."""
    from datetime import timedelta

    from nicegui import app

    from chat_ui.core import clock
    from chat_ui.services.accounts import hash_token
    from chat_ui.services.rules.passwords import verify_password
    from chat_ui.ui.guard import TOKEN_KEY
    from db import sessions as session_queries

    other = create_user()
    route_navigation(user, other)
    alice_id = await accounts.register('alice', 'secret123', 'secret123')
    await login(user, 'alice')
    await user.should_see('contact-list', retries=30)
    with session_scope() as db:
        session_queries.create_session(
            db,
            user_id=alice_id,
            token_hash=hash_token('second-device'),
            expires_at=clock.now() + timedelta(days=1),
            ip=None,
            user_agent='other device',
        )
    await other.open('/login')
    with other:
        app.storage.user[TOKEN_KEY] = 'second-device'
    await other.open('/')
    await other.should_see('contact-list', retries=30)
    await user.open('/profile')
    user.find('password-current').type('secret123')
    user.find('password-new').type('changed456')
    user.find('password-new2').type('changed456')
    user.find('password-submit').click()
    await other.should_see('You were signed out: the password was changed.', retries=100)
    with session_scope() as db:
        stored = user_queries.get_user(db, user_id=alice_id)
        assert stored is not None and (await asyncio.to_thread(verify_password, 'changed456', stored.password_hash))[0]
    await user.open('/')
    await user.should_see('contact-list', retries=30)  # this one stays
