"""Security headers on pages, redirects, static assets, files, refusals and errors; the session cookie's flags."""

from __future__ import annotations

import base64
import hashlib
import io
from html.parser import HTMLParser

import httpx
import pytest
from nicegui import __version__ as nicegui_version
from nicegui.testing import User
from PIL import Image

from chat_ui.services import accounts

from .conftest import login
from .test_file_route import actor, upload

COMMON = {'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin'}


class InlineScripts(HTMLParser):
    """The text of every inline ``<script>`` (no ``src``), the way a browser's parser splits the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._inside: bool | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == 'script':
            self._inside = not any(name == 'src' for name, _ in attrs)
            self.scripts.append('')

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.scripts[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == 'script':
            if not self._inside:
                self.scripts.pop()
            self._inside = None


def policy(response: httpx.Response) -> dict[str, list[str]]:
    found = {}
    for directive in response.headers.get('content-security-policy', '').split(';'):
        if parts := directive.split():
            found[parts[0]] = parts[1:]
    return found


def assert_common(response: httpx.Response) -> None:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (response.request.url, name, dict(response.headers))
    assert policy(response)['frame-ancestors'] == ["'none'"], response.headers.get('content-security-policy')


def assert_page(response: httpx.Response) -> None:
    assert response.status_code == 200 and response.headers['content-type'].startswith('text/html')
    assert_common(response)
    found = policy(response)
    assert found['default-src'] == ["'none'"] and found['base-uri'] == ["'none'"]
    assert "'unsafe-inline'" not in found['script-src']
    parser = InlineScripts()
    parser.feed(response.text)
    assert len(parser.scripts) >= 3  # the import map, NiceGUI's helpers, the page's elements
    for script in parser.scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in found['script-src'], script[:200]
    assert len(found['script-src']) == 2 + len(set(parser.scripts))  # 'self', 'unsafe-eval' and nothing else


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new('RGB', (30, 20), (10, 120, 200)).save(buffer, format='PNG')
    return buffer.getvalue()


async def test_headers_on_every_kind_of_response(user: User) -> None:
    alice = actor(await accounts.register('alice', 'secret123', 'secret123'), 'alice')
    bob = actor(await accounts.register('bob', 'secret123', 'secret123'), 'bob')
    key = await upload(alice, bob, 'p.png', png())
    http = user.http_client

    for path in ('/login', '/register', '/init_admin'):
        assert_page(await http.get(path))
    redirect = await http.get('/')
    assert redirect.status_code in {302, 303, 307} and redirect.headers['location'].startswith('/login')
    assert_common(redirect)

    await login(user, 'alice')
    await user.should_see('contact-list', retries=30)
    assert_page(await http.get('/'))
    for path in (f'/files/{key}', f'/files/{key}/thumb'):
        served = await http.get(path)
        assert served.status_code == 200
        assert_common(served)
        assert policy(served)['default-src'] == ["'none'"] and policy(served)['sandbox'] == []

    for path in (
        f'/_nicegui/{nicegui_version}/static/nicegui.js',
        f'/_nicegui/{nicegui_version}/static/quasar.important.prod.css',
        f'/files/{key}x',
        '/_nicegui_ws/socket.io/?EIO=4&transport=polling',
    ):
        response = await http.get(path)
        assert_common(response)
        assert policy(response)['default-src'] == ["'none'"], path
    refused = await http.post('/_nicegui/client/x/upload/1', content=b'x', headers={'content-type': 'text/plain'})
    assert refused.status_code == 415
    assert_common(refused)


def session_cookie(response: httpx.Response) -> str:
    cookies = [value for value in response.headers.get_list('set-cookie') if value.startswith('session=')]
    assert len(cookies) == 1, response.headers.get_list('set-cookie')
    return cookies[0].lower()


async def test_session_cookie_is_not_secure_by_default(user: User) -> None:
    cookie = session_cookie(await user.http_client.get('/login'))
    assert 'httponly' in cookie and 'samesite=lax' in cookie and 'secure' not in cookie


@pytest.fixture
def behind_tls_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CHAT_SECURE_COOKIE', 'true')


async def test_session_cookie_is_secure_when_configured(behind_tls_proxy: None, user: User) -> None:
    cookie = session_cookie(await user.http_client.get('/login'))
    assert 'secure' in cookie.split('; ') and 'httponly' in cookie
