"""Avatars (checked like chat uploads, cropped square, two sizes) and the access rule of each stored-file purpose."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.engine import Engine

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.live.events import ProfileChanged
from chat_ui.services import avatars, conversations, file_access, profiles, uploads
from chat_ui.services.file_store import stored_path, thumb_path
from db import files as file_queries
from db import users as user_queries
from db.engine import session_scope
from tests.services.test_uploads import bomb_png, image_bytes, saver
from tests.support.events import CapturedEvents, only, to_users
from tests.support.factories import make_users


async def put(actor: SessionInfo, name: str, content: bytes, size: int | None = None):  # type: ignore[no-untyped-def]
    return await avatars.set_avatar(actor, name=name, size=len(content) if size is None else size, save=saver(content))


def avatar_key(user_id: int) -> str | None:
    with session_scope() as db:
        user = user_queries.get_user(db, user_id=user_id)
        assert user is not None
        return user.avatar_key


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize('fmt,name', [('PNG', 'me.png'), ('JPEG', 'me.JPG'), ('WEBP', 'me.webp')])
async def test_avatar_is_cropped_square_in_two_sizes(
    engine: Engine, upload_dir: Path, events: CapturedEvents, fmt: str, name: str
) -> None:
    a, b, _ = make_users('alice', 'bob', 'carol')
    await conversations.open_direct(a, peer_id=b.user_id)
    events.clear()
    view = await put(a, name, image_bytes(fmt, (300, 120)))
    key = view.avatar
    assert key and avatar_key(a.user_id) == key
    medium, small = stored_path(key), thumb_path(key)
    assert medium is not None and small is not None
    with Image.open(medium) as image:
        assert image.size == (avatars.MEDIUM, avatars.MEDIUM) and image.format == 'WEBP'
    with Image.open(small) as image:
        assert image.size == (avatars.SMALL, avatars.SMALL)
    event, topics = only(events.of(ProfileChanged))
    assert event == ProfileChanged(user_id=a.user_id, username='alice', display_name='', avatar=key)
    assert topics == to_users(a.user_id, b.user_id)
    (row,) = [v for v in await conversations.sidebar(b) if v.peer_id == a.user_id]
    assert row.avatar == key
    # a new picture replaces the old one's files; removing goes back to initials
    second = (await put(a, 'again.png', image_bytes('PNG'))).avatar
    assert second != key and not medium.exists() and not small.exists()
    await avatars.remove_avatar(a)
    assert avatar_key(a.user_id) is None and files_in(upload_dir) == []
    await profiles.set_display_name(a, display_name='Alice')  # keeps no stale avatar in its event
    assert events.of(ProfileChanged)[-1][0].avatar == ''


@pytest.mark.parametrize(
    'name,content,size,key',
    [
        ('page.png', b'<html><script>alert(1)</script></html>', None, 'file_content_mismatch'),
        ('fake.jpg', image_bytes('PNG'), None, 'file_content_mismatch'),
        ('anim.gif', image_bytes('GIF'), None, 'avatar_type_not_allowed'),
        ('script.svg', b'<svg onload=alert(1)>', None, 'avatar_type_not_allowed'),
        ('noext', image_bytes('PNG'), None, 'avatar_type_not_allowed'),
        ('bomb.png', bomb_png(), None, 'image_too_many_pixels'),
        ('big.png', image_bytes('PNG'), 6 * 1024 * 1024, 'avatar_too_large'),
        ('empty.png', b'', None, 'file_empty'),
        ('broken.png', image_bytes('PNG')[:60], None, 'image_unreadable'),
    ],
)
async def test_hostile_avatars_are_refused_and_nothing_changes(
    engine: Engine, upload_dir: Path, events: CapturedEvents, name: str, content: bytes, size: int | None, key: str
) -> None:
    (a,) = make_users('alice')
    with pytest.raises(ChatError) as info:
        await put(a, name, content, size)
    assert info.value.key == key
    assert avatar_key(a.user_id) is None and events.of(ProfileChanged) == []
    assert files_in(upload_dir) == [] and files_in(upload_dir / '.incoming') == []


async def test_a_lying_declared_size_is_caught_after_saving(engine: Engine, upload_dir: Path) -> None:
    (a,) = make_users('alice')
    huge = image_bytes('PNG') + b'\0' * (5 * 1024 * 1024)
    with pytest.raises(ChatError) as info:
        await put(a, 'me.png', huge, size=100)
    assert info.value.key == 'avatar_too_large' and avatar_key(a.user_id) is None


async def test_access_follows_the_purpose(engine: Engine, upload_dir: Path) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    admin = SessionInfo(session_id=0, user_id=0, username='boss', is_admin=True, is_muted=False)
    chat = await conversations.open_direct(a, peer_id=b.user_id)
    assert chat.id is not None
    message = await uploads.send_file(
        a, conversation_id=chat.id, name='p.png', size=len(image_bytes('PNG')), save=saver(image_bytes('PNG'))
    )
    assert message.attachment is not None
    attachment = message.attachment.key
    avatar = (await put(a, 'me.png', image_bytes('PNG'))).avatar
    with session_scope() as db:
        file_queries.add_file(
            db,
            key=str(uuid.uuid4()),
            owner_id=a.user_id,
            purpose='export',
            mime='application/zip',
            name='export.zip',
            size=1,
            expires_at=clock.now() + timedelta(hours=1),
        )
        export = file_queries.owned(db, owner_id=a.user_id, purpose='export')[0].key
        expired = file_queries.add_file(
            db,
            key=str(uuid.uuid4()),
            owner_id=a.user_id,
            purpose='export',
            mime='application/zip',
            name='old.zip',
            size=1,
            expires_at=clock.now() - timedelta(seconds=1),
        ).key

    def may(key: str, viewer: SessionInfo, purpose: str | None = None) -> bool:
        with session_scope() as db:
            return file_access.may_fetch(db, key, viewer, purpose=purpose) is not None

    assert [may(attachment, v) for v in (a, b, c, admin)] == [True, True, False, True]
    assert [may(avatar, v) for v in (a, b, c, admin)] == [True, True, True, True]
    assert [may(export, v) for v in (a, b, c, admin)] == [True, False, False, False]
    assert not may(expired, a)
    assert not may(avatar, c, purpose='attachment') and not may(attachment, a, purpose='avatar')
    assert not may('not-a-key', a)
