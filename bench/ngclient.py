"""A headless NiceGUI browser tab speaking NiceGUI's own protocol (Engine.IO 4 / Socket.IO 5 over a websocket).

What a real browser does, and what this does the same way:

1. ``GET <page>`` with the browser's cookie; the HTML embeds the page's elements (JSON) and the socket query
   (``client_id``, ``next_message_id``, ``implicit_handshake``). The response may set the signed ``session`` cookie
   that keys the browser's server-side ``app.storage.user``.
2. Open ``ws://…/_nicegui_ws/socket.io/?EIO=4&transport=websocket&client_id=…&tab_id=…&document_id=…`` with that
   cookie, answer the Engine.IO open packet with a Socket.IO ``40`` connect; the server performs the implicit
   handshake (``nicegui.py: _on_connect`` → ``_on_handshake``).
3. UI input goes out as ``event`` messages (element id, listener id, JSON-encoded args), exactly what
   ``nicegui.js`` emits for ``update:modelValue`` and ``click``; the server pushes ``update`` (element dicts keyed
   by id), ``open`` (navigation) and ``notify`` messages; ``ack`` is sent every 3 s like ``nicegui.js`` does, so the
   server can prune its resend history; Engine.IO pings are answered.

No rendering happens (nothing on the server depends on it): updates are handed to a callback as they arrive.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import random
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

_ELEMENTS = re.compile(r'parseElements\(String\.raw`(.*?)`\)', re.S)
_QUERY = re.compile(r'\n\s*query: (\{.*?\}),\n')
_UNESCAPE = (('&#36;', '$'), ('&#96;', '`'), ('&gt;', '>'), ('&lt;', '<'), ('&amp;', '&'))


class PageError(RuntimeError):
    pass


def new_http(limit: int = 0) -> aiohttp.ClientSession:
    """One HTTP session shared by all simulated browsers; cookies are kept per browser, not in a jar.

    ``force_close``: no keep-alive reuse. Otherwise ``ws_connect`` may upgrade a pooled connection that just served a
    page GET, and uvicorn then still closes it when that request's keep-alive timeout (5 s) expires — browsers
    open WebSockets on connections of their own, so this would be an artifact of the load generator.
    """
    connector = aiohttp.TCPConnector(limit=limit, force_close=True)
    return aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), timeout=aiohttp.ClientTimeout(total=120)
    )


@dataclass
class Page:
    html_bytes: int
    query: dict[str, Any]
    elements: dict[str, dict[str, Any]]

    @classmethod
    def parse(cls, html: str) -> Page:
        match, query = _ELEMENTS.search(html), _QUERY.search(html)
        if not match or not query:
            raise PageError('no NiceGUI page in the response')
        raw = match.group(1)
        for old, new in _UNESCAPE:
            raw = raw.replace(old, new)
        return cls(html_bytes=len(html.encode()), query=ast.literal_eval(query.group(1)), elements=json.loads(raw))

    def by_testid(self, name: str) -> tuple[int, dict[str, Any]]:
        for element_id, element in self.elements.items():
            if element.get('props', {}).get('data-testid') == name:
                return int(element_id), element
        raise PageError(f'no element with data-testid={name}')

    def listener(self, name: str, event_type: str) -> tuple[int, str]:
        """(element id, listener id) of the element's ``event_type`` listener; ``value`` means its v-model update."""
        element_id, element = self.by_testid(name)
        for event in element.get('events', []):
            if event['type'] == event_type or (event_type == 'value' and event['type'].startswith('update:')):
                return element_id, event['listener_id']
        raise PageError(f'{name} has no {event_type} listener')


class Browser:
    """One simulated browser: its cookies (``session``, the key of its server-side NiceGUI user storage, and a
    balancer's sticky cookie) and the process (``X-NiceChat-Instance``) that answered it last."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.base = base
        self.cookies: dict[str, str] = {}
        self.instance: str | None = None
        self.opened: tuple[float, float] = (0.0, 0.0)  # the last ``open``: seconds of its GET and of its socket

    @property
    def cookie(self) -> str | None:
        return self.cookies.get('session')

    def headers(self) -> dict[str, str]:
        return {'Cookie': '; '.join(f'{k}={v}' for k, v in self.cookies.items())} if self.cookies else {}

    async def get(self, path: str) -> tuple[int, str, str | None]:
        """(status, body, redirect location) without following redirects; remembers the cookies it is given."""
        async with self.http.get(self.base + path, headers=self.headers(), allow_redirects=False) as response:
            for value in response.headers.getall('Set-Cookie', []):
                name, _, rest = value.split(';', 1)[0].partition('=')
                self.cookies[name.strip()] = rest
            self.instance = response.headers.get('X-NiceChat-Instance', self.instance)
            return response.status, await response.text(), response.headers.get('Location')

    async def open(self, path: str, on_update: Callable[[Tab, dict[str, Any]], None] | None = None) -> Tab:
        began = time.perf_counter()
        status, html, location = await self.get(path)
        got = time.perf_counter()
        if status != 200:
            if 'response_timeout' in html:
                raise PageError(f'GET {path} answered {status}: the page build exceeded response_timeout')
            detail = location or re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ', html))[:160]
            raise PageError(f'GET {path} answered {status}: {detail}')
        tab = Tab(self, Page.parse(html), on_update)
        await tab.connect()
        self.opened = (got - began, time.perf_counter() - got)
        return tab

    async def login(self, username: str, password: str, timeout: float = 60.0) -> None:
        """Sign in through the real /login page: fill both fields, press the button, follow the sign-in ticket to /."""
        tab = await self.open('/login')
        try:
            user_id, user_listener = tab.page.listener('login-username', 'value')
            pw_id, pw_listener = tab.page.listener('login-password', 'value')
            submit_id, submit_listener = tab.page.listener('login-submit', 'click')
            await tab.emit_event(user_id, user_listener, [json.dumps(username)])
            await tab.emit_event(pw_id, pw_listener, [json.dumps(password)])
            await tab.emit_event(submit_id, submit_listener, [])
            path = await asyncio.wait_for(tab.navigation, timeout)
            if path.startswith('/session/start?'):  # the sign-in ticket: a new session cookie, then the way home
                _, _, location = await self.get(path)
                path = location or ''
            if path != '/':
                raise PageError(f'login of {username} went to {path}')
        finally:
            await tab.close()


@dataclass
class TabStats:
    updates: int = 0
    bytes_in: int = 0


class Tab:
    """One page (NiceGUI client) with its socket."""

    ack_interval = 3.0
    max_reconnects = 5

    def __init__(self, browser: Browser, page: Page, on_update: Callable[[Tab, dict[str, Any]], None] | None) -> None:
        self.browser = browser
        self.page = page
        self.on_update = on_update
        self.client_id: str = page.query['client_id']
        self.next_message_id = int(page.query.get('next_message_id', 0))
        self.acked = -1
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None
        self.navigation: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.notifications: list[str] = []
        self.stats = TabStats()
        self.closed = asyncio.Event()
        self.close_reason: str | None = None
        self.disconnects: list[tuple[float, str]] = []
        self.online = asyncio.Event()
        self.connected_at = 0.0
        self._pending: set[asyncio.Future[None]] = set()
        self.reconnects = 0
        self.dead = False
        self.reload_asked = False  # nicegui.js reloads the page when a reconnect's handshake is refused
        self._closing = False
        self.query = {k: ('true' if v is True else 'false' if v is False else v) for k, v in page.query.items()}
        self.query.update(
            {'tab_id': str(uuid.uuid4()), 'document_id': str(uuid.uuid4()), 'EIO': '4', 'transport': 'websocket'}
        )
        self.extra: dict[str, Any] = {}

    async def connect(self, timeout: float = 60.0) -> None:
        await self._open_socket(timeout)
        self.online.set()
        self.reader = asyncio.create_task(self._run())

    async def _open_socket(self, timeout: float = 60.0) -> None:
        query = {**self.query, 'next_message_id': str(self.next_message_id)}
        url = self.browser.base.replace('http://', 'ws://') + '/_nicegui_ws/socket.io/?' + urlencode(query)
        self.ws = await self.browser.http.ws_connect(
            url,
            headers=self.browser.headers(),
            autoping=True,
            max_msg_size=0,
            timeout=aiohttp.ClientWSTimeout(ws_close=5),
        )
        opening = await asyncio.wait_for(self.ws.receive_str(), timeout)
        if not opening.startswith('0'):
            raise PageError(f'unexpected Engine.IO opening {opening[:80]}')
        await self.ws.send_str('40')
        self.connected_at = time.perf_counter()
        while True:
            reply = await asyncio.wait_for(self.ws.receive_str(), timeout)
            if reply.startswith('40'):
                break
            if reply.startswith('44'):
                if 'handshake failed' in reply:
                    self.reload_asked = True  # this process does not know the page (it restarted, or another one)
                raise PageError(f'Socket.IO connect refused: {reply[:200]}')
            self._handle(reply)

    async def _run(self) -> None:
        """Read until the socket closes; then reconnect like socket.io-client does (same client, tab and document
        ids, ``next_message_id`` so the server resends what was missed), up to ``max_reconnects`` times."""
        while True:
            await self._read()
            self.online.clear()
            if self._closing:
                break
            self.disconnects.append((time.perf_counter(), self.close_reason or ''))
            reconnected = False
            for _ in range(self.max_reconnects):
                await asyncio.sleep(random.uniform(0.5, 1.5))  # socket.io-client: 1 s delay, randomization 0.5
                try:
                    await self._open_socket(timeout=10)
                    reconnected = True
                    break
                except (aiohttp.ClientError, ConnectionError, PageError, TimeoutError, TypeError) as error:
                    self.close_reason = f'reconnect failed: {error!r}'
                    if self.reload_asked:
                        break
            if not reconnected:
                self.dead = True  # a browser would now reload the page (a new client)
                break
            self.reconnects += 1
            self.close_reason = None
            self.online.set()
        self.closed.set()

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            while True:  # websocket-level pings are answered by aiohttp (autoping)
                message = await self.ws.receive()
                if message.type == aiohttp.WSMsgType.TEXT:
                    self._handle(message.data)
                elif message.type in {
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSING,
                    aiohttp.WSMsgType.CLOSED,
                    aiohttp.WSMsgType.ERROR,
                }:
                    self.close_reason = (
                        f'{message.type.name} {message.data!r} {message.extra!r} after '
                        f'{time.perf_counter() - self.connected_at:.1f} s'
                    )
                    break
        except (aiohttp.ClientError, ConnectionError) as error:
            self.close_reason = repr(error)
        if self.close_reason is None:
            self.close_reason = f'closed by the server (code {self.ws.close_code}, {self.ws.exception()!r})'

    def _handle(self, data: str) -> None:
        if data == '2':
            assert self.ws is not None
            task = asyncio.ensure_future(self._pong())
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
            return
        if not data.startswith('42'):
            return
        self.stats.bytes_in += len(data)
        name, payload = json.loads(data[2:])[:2]
        if isinstance(payload, dict) and '_id' in payload:
            message_id = payload.pop('_id')
            if message_id < self.next_message_id:
                return  # a resend already seen (nicegui.js drops these too)
            self.next_message_id = message_id + 1
        if name == 'update':
            self.stats.updates += 1
            for element_id, element in payload.items():
                testid = element and element.get('props', {}).get('data-testid')
                if testid:
                    self.page.elements[element_id] = element  # newly created rows (e.g. a contact) become clickable
            if self.on_update is not None:
                self.on_update(self, payload)
        elif name == 'open' and not self.navigation.done():
            self.navigation.set_result(payload.get('path', ''))
        elif name == 'notify':
            self.notifications.append(str(payload.get('message', '')))

    async def _pong(self) -> None:
        try:
            assert self.ws is not None
            await self.ws.send_str('3')
        except (aiohttp.ClientError, ConnectionError):
            pass  # the socket is gone; _run reconnects

    async def emit(self, event: str, payload: dict[str, Any], buffer_for: float = 20.0) -> None:
        """Send a Socket.IO event; while reconnecting, wait like socket.io-client's send buffer does."""
        await asyncio.wait_for(self.online.wait(), buffer_for)
        assert self.ws is not None
        await self.ws.send_str('42' + json.dumps([event, payload], separators=(',', ':'), ensure_ascii=False))

    async def emit_event(self, element_id: int, listener_id: str, args: list[str]) -> None:
        """What nicegui.js sends for a DOM event (``args`` are JSON strings, as ``stringifyEventArgs`` makes them)."""
        await self.emit(
            'event', {'id': element_id, 'client_id': self.client_id, 'listener_id': listener_id, 'args': args}
        )

    async def ack(self) -> None:
        if self.ws is None or self.ws.closed or self.acked >= self.next_message_id:
            return
        self.acked = self.next_message_id
        await self.emit('ack', {'client_id': self.client_id, 'next_message_id': self.next_message_id})

    async def close(self) -> None:
        self._closing = True
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader


async def ack_loop(tabs: Callable[[], list[Tab]], stop: asyncio.Event, interval: float = 3.0) -> None:
    """Acknowledge received messages for every open tab every ``interval`` seconds (nicegui.js: ``ack()``).

    Each browser's timer starts with its page, so real acks are spread over the interval; sent in one burst, the
    acks of 1,000 tabs would cost the server ~100 ms at once every round and make whatever it measures look worse
    than any real audience would. So the tabs of one round are spread evenly over the interval.
    """
    while not stop.is_set():
        current = tabs()
        start = time.perf_counter()
        for index, tab in enumerate(current):
            pause = start + interval * index / len(current) - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            if stop.is_set():
                return
            with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError, TimeoutError):
                await tab.ack()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, start + interval - time.perf_counter()))


def now() -> float:
    return time.perf_counter()
