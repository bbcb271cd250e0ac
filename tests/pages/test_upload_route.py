"""The chat page's real upload route (NiceGUI's ``/_nicegui/client/<id>/upload/<id>``) behind the upload guard."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nicegui import ui
from nicegui.testing import User
from PIL import Image

from chat_ui.core.config import get_settings
from chat_ui.core.views import SessionInfo
from chat_ui.services import accounts, conversations, messaging
from chat_ui.services.uploads import MAX_UPLOAD_BYTES

from .conftest import login, open_contact, sees_contact

MB = 1024 * 1024
MULTIPART = 'multipart/form-data; boundary=B'


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new('RGB', (40, 30), (10, 120, 200)).save(buffer, format='PNG')
    return buffer.getvalue()


def part(name: str, content: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else '')
    kind = 'Content-Type: image/png\r\n' if filename is not None else ''
    return f'--B\r\nContent-Disposition: {disposition}\r\n{kind}\r\n'.encode() + content + b'\r\n'


END = b'--B--\r\n'


def stored_files() -> list[Path]:
    return [path for path in get_settings().resolved_upload_dir().rglob('*') if path.is_file()]


async def chat_upload_url(user: User) -> tuple[int, int]:
    """Sign alice in, open her conversation with bob; return the url of the page's upload route and both ids."""
    alice = await accounts.register('alice', 'secret123', 'secret123')
    bob = await accounts.register('bob', 'secret123', 'secret123')
    await login(user, 'alice')
    await user.should_see('contact-list', retries=30)
    await sees_contact(user, 'bob')
    open_contact(user, 'bob')
    await user.should_see(marker='chat-input', retries=30)
    return alice, bob


def upload_url(user: User) -> str:
    uploads = [element for element in user.find('chat-upload').elements if isinstance(element, ui.upload)]
    assert len(uploads) == 1
    return str(uploads[0].props['url'])


async def messages(alice: int, bob: int) -> list[str]:
    """The kinds of the messages between alice and bob."""
    me = SessionInfo(session_id=0, user_id=alice, username='alice', is_admin=False, is_muted=False)
    chat = await conversations.open_direct(me, peer_id=bob)
    assert chat.id is not None
    return [view.kind for view in await messaging.load_window(me, conversation_id=chat.id)]


async def wait_for_messages(alice: int, bob: int, count: int) -> None:
    for _ in range(100):
        if len(await messages(alice, bob)) == count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f'expected {count} messages, found {await messages(alice, bob)}')


@pytest.mark.parametrize(
    ('content_type', 'body', 'status'),
    [
        pytest.param(MULTIPART, part('note', b'just a field') + END, 400, id='field-but-no-file'),
        pytest.param(MULTIPART, b'\x00garbage\xff' * 10, 400, id='garbage'),
        pytest.param('multipart/form-data', part('file', b'x', 'p.png') + END, 400, id='missing-boundary'),
        pytest.param('multipart/form-data; boundary=', part('file', b'x', 'p.png') + END, 400, id='empty-boundary'),
        pytest.param('text/plain', b'hello', 415, id='not-multipart'),
        pytest.param(None, b'', 415, id='no-content-type'),
        pytest.param(MULTIPART, END, 400, id='no-part'),
        pytest.param(MULTIPART, part('file', b'\x89PNG', 'p.png'), 400, id='truncated'),
        pytest.param(
            MULTIPART, part('file', b'\x89PNG', 'p.png') + part('file', b'\x89PNG', 'q.png') + END, 400, id='two-files'
        ),
        pytest.param(MULTIPART, part('file', b'\x89PNG', 'p.png') + part('note', b'x') + END, 400, id='file-and-field'),
        pytest.param(MULTIPART, part('note', b'x') + part('file', b'\x89PNG', 'p.png') + END, 400, id='field-and-file'),
        pytest.param(
            MULTIPART, b''.join(part('file', b'\x89PNG', f'{i}.png') for i in range(300)) + END, 400, id='300-files'
        ),
    ],
)
async def test_malformed_or_multi_file_bodies_get_a_4xx_and_nothing_is_stored(
    user: User, content_type: str | None, body: bytes, status: int
) -> None:
    alice, bob = await chat_upload_url(user)
    headers = {'Content-Type': content_type} if content_type else {}
    response = await user.http_client.post(upload_url(user), content=body, headers=headers)
    assert response.status_code == status, response.text
    assert await messages(alice, bob) == []
    assert stored_files() == []


async def test_one_file_per_request_is_stored(user: User) -> None:
    """The counterpart of the refusals: the same route with one well-formed file part stores one picture."""
    alice, bob = await chat_upload_url(user)
    response = await user.http_client.post(
        upload_url(user), content=part('file', png(), 'p.png') + END, headers={'Content-Type': MULTIPART}
    )
    assert response.status_code == 200, response.text
    await wait_for_messages(alice, bob, 1)
    assert await messages(alice, bob) == ['image']
    assert len(stored_files()) == 2  # the picture and its preview


async def test_chunked_upload_without_length_stops_at_the_limit(user: User) -> None:
    """No Content-Length: the guard counts what arrives and stops pulling the body right after the limit."""
    alice, bob = await chat_upload_url(user)
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        head = part('file', b'', 'big.wav')[:-2]
        pulled += len(head)
        yield head
        for _ in range(MAX_UPLOAD_BYTES // MB + 50):
            pulled += MB
            yield b'\x00' * MB

    response = await user.http_client.post(upload_url(user), content=body(), headers={'Content-Type': MULTIPART})
    assert response.status_code == 413
    assert pulled <= MAX_UPLOAD_BYTES + 2 * MB, f'read {pulled / MB:.0f} MB before refusing'
    assert await messages(alice, bob) == []
    assert stored_files() == []
