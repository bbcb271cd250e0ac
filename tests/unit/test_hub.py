"""The hub's subscriptions end when asked to (a page whose session ended stops receiving at once)."""

from __future__ import annotations

from typing import Any

from chat_ui.live.hub import Hub, PresenceChanged, SessionEnded


def test_unsubscribe_stops_direct_and_broadcast_events() -> None:
    hub = Hub()
    seen: list[Any] = []
    others: list[Any] = []
    unsubscribe = hub.subscribe(1, seen.append)
    hub.subscribe(1, others.append)
    hub.publish(1, SessionEnded(session_id=7, reason='replaced'))
    hub.broadcast(PresenceChanged(user_id=2, online=True))
    unsubscribe()
    hub.publish(1, SessionEnded(session_id=8, reason='replaced'))
    hub.broadcast(PresenceChanged(user_id=2, online=False))
    unsubscribe()  # a second call changes nothing
    assert seen == [SessionEnded(session_id=7, reason='replaced'), PresenceChanged(user_id=2, online=True)]
    assert len(others) == 4
