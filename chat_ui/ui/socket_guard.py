"""Who may use NiceGUI's Socket.IO endpoint: pages of the app's own origin, each page only through its own socket.

NiceGUI creates its server with ``cors_allowed_origins='*'``, so a script on any web site could open a socket,
and its ``event`` handler finds the page by the ``client_id`` inside the message without asking which socket sent
it: whoever learns a signed-in page's ids can click and type in that page. Two narrow changes close both:

- Engine.IO's origin check gets a callable: an ``Origin`` header must be the origin the request itself was made to
  (scheme as uvicorn saw it, which honours ``X-Forwarded-Proto`` only from trusted proxies, and the ``Host``
  header) or one of ``CHAT_ALLOWED_ORIGINS``. Engine.IO's own same-origin mode is not used because it also
  trusts ``X-Forwarded-Host``/``-Proto`` from any client. A request without ``Origin`` (not a browser) passes, as
  with Engine.IO's own check; the socket still only reaches a page whose ids it knows.
- The per-page handlers (``event``, ``javascript_response``, ``ack``, ``log``) run only when the sending socket is
  in the page's room, which NiceGUI's handshake joins after checking the page's tab; any other socket's message is
  dropped. The original handlers stay NiceGUI's; they are wrapped, not copied.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from nicegui import core

PAGE_EVENTS = ('event', 'javascript_response', 'ack', 'log')
NAMESPACE = '/'
_WEB_SCHEMES = {'ws': 'http', 'wss': 'https'}


def own_origin(environ: dict[str, Any]) -> str | None:
    """The origin this request was addressed to, as a browser on the app's own page would send it."""
    host = environ.get('HTTP_HOST')
    scope = environ.get('asgi.scope') or {}
    scheme = scope.get('scheme')
    if not host or not scheme:
        return None
    return f'{_WEB_SCHEMES.get(scheme, scheme)}://{host}'.lower()


def origin_check(extra: frozenset[str]) -> Callable[[str | None, dict[str, Any]], bool]:
    """Engine.IO's ``cors_allowed_origins`` callable: the app's own origin or one of ``extra``."""

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin:
            return False
        origin = origin.lower()
        return origin in extra or origin == own_origin(environ)

    return allowed


def sent_by_page_socket(sid: str, message: Any) -> bool:
    """Whether the socket ``sid`` completed the handshake of the page named in the message."""
    client_id = message.get('client_id') if isinstance(message, dict) else None
    if not isinstance(client_id, str):
        return False
    return any(member == sid for member, _ in core.sio.manager.get_participants(NAMESPACE, client_id))


def _only_from_page_socket(handler: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    @functools.wraps(handler)
    def guarded(sid: str, message: Any) -> Any:
        return handler(sid, message) if sent_by_page_socket(sid, message) else None

    return guarded


def install(extra_origins: frozenset[str]) -> None:
    """Apply both rules to NiceGUI's server (idempotent: the page tests start the app once per test)."""
    core.sio.eio.cors_allowed_origins = origin_check(extra_origins)
    handlers = core.sio.handlers[NAMESPACE]
    for name in PAGE_EVENTS:
        original = getattr(handlers[name], '__wrapped__', handlers[name])
        core.sio.on(name, _only_from_page_socket(original))
