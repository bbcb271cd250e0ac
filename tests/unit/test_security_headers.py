import base64
import hashlib

import httpx
from starlette.types import Receive, Scope, Send

from chat_ui.ui.security_headers import SecurityHeaders, inline_script_hashes


def sha(text: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text).digest()).decode()}'"


def test_inline_scripts_are_hashed_as_the_browser_sees_them() -> None:
    page = b'<script type="importmap">{"a": 1}</script><SCRIPT>x()\r\ny()</script ><script src="/s.js"></script>'
    assert inline_script_hashes(page) == sorted([sha(b'{"a": 1}'), sha(b'x()\ny()')])


def app(content_type: bytes, chunks: list[bytes], extra: list[tuple[bytes, bytes]] | None = None):  # type: ignore[no-untyped-def]
    async def respond(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b'content-type', content_type), (b'x-frame-options', b'SAMEORIGIN'), *(extra or [])]
        await send({'type': 'http.response.start', 'status': 200, 'headers': headers})
        for index, chunk in enumerate(chunks):
            await send({'type': 'http.response.body', 'body': chunk, 'more_body': index < len(chunks) - 1})

    return SecurityHeaders(respond)


async def get(asgi) -> httpx.Response:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(asgi), base_url='http://test') as client:
        return await client.get('/')


async def test_a_page_sent_in_pieces_gets_the_hashes_of_all_its_scripts() -> None:
    response = await get(
        app(b'text/html; charset=utf-8', [b'<p>a</p><scr', b'ipt>one()</script>', b'<script>two()</script>'])
    )
    assert response.text == '<p>a</p><script>one()</script><script>two()</script>'
    policy = response.headers['content-security-policy']
    assert sha(b'one()') in policy and sha(b'two()') in policy and "default-src 'none'" in policy
    assert response.headers.get_list('x-frame-options') == ['DENY']
    assert response.headers['x-content-type-options'] == 'nosniff'
    assert response.headers['referrer-policy'] == 'same-origin'


async def test_a_response_with_its_own_policy_keeps_it_and_others_get_the_strict_one() -> None:
    own = await get(app(b'image/png', [b'\x89PNG'], [(b'content-security-policy', b"default-src 'none'; sandbox")]))
    assert own.headers.get_list('content-security-policy') == ["default-src 'none'; sandbox"]
    other = await get(app(b'text/javascript', [b'x()']))
    assert other.headers['content-security-policy'] == "default-src 'none'; frame-ancestors 'none'"
    assert other.headers['x-frame-options'] == 'DENY'
