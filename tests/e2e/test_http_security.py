"""HTTP hardening seen from real Chromium and from raw sockets against a real server process.

- Every response (pages, NiceGUI's static assets, stored files, redirects) carries the security headers, and no page
  produces a Content-Security-Policy violation or a script error in Chromium, in every state listed in the review.
- The upload route refuses malformed bodies with a 4xx, stops reading a chunked body at the size limit, and takes
  one file per request; a normal upload through the page still works.
"""

from __future__ import annotations

import re
import select
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Page, Response, expect

from chat_ui.services.uploads import MAX_UPLOAD_BYTES

from .conftest import ADMIN_SECRET, ChatServer, NewPage
from .helpers import fill_login, login, path_is, register, unique_name
from .test_chat import open_chat, signed_in
from .test_files import make_png, make_wav

MB = 1024 * 1024
HEADERS = {'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'same-origin'}
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
});
"""


class Watch:
    """Collects, for one browser page, every CSP violation, script error and same-origin response."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.base_url = base_url
        self.problems: list[str] = []
        self.responses: list[Response] = []
        page.add_init_script(REPORT_CSP_VIOLATIONS)
        page.on('console', self._console)
        page.on('pageerror', lambda error: self.problems.append(f'page error: {error}'))
        page.on('response', self._response)

    def _console(self, message: Any) -> None:
        if 'Content Security Policy' in message.text or 'Refused to' in message.text:
            self.problems.append(f'console {message.type}: {message.text}')

    def _response(self, response: Response) -> None:
        if response.url.startswith(self.base_url):
            self.responses.append(response)

    def assert_clean(self) -> None:
        """No violation so far, and every response so far had the headers."""
        assert self.problems == [], '\n'.join(self.problems)
        for response in self.responses:
            headers = response.all_headers()
            where = f'{response.status} {response.url}'
            for name, value in HEADERS.items():
                assert headers.get(name) == value, (where, name, headers)
            policy = headers.get('content-security-policy', '')
            assert "frame-ancestors 'none'" in policy, (where, policy)
            if headers.get('content-type', '').startswith('text/html'):
                assert_page_policy(policy, where)


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(';'):
        if parts := directive.split():
            parsed[parts[0]] = parts[1:]
    return parsed


def assert_page_policy(policy: str, where: str) -> None:
    """The page policy is tight: nothing unlisted, no inline script without its hash, no foreign base or form target."""
    found = directives(policy)
    assert found['default-src'] == ["'none'"], (where, policy)
    assert "'unsafe-inline'" not in found['script-src'], (where, policy)
    assert any(source.startswith("'sha256-") for source in found['script-src']), (where, policy)
    assert found['base-uri'] == ["'none'"], (where, policy)
    assert found['form-action'] == ["'self'"] and found['frame-ancestors'] == ["'none'"], (where, policy)


def watched(new_page: NewPage, server: ChatServer) -> tuple[Page, Watch]:
    page = new_page()
    return page, Watch(page, server.url)


def test_no_csp_violation_and_headers_everywhere(
    new_page: NewPage, fresh_chat_server: ChatServer, tmp_path: Path
) -> None:
    server = fresh_chat_server
    admin, admin_watch = watched(new_page, server)
    admin.goto(f'{server.url}/init_admin')
    admin.get_by_test_id('init-secret').fill(ADMIN_SECRET)
    admin.get_by_test_id('init-username').fill('root')
    admin.get_by_test_id('init-password').fill('admin123')
    admin.get_by_test_id('init-submit').click()
    expect(admin).to_have_url(path_is('/login'))
    admin.goto(f'{server.url}/init_admin')
    expect(admin.get_by_test_id('init-closed')).to_be_visible()
    admin_watch.assert_clean()

    visitor, visitor_watch = watched(new_page, server)
    register(visitor, server.url, unique_name('cv'))
    visitor.goto(f'{server.url}/login')
    nobody = unique_name('nobody')
    for _ in range(3):
        fill_login(visitor, nobody, 'wrong123')
        expect(visitor.get_by_test_id('login-password')).to_have_value('')
    expect(visitor.get_by_test_id('login-captcha')).to_be_visible()
    captcha = visitor.locator('img[src^="data:image/png"]')
    visitor.wait_for_function('img => img.complete && img.naturalWidth > 0', arg=captcha.element_handle())
    visitor.goto(f'{server.url}/')  # signed out: redirected to /login
    expect(visitor).to_have_url(path_is('/login'))
    visitor_watch.assert_clean()

    b_name = unique_name('cb')
    signed_in(new_page, server, b_name)
    a, a_watch = watched(new_page, server)
    a_name = unique_name('ca')
    register(a, server.url, a_name)
    login(a, server.url, a_name)
    open_chat(a, b_name)
    a.get_by_test_id('chat-upload').locator('input[type=file]').set_input_files(make_png(tmp_path / 'p.png'))
    preview = a.get_by_test_id('message').and_(a.locator('[data-kind="image"]')).locator('img')
    a.wait_for_function('img => img.complete && img.naturalWidth > 0', arg=preview.element_handle())
    a.get_by_test_id('chat-upload').locator('input[type=file]').set_input_files(make_wav(tmp_path / 'v.wav'))
    audio = a.get_by_test_id('message').and_(a.locator('[data-kind="audio"]')).locator('audio')
    a.wait_for_function('a => a.readyState >= 1 && a.duration > 0.9', arg=audio.element_handle())
    audio.evaluate('a => { a.muted = true; return a.play(); }')
    a.wait_for_function('a => a.currentTime > 0', arg=audio.element_handle())
    original = a.get_by_test_id('message').and_(a.locator('[data-kind="image"]')).locator('a').get_attribute('href')
    sound = audio.get_attribute('src') or audio.locator('source').get_attribute('src')
    a_watch.assert_clean()
    for path in (original, sound):
        assert path
        a.goto(server.url + path)
        a.wait_for_load_state()
    a_watch.assert_clean()

    login(admin, server.url, 'root', 'admin123')
    expect(admin.get_by_test_id('admin-users')).to_be_visible()
    admin.get_by_test_id(f'view-{a_name}').click()
    expect(admin.get_by_test_id('admin-messages')).to_be_visible()
    admin_watch.assert_clean()
    statuses = {response.status for watch in (admin_watch, visitor_watch, a_watch) for response in watch.responses}
    assert {200, 206} <= statuses  # pages, assets, files and a ranged audio read were all checked
    kinds = {urlsplit(r.url).path.split('/')[1] for w in (admin_watch, a_watch) for r in w.responses}
    assert {'_nicegui', 'files', 'login', 'admin'} <= kinds, kinds


# --------------------------------------------------------------------------------------------- the upload route


def upload_url(page: Page) -> str:
    """The page's own upload route, ``/_nicegui/client/<client>/upload/<element>``."""
    client = page.evaluate('() => window.clientId')
    element = page.get_by_test_id('chat-upload').get_attribute('id')
    assert client and element and element.startswith('c')
    return f'/_nicegui/client/{client}/upload/{element[1:]}'


def stored(server: ChatServer) -> list[str]:
    folder = server.data_dir / 'uploads'
    return sorted(str(p.relative_to(folder)) for p in folder.rglob('*') if p.is_file()) if folder.exists() else []


def part(name: str, content: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else '')
    kind = 'Content-Type: application/octet-stream\r\n' if filename is not None else ''
    return f'--B\r\nContent-Disposition: {disposition}\r\n{kind}\r\n'.encode() + content + b'\r\n'


MULTIPART = 'multipart/form-data; boundary=B'


def test_upload_route_refuses_malformed_bodies(new_page: NewPage, chat_server: ChatServer, tmp_path: Path) -> None:
    b_name = unique_name('ub')
    signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, unique_name('ua'))
    open_chat(a, b_name)
    url = upload_url(a)
    png = make_png(tmp_path / 'p.png').read_bytes()
    before = stored(chat_server)
    bodies: list[tuple[str, bytes, int]] = [
        (MULTIPART, part('note', b'just a field') + b'--B--\r\n', 400),
        (MULTIPART, b'this is not multipart at all', 400),
        ('multipart/form-data', part('file', png, 'p.png') + b'--B--\r\n', 400),
        ('application/json', b'{"file": "p.png"}', 415),
        (MULTIPART, b'--B--\r\n', 400),
        (MULTIPART, part('file', png, 'p.png'), 400),  # truncated: no closing boundary
        (MULTIPART, part('file', png, 'p.png') + part('file', png, 'q.png') + b'--B--\r\n', 400),
        (MULTIPART, part('file', png, 'p.png') + part('note', b'x') + b'--B--\r\n', 400),
        (MULTIPART, b''.join(part('file', png, f'{i}.png') for i in range(300)) + b'--B--\r\n', 400),
    ]
    with httpx.Client(base_url=chat_server.url, timeout=30) as http:
        for content_type, body, status in bodies:
            response = http.post(url, content=body, headers={'Content-Type': content_type})
            assert response.status_code == status, (content_type, body[:80], response.status_code, response.text)
        assert stored(chat_server) == before
        expect(a.get_by_test_id('message')).to_have_count(0)

        ok = http.post(url, content=part('file', png, 'p.png') + b'--B--\r\n', headers={'Content-Type': MULTIPART})
        assert ok.status_code == 200, ok.text
    expect(a.get_by_test_id('message')).to_have_count(1)
    assert len(stored(chat_server)) == len(before) + 2  # the picture and its preview


def post_chunked(server: ChatServer, path: str, total: int) -> tuple[str, int]:
    """POST a multipart body of ``total`` bytes with ``Transfer-Encoding: chunked`` (no length) through a raw socket;
    stop sending as soon as the server answers. Returns the status line and how many body bytes were sent."""
    address = urlsplit(server.url)
    chunk = b'\x00' * MB
    head = part('file', b'', 'big.wav')[: -len(b'\r\n')]
    with socket.create_connection((address.hostname, address.port), timeout=30) as conn:
        conn.sendall(
            f'POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: {MULTIPART}\r\n'
            'Transfer-Encoding: chunked\r\n\r\n'.encode()
        )
        sent = 0
        pieces = [head] + [chunk] * (total // MB)
        for piece in pieces:
            readable, _, _ = select.select([conn], [], [], 0)
            if readable:
                break
            try:
                conn.sendall(f'{len(piece):x}\r\n'.encode() + piece + b'\r\n')
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        else:  # everything went out without an answer: finish the body properly
            conn.sendall(b'9\r\n\r\n--B--\r\n\r\n0\r\n\r\n')
        answer = conn.recv(4096).decode('latin-1')
    return answer.split('\r\n', 1)[0], sent


def test_chunked_upload_stops_at_the_limit(new_page: NewPage, chat_server: ChatServer) -> None:
    b_name = unique_name('lb')
    signed_in(new_page, chat_server, b_name)
    a = signed_in(new_page, chat_server, unique_name('la'))
    open_chat(a, b_name)
    before = stored(chat_server)
    status, sent = post_chunked(chat_server, upload_url(a), 200 * MB)
    assert re.fullmatch(r'HTTP/1\.1 413 .*', status), status
    assert sent < 150 * MB, f'the server read {sent / MB:.0f} MB before refusing (limit {MAX_UPLOAD_BYTES / MB:.0f})'
    assert stored(chat_server) == before
    expect(a.get_by_test_id('message')).to_have_count(0)
