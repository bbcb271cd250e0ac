"""Security headers on every response, and a Content-Security-Policy that NiceGUI's pages work under.

Every response gets ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy:
same-origin``. A response that brings its own policy keeps it (the file routes'); other non-HTML responses get
``default-src 'none'; frame-ancestors 'none'``. HTML pages get ``PAGE_POLICY``: everything not listed is refused
(``default-src 'none'``), and each source listed is needed, checked by loading every page in Chromium (the CAPTCHA,
a picture, an audio player, the admin records) with that source removed:

- scripts: the app's own files plus the page's own inline scripts, each allowed by its SHA-256 (NiceGUI writes
  the page's elements into an inline module script, so the hashes are computed per response, and HTML inserted
  into the page later can never add a script). ``'unsafe-eval'`` stays: Vue compiles NiceGUI's component
  templates in the browser and NiceGUI evaluates event handlers and ``:prop`` bindings with ``new Function``;
  without it no page works;
- styles: the app's files and ``'unsafe-inline'`` (Quasar and NiceGUI set inline styles and add ``<style>``
  elements at run time);
- images: self, ``data:`` (the CAPTCHA picture, the emoji favicon) and ``blob:`` (Quasar's uploader previews the
  chosen picture); media: self (``/files/<uuid>``, ranged); fonts: self; connections: self (the socket: ``'self'``
  covers ``ws:``/``wss:`` of the same host);
- no ``<base>``, forms post only here, and no framing by anyone.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMMON_HEADERS = {
    b'x-frame-options': b'DENY',
    b'x-content-type-options': b'nosniff',
    b'referrer-policy': b'same-origin',
}
PAGE_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-eval' {scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self'; font-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
OTHER_POLICY = b"default-src 'none'; frame-ancestors 'none'"
CSP = b'content-security-policy'
_INLINE_SCRIPT = re.compile(rb'<script\b([^>]*)>(.*?)</script\s*>', re.IGNORECASE | re.DOTALL)
_SRC_ATTRIBUTE = re.compile(rb'\ssrc\s*=', re.IGNORECASE)


def inline_script_hashes(page: bytes) -> list[str]:
    """CSP sources (``'sha256-...'``) for each inline script of an HTML page, as the browser will hash them."""
    sources = []
    for attributes, body in _INLINE_SCRIPT.findall(page):
        if _SRC_ATTRIBUTE.search(b' ' + attributes):
            continue
        text = body.replace(b'\r\n', b'\n').replace(b'\r', b'\n')  # the HTML parser normalizes newlines
        sources.append(f"'sha256-{base64.b64encode(hashlib.sha256(text).digest()).decode()}'")
    return sorted(set(sources))


def page_policy(page: bytes) -> bytes:
    return PAGE_POLICY.format(scripts=' '.join(inline_script_hashes(page))).encode()


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        body: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal held
            if message['type'] == 'http.response.start':
                headers = [(k, v) for k, v in message.get('headers', []) if k.lower() not in COMMON_HEADERS]
                message = {**message, 'headers': headers + list(COMMON_HEADERS.items())}
                if _is_html(headers) and not _has_policy(headers):
                    held = message  # the policy needs the page's inline scripts: wait for the whole body
                    return
                if not _has_policy(headers):
                    message['headers'].append((CSP, OTHER_POLICY))
            elif message['type'] == 'http.response.body' and held is not None:
                body.append(message.get('body', b''))
                if message.get('more_body', False):
                    return
                page = b''.join(body)
                await send({**held, 'headers': [*held['headers'], (CSP, page_policy(page))]})
                message = {'type': 'http.response.body', 'body': page}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == b'content-type' and v.lower().startswith(b'text/html') for k, v in headers)


def _has_policy(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == CSP for k, _ in headers)
