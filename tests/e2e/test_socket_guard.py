"""Socket.IO at the protocol level, against a real server process: who may open a socket, and who may drive a page.

No browser: raw Engine.IO handshakes (long-polling and WebSocket) with a chosen ``Origin`` header, and forged
Socket.IO events, exactly as another web site's script or a script-less attacker could send them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from .conftest import ChatServer, start_chat_server
from .protocol import (
    SOCKET_PATH,
    HandshakeRefused,
    PollingSocket,
    element_with_testid,
    event,
    listener_id,
    open_page,
    page_socket,
)

PROXY_ORIGIN = 'https://chat.example.org'
FOREIGN_ORIGINS = ['http://evil.example', 'null', 'https://chat.example.org.evil.example', 'http://127.0.0.1:1']


@pytest.fixture(scope='module')
def server() -> Iterator[ChatServer]:
    with tempfile.TemporaryDirectory(prefix='chat-socket-') as tmp:
        running = start_chat_server(Path(tmp), env={'CHAT_ALLOWED_ORIGINS': f'{PROXY_ORIGIN}, https://other.example'})
        try:
            yield running
        finally:
            running.stop()


def ws_url(server: ChatServer) -> str:
    return server.url.replace('http://', 'ws://') + SOCKET_PATH + '?EIO=4&transport=websocket'


@pytest.mark.parametrize('origin', FOREIGN_ORIGINS)
def test_polling_handshake_from_a_foreign_origin_is_refused(server: ChatServer, origin: str) -> None:
    with pytest.raises(HandshakeRefused, match=r'^400'):
        PollingSocket(server.url, origin=origin)


@pytest.mark.parametrize('origin', FOREIGN_ORIGINS)
def test_websocket_handshake_from_a_foreign_origin_is_refused(server: ChatServer, origin: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url(server), origin=origin, open_timeout=10)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize('origin', ['own', PROXY_ORIGIN, 'https://other.example', None])
def test_own_and_configured_origins_are_accepted(server: ChatServer, origin: str | None) -> None:
    """The app's own origin, each origin of ``CHAT_ALLOWED_ORIGINS``, and non-browser clients (no Origin)."""
    chosen = server.url if origin == 'own' else origin
    PollingSocket(server.url, origin=chosen).close()
    headers = {'Origin': chosen} if chosen else {}
    with connect(ws_url(server), additional_headers=headers, open_timeout=10) as websocket:
        assert websocket.recv(timeout=10).startswith('0{')  # type: ignore[union-attr]


def test_a_page_only_obeys_the_socket_that_completed_its_handshake(server: ChatServer) -> None:
    """A second socket that knows a page's client id (and its element and listener ids) cannot drive the page.

    The register page answers an empty name with "Please choose a username." and a name with ``!`` with "may only
    contain ...". The forged socket types ``ab!`` into the victim's page, then the victim's own socket submits:
    the answer shows which value the server saw. Acknowledged calls make the order deterministic.
    """
    required, bad_chars = 'Please choose a username.', 'The username may only contain'
    with httpx.Client(base_url=server.url, headers={'Accept-Language': 'en'}, timeout=10) as http:
        for forged in (True, False):
            page_id, elements = open_page(http, '/register')
            name_id, name_input = element_with_testid(elements, 'register-username')
            submit_id, submit = element_with_testid(elements, 'register-submit')
            victim = page_socket(server.url, page_id, origin=server.url)
            typist = PollingSocket(server.url, origin=server.url) if forged else victim
            try:
                typist.call('event', event(page_id, name_id, listener_id(name_input, 'update:value'), 'ab!'))
                victim.call('event', event(page_id, submit_id, listener_id(submit, 'click'), {}))
                answer = victim.wait_for(lambda p: required in p or bad_chars in p)
            finally:
                if typist is not victim:
                    typist.close()
                victim.close()
            assert (required if forged else bad_chars) in answer, answer
