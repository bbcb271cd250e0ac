import io
import uuid
from collections.abc import Callable
from pathlib import Path

from nicegui.testing import User
from PIL import Image

from chat_ui.core.views import SessionInfo
from chat_ui.services import accounts, conversations, uploads

from .conftest import login

WAV = (Path(__file__).resolve().parent.parent / 'data' / 'tone.ogg').read_bytes()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new('RGB', (300, 200), (10, 120, 200)).save(buffer, format='PNG')
    return buffer.getvalue()


def actor(user_id: int, name: str) -> SessionInfo:
    return SessionInfo(session_id=0, user_id=user_id, username=name, is_admin=False, is_muted=False)


async def upload(sender: SessionInfo, peer: SessionInfo, name: str, content: bytes) -> str:
    async def save(path: Path) -> None:
        path.write_bytes(content)

    chat = await conversations.open_direct(sender, peer_id=peer.user_id)
    assert chat.id is not None
    view = await uploads.send_file(sender, conversation_id=chat.id, name=name, size=len(content), save=save)
    assert view.attachment
    return view.attachment.key


async def test_only_members_get_the_file(user: User, create_user: Callable[[], User]) -> None:
    alice = actor(await accounts.register('alice', 'secret123', 'secret123'), 'alice')
    bob = actor(await accounts.register('bob', 'secret123', 'secret123'), 'bob')
    await accounts.register('carol', 'secret123', 'secret123')
    audio_key = await upload(alice, bob, 'song.ogg', WAV)
    image_key = await upload(bob, alice, 'pic.png', png())

    await login(user, 'alice')
    await user.should_see('contact-list', retries=30)
    response = await user.http_client.get(f'/files/{audio_key}')
    assert response.status_code == 200 and response.content == WAV
    assert response.headers['content-type'] == 'audio/ogg'
    assert response.headers['x-content-type-options'] == 'nosniff'
    assert response.headers['accept-ranges'] == 'bytes'
    ranged = await user.http_client.get(f'/files/{audio_key}', headers={'Range': 'bytes=10-19'})
    assert ranged.status_code == 206 and ranged.content == WAV[10:20]
    assert ranged.headers['content-range'] == f'bytes 10-19/{len(WAV)}'
    thumb = await user.http_client.get(f'/files/{image_key}/thumb')
    assert thumb.status_code == 200 and thumb.headers['content-type'] == 'image/webp'
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 480

    stranger = create_user()
    await login(stranger, 'carol')
    await stranger.should_see('contact-list', retries=30)
    for path in (f'/files/{audio_key}', f'/files/{image_key}/thumb'):
        assert (await stranger.http_client.get(path)).status_code == 404

    anonymous = create_user()
    assert (await anonymous.http_client.get(f'/files/{audio_key}')).status_code == 404

    for guess in (str(uuid.uuid4()), '..%2F..%2Fetc%2Fpasswd', 'chat.db', audio_key.upper()):
        assert (await user.http_client.get(f'/files/{guess}')).status_code == 404

    await accounts.init_admin(
        secret='s', expected_secret='s', username='root', password='admin123', password2='admin123'
    )
    moderator = create_user()
    await login(moderator, 'root', 'admin123')
    await moderator.should_see('admin-users', retries=50)
    assert (await moderator.http_client.get(f'/files/{audio_key}')).status_code == 200


async def test_oversized_upload_request_is_refused_before_reading(user: User) -> None:
    response = await user.http_client.post(
        '/_nicegui/client/x/upload/1', headers={'content-length': str(uploads.MAX_UPLOAD_BYTES * 2)}, content=b''
    )
    assert response.status_code == 413
