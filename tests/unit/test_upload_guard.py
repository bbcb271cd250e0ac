"""The upload guard around a stand-in route that reads its body the way NiceGUI's does (Starlette's form parser)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from chat_ui.ui.upload_guard import UploadGuard

LIMIT = 4096
PATH = '/_nicegui/client/c/upload/7'
MULTIPART = 'multipart/form-data; boundary=B'


class Route:
    """Records what reached it: the chunks it pulled and whether it ever held a complete form."""

    def __init__(self) -> None:
        self.pulled = 0
        self.forms: list[list[str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counting() -> dict:
            message = await receive()
            self.pulled += len(message.get('body', b''))
            return message

        request = Request(scope, counting)
        async with request.form() as form:
            self.forms.append([name for name, _ in form.multi_items()])
        await JSONResponse({'upload': 'success'})(scope, receive, send)


def client(route: Route) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(UploadGuard(route, limit=LIMIT)), base_url='http://test')


def part(name: str, content: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else '')
    return f'--B\r\nContent-Disposition: {disposition}\r\n\r\n'.encode() + content + b'\r\n'


def chunks(*pieces: bytes) -> AsyncIterator[bytes]:
    async def stream() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    return stream()


async def test_one_file_passes_untouched() -> None:
    route = Route()
    async with client(route) as http:
        response = await http.post(
            PATH, content=part('file', b'x' * 100, 'a.png') + b'--B--\r\n', headers={'Content-Type': MULTIPART}
        )
    assert response.status_code == 200 and route.forms == [['file']]


@pytest.mark.parametrize(
    'pieces',
    [
        [part('file', b'x', 'a.png'), part('file', b'y', 'b.png'), b'--B--\r\n'],
        [part('file', b'x', 'a.png') + part('note', b'y') + b'--B--\r\n'],
        [part('note', b'y'), b'--B--\r\n'],
        [part('file', b'x', 'a.png')],
    ],
    ids=['second-file-in-its-own-chunk', 'field-in-the-same-chunk', 'field-only', 'no-closing-boundary'],
)
async def test_the_route_never_holds_a_refused_form(pieces: list[bytes]) -> None:
    route = Route()
    async with client(route) as http:
        response = await http.post(PATH, content=chunks(*pieces), headers={'Content-Type': MULTIPART})
    assert response.status_code == 400
    assert route.forms == []
    assert response.headers['connection'] == 'close'


async def test_chunked_body_is_cut_at_the_limit() -> None:
    route = Route()
    async with client(route) as http:
        body = chunks(part('file', b'', 'a.wav')[:-2], *[b'\x00' * 1000] * 100)
        response = await http.post(PATH, content=body, headers={'Content-Type': MULTIPART})
    assert response.status_code == 413
    assert route.pulled <= LIMIT and route.forms == []


async def test_declared_length_over_the_limit_is_refused_unread() -> None:
    route = Route()
    async with client(route) as http:
        response = await http.post(
            PATH, content=b'', headers={'Content-Type': MULTIPART, 'Content-Length': str(LIMIT + 1)}
        )
    assert response.status_code == 413 and route.pulled == 0


async def test_the_route_is_guarded_under_a_root_path_too() -> None:
    route = Route()
    async with client(route) as http:
        response = await http.post(f'/chat{PATH}', content=b'x', headers={'Content-Type': 'text/plain'})
    assert response.status_code == 415 and route.pulled == 0


async def test_other_paths_are_not_checked() -> None:
    route = Route()
    async with client(route) as http:
        response = await http.post(
            '/login', content=b'a=b', headers={'Content-Type': 'application/x-www-form-urlencoded'}
        )
    assert response.status_code == 200 and route.forms == [['a']]
