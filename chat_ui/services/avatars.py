"""Avatars: a png/jpg/webp of at most 5 MB, checked like chat uploads (the extension, the real content, the
decompression-bomb guard), cropped to a centred square and stored as two WebP sizes made in a worker thread:
``medium`` (256 px, the stored file) and ``small`` (64 px, its preview). Each upload is a new stored file of purpose
``avatar``, so its URL never changes its bytes and may be cached for good; the previous one is deleted."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from chat_ui.core.errors import ChatError
from chat_ui.core.views import ProfileView, SessionInfo
from chat_ui.core.worker import off_loop
from chat_ui.live.events import ProfileChanged
from chat_ui.live.hub import users
from chat_ui.services.file_store import delete_stored, stored_path, thumb_path, upload_dir
from chat_ui.services.uploads import IMAGE_MAX_PIXELS, MB, RULES, check_content, clean_name
from db import conversations as conversation_queries
from db import files as file_queries

from .access import active_user
from .work import Work, transact

AVATAR_MAX_BYTES = 5 * MB
AVATAR_TYPES = ('png', 'jpg', 'jpeg', 'webp')
AVATAR_ACCEPT = ','.join(f'.{ext}' for ext in AVATAR_TYPES)
MEDIUM = 256
SMALL = 64


def avatar_url(key: str, size: str = 'small') -> str:
    return f'/avatars/{key}/{size}'


def _rule(name: str):  # type: ignore[no-untyped-def]
    extension = name.rsplit('.', 1)[-1].lower() if '.' in name else ''
    if extension not in AVATAR_TYPES:
        raise ChatError('avatar_type_not_allowed', types=', '.join(AVATAR_TYPES))
    return RULES[extension]


def _check_size(size: int) -> None:
    if size <= 0:
        raise ChatError('file_empty')
    if size > AVATAR_MAX_BYTES:
        raise ChatError('avatar_too_large', max_mb=AVATAR_MAX_BYTES // MB)


def make_avatar(source: Path, medium: Path, small: Path) -> None:
    """Decode (refusing bombs and broken files), crop the centred square, write both sizes as WebP."""
    too_many = ChatError('image_too_many_pixels', max_mp=IMAGE_MAX_PIXELS // 1_000_000)
    try:
        with Image.open(source) as image:
            if image.width * image.height > IMAGE_MAX_PIXELS:
                raise too_many
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            if upright.mode not in {'RGB', 'RGBA'}:
                upright = upright.convert('RGBA')
            side = min(upright.width, upright.height)
            square = ImageOps.fit(upright, (side, side), centering=(0.5, 0.5)) if side else upright
            square.resize((MEDIUM, MEDIUM), Image.Resampling.LANCZOS).save(medium, format='WEBP', quality=85)
            square.resize((SMALL, SMALL), Image.Resampling.LANCZOS).save(small, format='WEBP', quality=85)
    except Image.DecompressionBombError as error:
        raise too_many from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ChatError('image_unreadable') from error


def _prepare(incoming: Path, rule, key: str) -> int:  # type: ignore[no-untyped-def]
    """In a worker thread: every check, then both sizes under the new key; returns the stored size."""
    medium, small = stored_path(key), thumb_path(key)
    assert medium is not None and small is not None
    try:
        _check_size(incoming.stat().st_size)
        check_content(incoming, rule)
        make_avatar(incoming, medium, small)
    except BaseException:
        delete_stored([key])
        raise
    finally:
        incoming.unlink(missing_ok=True)
    return medium.stat().st_size


def _announce(work: Work, user_id: int, username: str, display_name: str, avatar: str) -> None:
    audience = set(conversation_queries.co_member_ids(work.db, user_id=user_id)) | {user_id}
    work.emit(
        ProfileChanged(user_id=user_id, username=username, display_name=display_name, avatar=avatar),
        users(sorted(audience)),
    )


def _replace(work: Work, user_id: int, key: str | None, size: int) -> ProfileView:
    """Point the user at the new avatar (or none), forget the old one's record and, after the commit, its files."""
    user = active_user(work.db, user_id)
    old = user.avatar_key
    if key is not None:
        work.after_rollback.append(lambda: delete_stored([key]))
        file_queries.add_file(
            work.db, key=key, owner_id=user_id, purpose='avatar', mime='image/webp', name='avatar.webp', size=size
        )
    user.avatar_key = key
    if old:
        file_queries.delete_files(work.db, keys=[old])
        work.after_commit.append(lambda: delete_stored([old]))
    work.db.flush()
    _announce(work, user_id, user.username, user.display_name or '', key or '')
    return ProfileView(user_id=user_id, username=user.username, display_name=user.display_name or '', avatar=key or '')


async def set_avatar(
    actor: SessionInfo, *, name: str, size: int, save: Callable[[Path], Awaitable[None]]
) -> ProfileView:
    """Store an uploaded picture as the actor's avatar; refused (nothing changes) unless every check passes."""
    rule = _rule(clean_name(name))
    _check_size(size)
    incoming_dir = upload_dir() / '.incoming'
    incoming_dir.mkdir(parents=True, exist_ok=True)
    incoming = incoming_dir / uuid.uuid4().hex
    try:
        await save(incoming)
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    key = str(uuid.uuid4())
    stored = await off_loop(_prepare, incoming, rule, key)
    return await transact(_replace, actor.user_id, key, stored)


async def remove_avatar(actor: SessionInfo) -> ProfileView:
    """Back to initials on a colour."""
    return await transact(_replace, actor.user_id, None, 0)
