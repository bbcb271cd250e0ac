"""The one live-event hub: ``publish(event, topics)`` after a commit, and per-page subscriptions to topics.

Topics: ``user_topic(id)`` reaches the pages of one user, ``presence_topic(id)`` the pages that show that person,
``EVERYONE`` every page. Each event travels as its wire form through the bus (in-process, or Redis between server
processes), is decoded once per process and handed to the local subscribers of its topics, each callback inside
the UI context (slot) it subscribed from.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from nicegui import background_tasks, core, helpers
from nicegui.context import context
from nicegui.slot import Slot

from .events import LiveEvent, decode, encode

EVERYONE = '*'
log = logging.getLogger(__name__)


def user_topic(user_id: int) -> str:
    return f'u{user_id}'


def presence_topic(user_id: int) -> str:
    return f'p{user_id}'


def users(user_ids: Iterable[int]) -> list[str]:
    """The topics of these users' pages."""
    return [user_topic(user_id) for user_id in dict.fromkeys(user_ids)]


class Bus(Protocol):
    """Carries wire events to every process's hub (``Hub.deliver``)."""

    def send(self, topics: list[str], wire: str) -> None: ...


class LocalBus:
    """One process: deliver right here."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def send(self, topics: list[str], wire: str) -> None:
        self.hub.deliver(topics, wire)


class Subscription:
    __slots__ = ('__weakref__', 'callback', 'hub', 'slot', 'topic')

    def __init__(self, hub: Hub, topic: str, callback: Callable[[Any], Any], slot: Slot | None) -> None:
        self.hub = hub
        self.topic = topic
        self.callback = callback
        self.slot = weakref.ref(slot) if slot is not None else None

    def cancel(self) -> None:
        self.hub._remove(self)

    def run(self, event: LiveEvent) -> None:
        slot = self.slot() if self.slot is not None else None
        if self.slot is not None and slot is None:
            self.cancel()
            return
        if slot is None:
            self._invoke(event, None)
            return
        with slot:
            self._invoke(event, slot)

    def _invoke(self, event: LiveEvent, slot: Slot | None) -> None:
        try:
            result = self.callback(event)
            if helpers.should_await(result):
                background_tasks.create(_within(slot, result), name=f'live event {type(event).__name__}')
        except Exception as error:  # one page's failure must not stop the delivery to the others
            core.app.handle_exception(error)


async def _within(slot: Slot | None, awaitable: Awaitable[Any]) -> Any:
    """Finish an async callback inside the UI context it subscribed from."""
    if slot is None:
        return await awaitable
    with slot:
        return await awaitable


class Subscriptions:
    """The subscriptions of one page: cancelled together when the page's client is deleted or its session ends."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._items: dict[tuple[str, Callable[[Any], Any]], Subscription] = {}
        self.closed = False
        if Slot.get_stack():
            context.client.on_delete(self.cancel_all)

    def subscribe(self, topic: str, callback: Callable[[Any], Any]) -> None:
        if self.closed or (topic, callback) in self._items:
            return
        self._items[(topic, callback)] = self.hub.subscribe(topic, callback)

    def unsubscribe(self, topic: str, callback: Callable[[Any], Any]) -> None:
        subscription = self._items.pop((topic, callback), None)
        if subscription is not None:
            subscription.cancel()

    def topics(self) -> set[str]:
        return {topic for topic, _ in self._items}

    def cancel_all(self) -> None:
        """Stop every delivery to this page, now and for good."""
        self.closed = True
        for subscription in self._items.values():
            subscription.cancel()
        self._items.clear()


class Hub:
    def __init__(self) -> None:
        self._topics: dict[str, dict[Subscription, None]] = {}  # insertion-ordered sets
        self.bus: Bus = LocalBus(self)

    def subscribe(self, topic: str, callback: Callable[[Any], Any]) -> Subscription:
        """Call ``callback(event)`` for every event to ``topic``, in the current UI context if there is one."""
        slot = context.slot if Slot.get_stack() else None
        subscription = Subscription(self, topic, callback, slot)
        self._topics.setdefault(topic, {})[subscription] = None
        return subscription

    def publish(self, event: LiveEvent, topics: Iterable[str]) -> None:
        """Send ``event`` (once, whatever the number of topics) to the subscribers of ``topics``."""
        targets = list(dict.fromkeys(topics))
        if targets:
            self.bus.send(targets, encode(event))

    def publish_local(self, event: LiveEvent, topics: Iterable[str]) -> None:
        """Send ``event`` to this process's subscribers only (what every process works out for itself, e.g.
        presence changes)."""
        targets = list(dict.fromkeys(topics))
        if targets:
            self.deliver(targets, encode(event))

    def deliver(self, topics: list[str], wire: str) -> None:
        """What the bus received: decode once, run each subscriber once even if it matches several topics."""
        subscribers = [s for topic in topics for s in self._topics.get(topic, ())]
        if not subscribers:
            return
        try:
            event = decode(wire)
        except ValueError:
            log.exception('dropped a malformed live event')
            return
        for subscription in dict.fromkeys(subscribers):
            subscription.run(event)

    def subscriber_count(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    def reset(self) -> None:
        """Forget every subscription (a fresh app in the same process, e.g. between tests)."""
        self._topics.clear()
        self.bus = LocalBus(self)

    def _remove(self, subscription: Subscription) -> None:
        subscribers = self._topics.get(subscription.topic)
        if subscribers is None:
            return
        subscribers.pop(subscription, None)
        if not subscribers:
            del self._topics[subscription.topic]


hub = Hub()
