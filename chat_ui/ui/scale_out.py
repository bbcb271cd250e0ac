"""What a process behind a balancer needs: ``X-NiceChat-Instance`` on every response, ``/healthz``, and a graceful
stop on SIGTERM.

SIGTERM: the process stops taking new pages at once (``/healthz`` and new page loads answer 503, so the balancer
marks it down and retries the page on another process), waits ``CHAT_DRAIN_SECONDS`` for the balancer to notice,
lets the writes in flight finish, then tells every open page to reload: the reload goes through the balancer to
another process, where the page is built from the database again (so it shows every stored message exactly once).
Then uvicorn's own shutdown runs.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from types import FrameType
from typing import Any

from fastapi.responses import JSONResponse
from nicegui import Client, app, background_tasks
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chat_ui.core.config import get_settings
from chat_ui.live.cluster import node
from chat_ui.services import health
from chat_ui.services.read_marks import read_marks
from chat_ui.services.work import in_flight

HEADER = b'x-nicechat-instance'
WRITES_GRACE = 10.0  # s: the longest a stopping process waits for its writes
log = logging.getLogger(__name__)


class InstanceHeader:
    """Adds ``X-NiceChat-Instance: <id>``; while draining, refuses new page loads with 503 (the balancer retries
    them elsewhere); NiceGUI's own routes (socket, static files, uploads) still work for the pages still here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        value = node.instance.encode()
        if node.draining and scope.get('method') == 'GET' and not scope.get('path', '').startswith('/_nicegui'):
            response = JSONResponse({'status': 'draining', 'instance': node.instance}, status_code=503)
            response.headers['x-nicechat-instance'] = node.instance
            response.headers['retry-after'] = '1'
            await response(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message['type'] == 'http.response.start':
                headers = [(k, v) for k, v in message.get('headers', []) if k.lower() != HEADER]
                message = {**message, 'headers': [*headers, (HEADER, value)]}
            await send(message)

        await self.app(scope, receive, send_with_header)


async def healthz() -> JSONResponse:
    report = await health.check()
    return JSONResponse(report, status_code=200 if report['status'] in health.HEALTHY else 503)


def install() -> None:
    app.add_middleware(InstanceHeader)
    app.add_api_route('/healthz', healthz, methods=['GET'], include_in_schema=False)
    app.on_startup(_capture_sigterm)


def _capture_sigterm() -> None:
    """Put the drain in front of uvicorn's own SIGTERM handling (uvicorn installs its handlers before start-up)."""
    try:
        original = signal.getsignal(signal.SIGTERM)
    except ValueError:  # not the main thread (e.g. tests)
        return
    loop = asyncio.get_running_loop()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if node.draining:
            return
        node.draining = True
        loop.call_soon_threadsafe(lambda: background_tasks.create(_drain(signum, frame, original), name='drain'))

    try:
        signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:
        return


async def _drain(signum: int, frame: FrameType | None, original: Any) -> None:
    log.warning('SIGTERM: %s stops taking pages, finishes its writes and sends its pages elsewhere', node.instance)
    await asyncio.sleep(get_settings().drain_seconds)
    await read_marks.flush()
    if not await in_flight.settled(WRITES_GRACE):
        log.warning('SIGTERM: %d write(s) still running after %.0f s', in_flight.count, WRITES_GRACE)
    if node.bus is not None:
        await node.bus.flush()
    for client in list(Client.instances.values()):
        if client.has_socket_connection:
            client.run_javascript('setTimeout(() => location.reload(), 300 + Math.random() * 700)')
    await asyncio.sleep(1.0)  # let the messages leave
    if callable(original):
        original(signum, frame)
    else:
        signal.raise_signal(signal.SIGINT)
