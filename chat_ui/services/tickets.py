"""One-time sign-in tickets: how a new session's token reaches the browser's cookie-keyed storage.

The login form is answered over the websocket, which cannot set a cookie. So it issues a ticket and sends the
browser to an HTTP route that redeems it and gives the browser a new identity there. A ticket is good once, for
``TICKET_LIFETIME``, and only for the browser identity that signed in; it is spent by any attempt to redeem it.

The store is a seam (``TicketStore``): in-process memory now, bounded; a shared store (e.g. Redis ``SET … EX`` and
``GETDEL``) can take its place when several server processes share the sign-ins.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from chat_ui.core import clock

TICKET_LIFETIME = timedelta(seconds=30)
MAX_TICKETS = 10_000
TICKET_MAX_LENGTH = 128


@dataclass(frozen=True, slots=True)
class Ticket:
    token: str
    browser_id: str
    expires_at: datetime


class TicketStore(Protocol):
    def put(self, key: str, ticket: Ticket) -> None: ...

    def take(self, key: str) -> Ticket | None:
        """Remove and return the ticket under ``key`` (None if there is none)."""
        ...


class MemoryTicketStore:
    """Tickets of this process, oldest first; expired ones (and, when full, the oldest) make room for new ones."""

    def __init__(self, max_size: int = MAX_TICKETS) -> None:
        self.max_size = max_size
        self._tickets: OrderedDict[str, Ticket] = OrderedDict()

    def put(self, key: str, ticket: Ticket) -> None:
        now = clock.now()
        while self._tickets and (
            len(self._tickets) >= self.max_size or next(iter(self._tickets.values())).expires_at <= now
        ):
            self._tickets.popitem(last=False)
        self._tickets[key] = ticket

    def take(self, key: str) -> Ticket | None:
        return self._tickets.pop(key, None)

    def __len__(self) -> int:
        return len(self._tickets)


store: TicketStore = MemoryTicketStore()


def _key(ticket: str) -> str:
    """Tickets are kept under their hash: the store never holds a redeemable value as a key."""
    return hashlib.sha256(ticket.encode()).hexdigest()


def issue(token: str, *, browser_id: str) -> str:
    """A new ticket for ``token``, redeemable once by the browser identity ``browser_id``."""
    if not browser_id:
        raise ValueError('a sign-in ticket needs the browser identity')
    ticket = secrets.token_urlsafe(32)
    store.put(_key(ticket), Ticket(token=token, browser_id=browser_id, expires_at=clock.now() + TICKET_LIFETIME))
    return ticket


def redeem(ticket: str, *, browser_id: str) -> str | None:
    """The token behind ``ticket`` if this browser may have it now, else None; the ticket is spent either way."""
    if not ticket or len(ticket) > TICKET_MAX_LENGTH:
        return None
    found = store.take(_key(ticket))
    if found is None or found.expires_at <= clock.now() or not browser_id:
        return None
    if not hmac.compare_digest(found.browser_id.encode(), browser_id.encode()):
        return None
    return found.token
