"""Image and audio messages: every rule checked on the server, files stored under UUID names.

Checks, in order: sender may send; extension allowed; size within the limit (after the bytes are on disk, since
the browser's limit can be bypassed); content sniffed by magic bytes and matching the extension; images decodable
and not decompression bombs. Only then is the message row written and published.
"""

from __future__ import annotations

import os
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.views import Attachment, MessageView, SessionInfo
from chat_ui.services.access import access_conversation
from chat_ui.services.file_store import upload_dir
from chat_ui.services.messaging import limit_sends, store_message
from chat_ui.services.send_limit import check_send_limit
from chat_ui.services.work import Work, read, transact
from db import files as file_queries

MB = 1024 * 1024
IMAGE_MAX_BYTES = 20 * MB
AUDIO_MAX_BYTES = 100 * MB
IMAGE_MAX_PIXELS = 40_000_000
THUMB_SIZE = (480, 480)
NAME_MAX = 120  # characters of a shown file name, extension included
# Printable by Unicode's rules, yet drawn as nothing: they could hide what a name really says.
INVISIBLE = frozenset('\u034f\u115f\u1160\u17b4\u17b5\u180e\u2800\u3164\uffa0')


@dataclass(frozen=True, slots=True)
class FileRule:
    kind: str
    mime: str
    sniffed: frozenset[str]
    max_bytes: int


RULES: dict[str, FileRule] = {
    'png': FileRule('image', 'image/png', frozenset({'png'}), IMAGE_MAX_BYTES),
    'jpg': FileRule('image', 'image/jpeg', frozenset({'jpg'}), IMAGE_MAX_BYTES),
    'jpeg': FileRule('image', 'image/jpeg', frozenset({'jpg'}), IMAGE_MAX_BYTES),
    'gif': FileRule('image', 'image/gif', frozenset({'gif'}), IMAGE_MAX_BYTES),
    'bmp': FileRule('image', 'image/bmp', frozenset({'bmp'}), IMAGE_MAX_BYTES),
    'webp': FileRule('image', 'image/webp', frozenset({'webp'}), IMAGE_MAX_BYTES),
    'mp3': FileRule('audio', 'audio/mpeg', frozenset({'mp3'}), AUDIO_MAX_BYTES),
    'wav': FileRule('audio', 'audio/wav', frozenset({'wav'}), AUDIO_MAX_BYTES),
    'ogg': FileRule('audio', 'audio/ogg', frozenset({'ogg'}), AUDIO_MAX_BYTES),
    'm4a': FileRule('audio', 'audio/mp4', frozenset({'m4a', 'mp4'}), AUDIO_MAX_BYTES),
    'flac': FileRule('audio', 'audio/flac', frozenset({'flac'}), AUDIO_MAX_BYTES),
}
ACCEPT = ','.join(f'.{ext}' for ext in RULES)
MAX_UPLOAD_BYTES = max(rule.max_bytes for rule in RULES.values())


def rule_for(file_name: str) -> FileRule:
    """The rule for a (cleaned) file name's extension, or a refusal naming the allowed types."""
    extension = file_name.rsplit('.', 1)[-1].lower() if '.' in file_name else ''
    rule = RULES.get(extension)
    if rule is None:
        raise ChatError('file_type_not_allowed', types=', '.join(RULES))
    return rule


def clean_name(file_name: str) -> str:
    """The name as people will see it: no path parts, no control, bidirectional-override or invisible characters,
    each run of whitespace one space, at most ``NAME_MAX`` characters keeping its start and its extension."""
    base = unicodedata.normalize('NFC', file_name).replace('\\', '/').rsplit('/', 1)[-1]
    shown = ''.join(' ' if c.isspace() else c for c in base if c.isspace() or (c.isprintable() and c not in INVISIBLE))
    text = ' '.join(shown.split())
    stem, dot, extension = text.rpartition('.')
    if not dot:
        stem, extension = text, ''
    tail = dot + extension
    if len(tail) >= NAME_MAX:
        return text[:NAME_MAX]
    return (stem.strip() or 'file')[: NAME_MAX - len(tail)].rstrip() + tail


def check_size(size: int, rule: FileRule) -> None:
    if size <= 0:
        raise ChatError('file_empty')
    if size > rule.max_bytes:
        raise ChatError('file_too_large', max_mb=rule.max_bytes // MB)


def check_content(path: Path, rule: FileRule) -> None:
    """The bytes must really be the type the extension claims."""
    kind = filetype.guess(str(path))
    if kind is None or kind.extension not in rule.sniffed:
        raise ChatError('file_content_mismatch')


def make_thumbnail(source: Path, target: Path) -> None:
    """Decode the image (refusing bombs and broken files) and write a small WebP preview."""
    too_many = ChatError('image_too_many_pixels', max_mp=IMAGE_MAX_PIXELS // 1_000_000)
    try:
        with Image.open(source) as image:
            if image.width * image.height > IMAGE_MAX_PIXELS:
                raise too_many
            image.load()
            preview = ImageOps.exif_transpose(image) or image
            preview.thumbnail(THUMB_SIZE)
            if preview.mode not in {'RGB', 'RGBA'}:
                preview = preview.convert('RGBA')
            preview.save(target, format='WEBP', quality=80)
    except Image.DecompressionBombError as error:
        raise too_many from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        target.unlink(missing_ok=True)
        raise ChatError('image_unreadable') from error


def _accept(
    work: Work, sender_id: int, conversation_id: int, incoming: Path, original_name: str, rule: FileRule
) -> MessageView:
    """Validate the file now on disk, move it to its UUID name and write the message (or delete it and refuse)."""
    key = str(uuid.uuid4())
    final = upload_dir() / key
    thumb = final.with_name(f'{key}.thumb.webp')

    def discard() -> None:
        for path in (incoming, final, thumb):
            path.unlink(missing_ok=True)

    work.after_rollback.append(discard)
    try:
        limit_sends(work, sender_id)
        check_size(incoming.stat().st_size, rule)
        check_content(incoming, rule)
        if rule.kind == 'image':
            make_thumbnail(incoming, thumb)
        os.replace(incoming, final)
        access = access_conversation(work.db, sender_id, conversation_id, write=True)
        attachment = Attachment(key=key, name=original_name, mime=rule.mime, size=final.stat().st_size)
        file_queries.add_file(
            work.db,
            key=key,
            owner_id=sender_id,
            purpose='attachment',
            conversation_id=conversation_id,
            mime=rule.mime,
            name=original_name[:255],
            size=attachment.size,
        )
        return store_message(work, access, kind=rule.kind, attachment=attachment)
    except BaseException:
        discard()
        raise


def _precheck(db: Session, sender_id: int, conversation_id: int) -> None:
    """Refuse before the bytes arrive: no access, or already over the send limit (checked again, locked, when the
    message is written)."""
    access_conversation(db, sender_id, conversation_id, write=True)
    check_send_limit(db, user_id=sender_id, now=clock.now(), lock=False)


async def send_file(
    actor: SessionInfo, *, conversation_id: int, name: str, size: int, save: Callable[[Path], Awaitable[None]]
) -> MessageView:
    """Store an uploaded image or audio file as a message and publish it. ``save(path)`` streams the bytes.

    The extension rule reads the cleaned name, i.e. the name every viewer will be shown.
    """
    name = clean_name(name)
    rule = rule_for(name)
    check_size(size, rule)
    await read(_precheck, actor.user_id, conversation_id)
    incoming_dir = upload_dir() / '.incoming'
    incoming_dir.mkdir(exist_ok=True)
    incoming = incoming_dir / uuid.uuid4().hex
    try:
        await save(incoming)
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    return await transact(_accept, actor.user_id, conversation_id, incoming, name, rule)
