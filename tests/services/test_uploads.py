import io
import struct
import wave
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy.engine import Engine

from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.live.events import MessageCreated
from chat_ui.services import accounts, conversations, file_access, messaging, uploads
from chat_ui.services.file_store import stored_path, thumb_path
from tests.support.events import CapturedEvents, to_users
from tests.support.factories import make_users, set_flags

DATA = Path(__file__).resolve().parent.parent / 'data'
MB = 1024 * 1024


def image_bytes(fmt: str, size: tuple[int, int] = (64, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new('RGB', size, (200, 80, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def wav_bytes() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, 'wb') as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b'\x00\x01' * 800)
    return buffer.getvalue()


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG whose header claims a huge picture (a decompression bomb)."""
    data = bytearray(image_bytes('PNG', (1, 1)))
    ihdr = data.index(b'IHDR')
    data[ihdr + 4 : ihdr + 12] = struct.pack('>II', width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack('>I', crc)
    return bytes(data)


def saver(content: bytes):  # type: ignore[no-untyped-def]
    async def save(path: Path) -> None:
        path.write_bytes(content)

    return save


async def pair() -> tuple[SessionInfo, SessionInfo, int]:
    """Two people and their direct conversation."""
    a, b = make_users('alice', 'bob')
    chat = await conversations.open_direct(a, peer_id=b.user_id)
    assert chat.id is not None
    return a, b, chat.id


async def send(sender: SessionInfo, chat: int, name: str, content: bytes, size: int | None = None) -> Any:
    return await uploads.send_file(
        sender, conversation_id=chat, name=name, size=len(content) if size is None else size, save=saver(content)
    )


def stored_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.exists() else []


SAMPLES = {
    'p.png': lambda: image_bytes('PNG'),
    'p.jpg': lambda: image_bytes('JPEG'),
    'p.JPEG': lambda: image_bytes('JPEG'),
    'p.gif': lambda: image_bytes('GIF'),
    'p.bmp': lambda: image_bytes('BMP'),
    'p.webp': lambda: image_bytes('WEBP'),
    't.wav': wav_bytes,
    't.mp3': lambda: (DATA / 'tone.mp3').read_bytes(),
    't.ogg': lambda: (DATA / 'tone.ogg').read_bytes(),
    't.flac': lambda: (DATA / 'tone.flac').read_bytes(),
    't.m4a': lambda: (DATA / 'tone.m4a').read_bytes(),
}


@pytest.mark.parametrize('name', list(SAMPLES))
async def test_allowed_types_are_stored_and_published(
    engine: Engine, upload_dir: Path, events: CapturedEvents, name: str
) -> None:
    a, b, chat = await pair()
    content = SAMPLES[name]()
    view = await send(a, chat, name, content)
    kind = 'image' if name.startswith('p.') else 'audio'
    assert view.kind == kind and view.attachment.name == name and view.attachment.size == len(content)
    path = stored_path(view.attachment.key)
    assert path is not None and path.read_bytes() == content and path.parent == upload_dir.resolve()
    thumb = thumb_path(view.attachment.key)
    assert thumb is not None and thumb.exists() == (kind == 'image')
    assert events.of(MessageCreated) == [(MessageCreated(message=view), to_users(a.user_id, b.user_id))]
    assert [v.kind for v in await messaging.load_window(b, conversation_id=chat)] == [kind]
    assert not list((upload_dir / '.incoming').iterdir())


@pytest.mark.parametrize(
    ('name', 'content', 'size', 'key'),
    [
        ('virus.exe', b'MZ\x90\x00' + b'\x00' * 100, None, 'file_type_not_allowed'),
        ('noext', b'abc', None, 'file_type_not_allowed'),
        ('virus.png', b'MZ\x90\x00' + b'\x00' * 100, None, 'file_content_mismatch'),
        ('song.mp3', b'\x89PNG\r\n\x1a\n' + b'\x00' * 100, None, 'file_content_mismatch'),
        ('pic.png', b'', None, 'file_empty'),
        ('pic.png', b'\x89PNG\r\n\x1a\n' + b'\x00' * 100, None, 'image_unreadable'),
        ('bomb.png', bomb_png(), None, 'image_too_many_pixels'),
        ('big.png', b'\x89PNG', 21 * MB, 'file_too_large'),
        ('big.wav', b'RIFF', 101 * MB, 'file_too_large'),
    ],
)
async def test_hostile_files_are_refused_and_nothing_is_kept(
    engine: Engine, upload_dir: Path, name: str, content: bytes, size: int | None, key: str
) -> None:
    a, _, chat = await pair()
    with pytest.raises(ChatError) as info:
        await send(a, chat, name, content, size)
    assert info.value.key == key
    assert await messaging.load_window(a, conversation_id=chat) == []
    assert stored_files(upload_dir) == []
    incoming = upload_dir / '.incoming'
    assert not incoming.exists() or not list(incoming.iterdir())


async def test_declared_size_lie_is_caught_after_saving(engine: Engine, upload_dir: Path) -> None:
    """A client that declares a small size but sends 21 MB is refused once the bytes are on disk."""
    a, _, chat = await pair()
    content = image_bytes('PNG') + b'\x00' * (21 * MB)
    with pytest.raises(ChatError) as info:
        await send(a, chat, 'liar.png', content, size=100)
    assert info.value.key == 'file_too_large'
    assert stored_files(upload_dir) == []


@pytest.mark.parametrize(
    'name', ['../../etc/passwd.png', 'C:evil.png', '..\\..\\boot.png', '/abs/path.png', '<b>x</b>.png']
)
async def test_file_names_cannot_escape_upload_dir(engine: Engine, upload_dir: Path, name: str) -> None:
    a, _, chat = await pair()
    view = await send(a, chat, name, image_bytes('PNG'))
    path = stored_path(view.attachment.key)
    assert path is not None and path.parent == upload_dir.resolve()
    assert '/' not in view.attachment.name and '\\' not in view.attachment.name
    assert stored_files(upload_dir) == sorted([view.attachment.key, f'{view.attachment.key}.thumb.webp'])


def test_stored_path_only_accepts_canonical_uuids(upload_dir: Path) -> None:
    assert stored_path('../../etc/passwd') is None
    assert stored_path('0f0e0d0c-0b0a-4908-8706-050403020100/../x') is None
    assert stored_path('0F0E0D0C-0B0A-4908-8706-050403020100') is None
    assert stored_path('0f0e0d0c-0b0a-4908-8706-050403020100') is not None


async def test_muted_sender_cannot_upload(engine: Engine, upload_dir: Path) -> None:
    a, _, chat = await pair()
    set_flags(a.user_id, muted=True)
    with pytest.raises(ChatError) as info:
        await send(a, chat, 'p.png', image_bytes('PNG'))
    assert info.value.key == 'muted'
    assert stored_files(upload_dir) == []


async def test_clear_history_deletes_files(engine: Engine, upload_dir: Path) -> None:
    a, b, chat = await pair()
    image = await send(a, chat, 'p.png', image_bytes('PNG'))
    audio = await send(b, chat, 't.wav', wav_bytes())
    assert len(stored_files(upload_dir)) == 3
    await messaging.clear_history(a, conversation_id=chat)
    assert stored_files(upload_dir) == []
    assert image.attachment and audio.attachment


async def test_room_files_are_served_to_current_members_and_the_admin_only(engine: Engine, upload_dir: Path) -> None:
    for name in ('owner', 'member', 'outsider'):
        await accounts.register(name, 'secret123', 'secret123')
    tokens = {name: (await accounts.login(name, 'secret123'))[0] for name in ('owner', 'member', 'outsider')}
    owner = await accounts.current_session(tokens['owner'])
    assert owner is not None
    room = await conversations.create_room(owner, title='Photos', private=True)
    assert room.id is not None
    await conversations.add_member(owner, conversation_id=room.id, username='member')
    view = await send(owner, room.id, 'p.png', image_bytes('PNG'))

    async def served(name: str) -> bool:
        return await file_access.file_for(tokens[name], view.attachment.key, thumbnail=False) is not None

    assert await served('owner') and await served('member') and not await served('outsider')
    member = await accounts.current_session(tokens['member'])
    assert member is not None
    await conversations.remove_member(owner, conversation_id=room.id, user_id=member.user_id)
    assert not await served('member')
    assert await file_access.file_for(None, view.attachment.key, thumbnail=True) is None


async def test_non_members_cannot_upload_into_a_conversation(engine: Engine, upload_dir: Path) -> None:
    _, _, chat = await pair()
    (c,) = make_users('carol')
    with pytest.raises(ChatError) as info:
        await send(c, chat, 'p.png', image_bytes('PNG'))
    assert info.value.key == 'not_a_member'
    assert stored_files(upload_dir) == []


@pytest.mark.parametrize(
    ('name', 'shown'),
    [
        ('holiday\u202egnp.exe.png', 'holidaygnp.exe.png'),  # RIGHT-TO-LEFT OVERRIDE: would read "holidaypng.exe..."
        ('a\u202db\u202ac\u202bd\u202ce.png', 'abcde.png'),  # the other embeddings and overrides
        ('\u2066x\u2067y\u2068z\u2069.png', 'xyz.png'),  # isolates
        ('r\u200el\u200fa\u061c.png', 'rla.png'),  # marks (LRM, RLM, ALM)
        ('tab\tnew\nline\r\x00\x1b[31m\x7f\x85.png', 'tab new line [31m.png'),  # C0/C1 controls and DEL
        ('zero\u200bwidth\u200c\u2060\ufeff\u00ad.png', 'zerowidth.png'),  # invisible format characters
        ('fill\u3164er\u115f\u1160\uffa0.png', 'filler.png'),  # Hangul fillers: printable, yet invisible
        ('pic.png\u202e', 'pic.png'),  # a control after the extension
        ('  spaced\u2003\u2028out  .png', 'spaced out.png'),
        ('\u202e\u200b.png', 'file.png'),  # nothing left of the name but its extension
    ],
)
async def test_shown_file_names_lose_control_and_bidi_characters(
    engine: Engine, upload_dir: Path, name: str, shown: str
) -> None:
    a, b, chat = await pair()
    view = await send(a, chat, name, image_bytes('PNG'))
    assert view.attachment.name == shown
    [stored] = await messaging.load_window(b, conversation_id=chat)
    assert stored.attachment.name == shown


async def test_long_file_names_are_capped_and_keep_their_start_and_extension(engine: Engine, upload_dir: Path) -> None:
    a, _, chat = await pair()
    name = 'Start-' + '长' * 500 + '.jpeg'
    view = await send(a, chat, name, image_bytes('JPEG'))
    assert view.attachment.name is not None
    assert len(view.attachment.name) == uploads.NAME_MAX
    assert view.attachment.name.startswith('Start-长') and view.attachment.name.endswith('长.jpeg')


@pytest.mark.parametrize(
    ('name', 'key'),
    [
        ('evil\u202egnp.exe', 'file_type_not_allowed'),  # shown as "evilexe.png" by the override: it is an .exe
        ('evil.exe\u200b', 'file_type_not_allowed'),
        ('evil.ex\u202ee', 'file_type_not_allowed'),
        ('\u202e', 'file_type_not_allowed'),
        ('evil.p\u200bhp', 'file_type_not_allowed'),
        ('a/b.png\\c.exe', 'file_type_not_allowed'),
        ('x.' + 'p' * 300 + '.exe', 'file_type_not_allowed'),
        ('virus\u202egnp.exe.png', 'file_content_mismatch'),  # the cleaned name's rule (png) sniffs the bytes
    ],
)
async def test_the_extension_rule_reads_the_cleaned_name(engine: Engine, upload_dir: Path, name: str, key: str) -> None:
    a, _, chat = await pair()
    with pytest.raises(ChatError) as info:
        await send(a, chat, name, b'MZ\x90\x00' + b'\x00' * 100)
    assert info.value.key == key
    assert stored_files(upload_dir) == []


@pytest.mark.parametrize('name', ['pic.png\u202e', 'pic.p\u200bng', 'pic.png ', 'pic.PNG\u2069'])
async def test_a_png_whose_extension_is_clean_only_after_cleaning_is_accepted(
    engine: Engine, upload_dir: Path, name: str
) -> None:
    a, _, chat = await pair()
    view = await send(a, chat, name, image_bytes('PNG'))
    assert view.kind == 'image' and view.attachment.name in {'pic.png', 'pic.PNG'}
