"""Refuse upload requests whose declared body is larger than any allowed file, before reading them."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from chat_ui.services.uploads import MAX_UPLOAD_BYTES

ALLOWANCE = 1024 * 1024  # multipart framing around the file


class UploadSizeLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] == 'http' and scope['method'] == 'POST' and '/upload/' in scope['path']:
            length = dict(scope['headers']).get(b'content-length', b'0')
            if not length.isdigit() or int(length) > MAX_UPLOAD_BYTES + ALLOWANCE:
                await send(
                    {'type': 'http.response.start', 'status': 413, 'headers': [(b'content-type', b'text/plain')]}
                )
                await send({'type': 'http.response.body', 'body': b'file too large'})
                return
        await self.app(scope, receive, send)
