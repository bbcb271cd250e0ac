"""The hub: one delivery per subscriber and event, by topic, through the wire form; subscriptions end when asked
(a page whose session ended stops receiving at once, all its topics together)."""

from __future__ import annotations

from typing import Any

from chat_ui.live.events import PresenceChanged, SessionEnded
from chat_ui.live.hub import EVERYONE, Hub, Subscriptions, presence_topic, user_topic


def test_cancel_stops_a_subscription_and_a_second_cancel_changes_nothing() -> None:
    hub = Hub()
    seen: list[Any] = []
    others: list[Any] = []
    subscription = hub.subscribe(user_topic(1), seen.append)
    hub.subscribe(user_topic(1), others.append)
    hub.publish(SessionEnded(session_id=7, reason='replaced'), [user_topic(1)])
    subscription.cancel()
    hub.publish(SessionEnded(session_id=8, reason='replaced'), [user_topic(1)])
    subscription.cancel()
    assert seen == [SessionEnded(session_id=7, reason='replaced')]
    assert others == [SessionEnded(session_id=7, reason='replaced'), SessionEnded(session_id=8, reason='replaced')]


def test_one_delivery_per_subscriber_even_when_several_topics_match() -> None:
    hub = Hub()
    seen: list[Any] = []
    hub.subscribe(user_topic(1), seen.append)
    hub.subscribe(presence_topic(2), seen.append)
    hub.publish(PresenceChanged(user_id=2, online=True), [user_topic(1), presence_topic(2), user_topic(3)])
    assert seen == [PresenceChanged(user_id=2, online=True)] * 2  # two subscriptions, one event each


def test_a_page_group_cancels_every_topic_at_once() -> None:
    hub = Hub()
    seen: list[Any] = []
    page = Subscriptions(hub)
    for topic in (user_topic(1), presence_topic(2), EVERYONE):
        page.subscribe(topic, seen.append)
    hub.publish(PresenceChanged(user_id=2, online=True), [presence_topic(2)])
    page.cancel_all()
    page.subscribe(user_topic(1), seen.append)  # a closed group takes no new subscriptions
    for topic in (user_topic(1), presence_topic(2), EVERYONE):
        hub.publish(PresenceChanged(user_id=2, online=False), [topic])
    assert seen == [PresenceChanged(user_id=2, online=True)]
    assert all(hub.subscriber_count(topic) == 0 for topic in (user_topic(1), presence_topic(2), EVERYONE))
