"""A minimal synchronous Engine.IO v4 / Socket.IO v5 client over HTTP long-polling, for protocol-level tests.

It speaks to NiceGUI the way a browser's ``socket.io`` client does, but lets a test choose the ``Origin`` header
and forge messages (e.g. events for another socket's page). Synchronous on purpose: see ``tests/e2e/conftest.py``.
"""

from __future__ import annotations

import html
import json
import queue
import re
import threading
import uuid
from typing import Any

import httpx

SOCKET_PATH = '/_nicegui_ws/socket.io/'
RECORD_SEPARATOR = '\x1e'
_ELEMENTS = re.compile(r'parseElements\(String\.raw`(.*?)`\)', re.DOTALL)


class HandshakeRefused(Exception):
    """The server answered the Engine.IO handshake with an error status."""


def page_elements(page_html: str) -> dict[str, dict[str, Any]]:
    """The element tree NiceGUI embedded in a page (what the browser's ``parseElements`` decodes)."""
    found = _ELEMENTS.search(page_html)
    assert found, 'no NiceGUI element data in the page'
    return dict(json.loads(html.unescape(found.group(1).replace('&#36;', '$').replace('&#96;', '`'))))


def client_id(page_html: str) -> str:
    found = re.search(r"['\"]client_id['\"]:\s*['\"]([0-9a-f-]{36})", page_html)
    assert found, 'no client id in the page'
    return found.group(1)


def element_with_testid(elements: dict[str, dict[str, Any]], name: str) -> tuple[int, dict[str, Any]]:
    for element_id, element in elements.items():
        if element.get('props', {}).get('data-testid') == name:
            return int(element_id), element
    raise AssertionError(f'no element with data-testid={name}')


def listener_id(element: dict[str, Any], event_type: str) -> str:
    for listener in element.get('events', []):
        if listener['type'] == event_type:
            return str(listener['listener_id'])
    raise AssertionError(f'the element has no {event_type} listener')


class PollingSocket:
    """One Engine.IO session (long-polling) with the default Socket.IO namespace connected.

    A background thread keeps one long-poll open and answers the server's pings, so the session survives however
    long a test spends elsewhere; received Socket.IO packets wait in a queue for ``wait_for``.
    """

    def __init__(self, base_url: str, *, query: dict[str, str] | None = None, origin: str | None = None) -> None:
        headers = {'Origin': origin} if origin else {}
        self.http = httpx.Client(base_url=base_url, headers=headers, timeout=30)
        opened = self.http.get(SOCKET_PATH, params={'EIO': '4', 'transport': 'polling', **(query or {})})
        if opened.status_code != 200:
            self.http.close()
            raise HandshakeRefused(f'{opened.status_code}: {opened.text}')
        assert opened.text.startswith('0'), opened.text
        self.sid = json.loads(opened.text[1:])['sid']
        self.received: list[str] = []
        self._packets: queue.Queue[str] = queue.Queue()
        self._send_lock = threading.Lock()
        self._closed = threading.Event()
        self._next_ack = 1
        self._poller = threading.Thread(
            target=self._poll_forever, args=(httpx.Client(base_url=base_url, headers=headers, timeout=30),), daemon=True
        )
        self._poller.start()
        self._send('40')
        self.wait_for(lambda packet: packet.startswith(('40', '44')))
        assert self.received[-1].startswith('40'), f'namespace connect refused: {self.received}'

    def _params(self) -> dict[str, str]:
        return {'EIO': '4', 'transport': 'polling', 'sid': self.sid}

    def _send(self, packet: str) -> None:
        with self._send_lock:
            response = self.http.post(SOCKET_PATH, params=self._params(), content=packet.encode())
        assert response.status_code == 200, response.text

    def _poll_forever(self, http: httpx.Client) -> None:
        with http:
            while not self._closed.is_set():
                try:
                    response = http.get(SOCKET_PATH, params=self._params())
                except httpx.HTTPError:
                    return
                if response.status_code != 200:
                    return
                for packet in response.text.split(RECORD_SEPARATOR):
                    if packet == '1' or self._closed.is_set():  # the session was closed
                        return
                    if packet == '2':  # ping: answer, or the server drops the session
                        try:
                            self._send('3')
                        except (httpx.HTTPError, RuntimeError, AssertionError):  # closed meanwhile
                            return
                    elif packet.startswith('4'):
                        self._packets.put(packet)

    def wait_for(self, match: Any, *, timeout: float = 20) -> str:
        """Wait until a Socket.IO packet satisfying ``match(packet)`` arrives; return it."""
        while True:
            try:
                packet = self._packets.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f'expected packet not received; got {self.received[-10:]}') from None
            self.received.append(packet)
            if match(packet):
                return packet

    def call(self, event: str, data: dict[str, Any]) -> None:
        """Emit an event with an acknowledgement id and wait until the server has handled it."""
        ack = self._next_ack
        self._next_ack += 1
        self._send(f'42{ack}' + json.dumps([event, data]))
        self.wait_for(lambda packet: packet.startswith(f'43{ack}'))

    def close(self) -> None:
        """Close the session; the poller thread ends with the server's answer to its last long-poll."""
        try:
            self._send('1')
        finally:
            self._closed.set()
            self.http.close()


def open_page(http: httpx.Client, path: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """GET a NiceGUI page; return its client id and elements."""
    response = http.get(path)
    assert response.status_code == 200, response.status_code
    return client_id(response.text), page_elements(response.text)


def page_socket(base_url: str, page_client_id: str, *, origin: str | None = None) -> PollingSocket:
    """A socket that completes the page's (implicit) handshake, as the page's own browser tab would."""
    query = {
        'client_id': page_client_id,
        'next_message_id': '0',
        'implicit_handshake': 'true',
        'document_id': str(uuid.uuid4()),
        'tab_id': str(uuid.uuid4()),
    }
    return PollingSocket(base_url, query=query, origin=origin)


def event(page_client_id: str, element_id: int, listener: str, *args: Any) -> dict[str, Any]:
    """An ``event`` message as NiceGUI's browser code sends it."""
    return {
        'id': element_id,
        'client_id': page_client_id,
        'listener_id': listener,
        'args': [json.dumps(arg) for arg in args],
    }
