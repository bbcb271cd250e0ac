"""Capture every published live event after its wire round trip, with the topics it was sent to."""

from __future__ import annotations

from typing import Any, TypeVar

from chat_ui.live.events import LiveEvent, decode
from chat_ui.live.hub import Hub, user_topic

E = TypeVar('E')


class CapturedEvents:
    """A bus that records ``(event, topics)`` and still delivers to the hub's subscribers."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.items: list[tuple[LiveEvent, set[str]]] = []

    def send(self, topics: list[str], wire: str) -> None:
        self.items.append((decode(wire), set(topics)))
        self.hub.deliver(topics, wire)

    def of(self, kind: type[E]) -> list[tuple[E, set[str]]]:
        return [(event, topics) for event, topics in self.items if isinstance(event, kind)]  # type: ignore[misc]

    def clear(self) -> None:
        self.items.clear()


def to_users(*user_ids: int) -> set[str]:
    return {user_topic(user_id) for user_id in user_ids}


def only(items: list[tuple[Any, set[str]]]) -> tuple[Any, set[str]]:
    assert len(items) == 1, items
    return items[0]
