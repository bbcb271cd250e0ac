"""Every upload request is checked while it streams in, before NiceGUI's upload route has handled any of it.

NiceGUI's route (``/_nicegui/client/<client>/upload/<element>``) parses any form and calls the page's handler once
per file: a form field without a file made it fail with HTTP 500, 300 files in one body were 300 uploads, and a
chunked body without a length was read to its end (160 MB) before the size rule refused the file. This middleware
wraps the route's ``receive``:

- the declared ``Content-Length``, when there is one, must be within ``BODY_LIMIT`` (else 413 before reading);
- the bytes that arrive are counted whatever the request's shape, and the first chunk past ``BODY_LIMIT`` ends the
  request with 413: the route never reads further;
- each chunk is first fed to python-multipart's own parser (Starlette's, without keeping any data), and the body
  must be ``multipart/form-data`` with a boundary (else 415 / 400) holding exactly one part, a file, and its closing
  boundary (else 400). A chunk that breaks a rule never reaches the route, and a route only handles a form once it
  has seen the last chunk, so a refused request has stored nothing.

The refusal is sent by this middleware; whatever the route does after its body was cut off is discarded.
"""

from __future__ import annotations

import re

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chat_ui.services.uploads import MAX_UPLOAD_BYTES

UPLOAD_PATH = re.compile(r'(?:/.*)?/_nicegui/client/[^/]+/upload/[^/]+')  # also under a root path
FRAMING_ALLOWANCE = 64 * 1024  # the boundary lines and part headers around the one file
BODY_LIMIT = MAX_UPLOAD_BYTES + FRAMING_ALLOWANCE


class Refusal(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class OneFileForm:
    """Follows a multipart body chunk by chunk and refuses it unless it is one file part, complete."""

    def __init__(self, content_type: bytes) -> None:
        kind, options = parse_options_header(content_type)
        if kind != b'multipart/form-data':
            raise Refusal(415, 'expected multipart/form-data')
        boundary = options.get(b'boundary')
        if not boundary:
            raise Refusal(400, 'multipart body without a boundary')
        self.parts = 0
        self.complete = False
        self._header_name = b''
        self._header_value = b''
        self._disposition = b''
        try:
            self._parser = MultipartParser(
                boundary,
                {
                    'on_part_begin': self._part_begins,
                    'on_header_field': self._header_name_data,
                    'on_header_value': self._header_value_data,
                    'on_header_end': self._header_ends,
                    'on_headers_finished': self._headers_finished,
                    'on_end': self._ends,
                },
            )
        except FormParserError as error:
            raise Refusal(400, 'unusable multipart boundary') from error

    def feed(self, chunk: bytes, *, last: bool) -> None:
        try:
            if not self.complete:  # after the closing boundary comes an epilogue, which every parser ignores
                self._parser.write(chunk)
        except FormParserError as error:
            raise Refusal(400, 'malformed multipart body') from error
        if last and not (self.complete and self.parts == 1):
            raise Refusal(400, 'the body must hold exactly one file, completely')

    def _part_begins(self) -> None:
        self.parts += 1
        self._disposition = b''
        if self.parts > 1:
            raise Refusal(400, 'one file per request')

    def _header_name_data(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_ends(self) -> None:
        if self._header_name.lower() == b'content-disposition':
            self._disposition = self._header_value
        self._header_name = self._header_value = b''

    def _headers_finished(self) -> None:
        kind, options = parse_options_header(self._disposition)
        if kind != b'form-data' or b'name' not in options or b'filename' not in options:
            raise Refusal(400, 'the part is not a file')

    def _ends(self) -> None:
        self.complete = True


class UploadGuard:
    def __init__(self, app: ASGIApp, *, limit: int = BODY_LIMIT) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http' or scope['method'] != 'POST' or not UPLOAD_PATH.fullmatch(scope['path']):
            await self.app(scope, receive, send)
            return
        headers = dict(scope['headers'])
        try:
            self._check_length(headers.get(b'content-length'))
            form = OneFileForm(headers.get(b'content-type', b''))
        except Refusal as refusal:
            await _refuse(send, refusal)
            return
        await _Checked(self.app, self.limit, form).run(scope, receive, send)

    def _check_length(self, declared: bytes | None) -> None:
        if declared is None:
            return
        if not declared.isdigit():
            raise Refusal(400, 'malformed Content-Length')
        if int(declared) > self.limit:
            raise Refusal(413, 'file too large')


class _Checked:
    """One upload request: the route's ``receive`` counts and checks each chunk before handing it over."""

    def __init__(self, app: ASGIApp, limit: int, form: OneFileForm) -> None:
        self.app = app
        self.limit = limit
        self.form = form
        self.received = 0
        self.refusal: Refusal | None = None

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def checked_receive() -> Message:
            message = await receive()
            if message['type'] == 'http.request':
                self._check(message)
            return message

        async def gated_send(message: Message) -> None:
            if self.refusal is None:
                await send(message)

        try:
            await self.app(scope, checked_receive, gated_send)
        except Refusal:
            pass
        except Exception:
            if self.refusal is None:
                raise
        if self.refusal is not None:
            await _refuse(send, self.refusal, close=True)

    def _check(self, message: Message) -> None:
        chunk = message.get('body', b'')
        self.received += len(chunk)
        try:
            if self.received > self.limit:
                raise Refusal(413, 'file too large')
            self.form.feed(chunk, last=not message.get('more_body', False))
        except Refusal as refusal:
            self.refusal = refusal
            raise


async def _refuse(send: Send, refusal: Refusal, *, close: bool = False) -> None:
    headers = [(b'content-type', b'text/plain; charset=utf-8')]
    if close:  # the rest of the body was never read: the connection cannot carry another request
        headers.append((b'connection', b'close'))
    await send({'type': 'http.response.start', 'status': refusal.status, 'headers': headers})
    await send({'type': 'http.response.body', 'body': refusal.reason.encode()})
