"""The one live-event hub: ``publish(user_id, event)`` and a per-client subscription.

Delivery is in-process through ``nicegui.Event`` (a subscription made inside a page ends when its client is
deleted). ``Transport`` is the seam for a Redis pub/sub backend that would carry the same events between
several server processes: it only has to call ``Hub.deliver`` for what it receives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from nicegui import Event

BROADCAST = 0


@dataclass(frozen=True, slots=True)
class SessionEnded:
    session_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    user_id: int
    online: bool


@dataclass(frozen=True, slots=True)
class ContactChanged:
    """Someone joined the contact lists (registered, unbanned) or left them (banned)."""

    user_id: int
    username: str
    visible: bool


@dataclass(frozen=True, slots=True)
class MuteChanged:
    """The admin muted or unmuted this user."""

    user_id: int
    muted: bool


@dataclass(frozen=True, slots=True)
class MessageView:
    """A message as pages show it (plain data)."""

    id: int
    sender_id: int
    recipient_id: int
    kind: str
    body: str | None
    file_key: str | None
    file_name: str | None
    file_mime: str | None
    file_size: int | None
    created_at: datetime

    def peer_of(self, user_id: int) -> int:
        return self.recipient_id if self.sender_id == user_id else self.sender_id


@dataclass(frozen=True, slots=True)
class MessageCreated:
    message: MessageView


@dataclass(frozen=True, slots=True)
class HistoryCleared:
    user_a: int
    user_b: int
    by_user_id: int

    def involves(self, user_id: int, peer_id: int) -> bool:
        return {self.user_a, self.user_b} == {user_id, peer_id}


class Transport(Protocol):
    def send(self, user_id: int, event: Any) -> None: ...


class Hub:
    """Routes events to the clients subscribed for a user id (``BROADCAST`` reaches every subscriber)."""

    def __init__(self) -> None:
        self._events: dict[int, Event] = {}
        self.transport: Transport = self

    def subscribe(self, user_id: int, callback: Callable[[Any], Any]) -> Callable[[], None]:
        """Call ``callback(event)`` for events to this user and broadcasts, until the current client is deleted or
        the returned function is called."""
        events = (self._event_for(user_id), self._event_for(BROADCAST))
        for event in events:
            event.subscribe(callback, expect_args=True)

        def unsubscribe() -> None:
            for event in events:
                event.unsubscribe(callback)

        return unsubscribe

    def publish(self, user_id: int, event: Any) -> None:
        self.transport.send(user_id, event)

    def broadcast(self, event: Any) -> None:
        self.transport.send(BROADCAST, event)

    def send(self, user_id: int, event: Any) -> None:
        """The in-process transport: deliver right here."""
        self.deliver(user_id, event)

    def deliver(self, user_id: int, event: Any) -> None:
        target = self._events.get(user_id)
        if target is not None:
            target.emit(event)
        if user_id != BROADCAST and target is not None and not target.callbacks:
            del self._events[user_id]

    def reset(self) -> None:
        """Forget every subscription (a fresh app in the same process, e.g. between tests)."""
        self._events.clear()

    def _event_for(self, user_id: int) -> Event:
        if user_id not in self._events:
            self._events[user_id] = Event()
        return self._events[user_id]


hub = Hub()
