"""One-time sign-in tickets: once, in time, in the browser that signed in; a small bounded store."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chat_ui.core import clock
from chat_ui.services import tickets
from chat_ui.services.tickets import MemoryTicketStore, Ticket

START = datetime(2026, 1, 1, 12, 0, 0)


class FakeClock:
    def __init__(self) -> None:
        self.value = START

    def __call__(self) -> datetime:
        return self.value


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(clock, 'now', fake)
    monkeypatch.setattr(tickets, 'store', MemoryTicketStore())
    return fake


def test_a_ticket_is_redeemed_once_by_its_browser(fake_clock: FakeClock) -> None:
    ticket = tickets.issue('token-1', browser_id='browser-a')
    assert len(ticket) >= 40 and 'token-1' not in ticket
    assert tickets.redeem(ticket, browser_id='browser-a') == 'token-1'
    assert tickets.redeem(ticket, browser_id='browser-a') is None


def test_another_browser_gets_nothing_and_spends_the_ticket(fake_clock: FakeClock) -> None:
    ticket = tickets.issue('token-1', browser_id='browser-a')
    assert tickets.redeem(ticket, browser_id='browser-b') is None
    assert tickets.redeem(ticket, browser_id='browser-a') is None


@pytest.mark.parametrize('browser', ['', 'browser-a '])
def test_a_missing_or_different_identity_is_refused(fake_clock: FakeClock, browser: str) -> None:
    ticket = tickets.issue('token-1', browser_id='browser-a')
    assert tickets.redeem(ticket, browser_id=browser) is None


def test_no_ticket_without_a_browser_identity(fake_clock: FakeClock) -> None:
    with pytest.raises(ValueError):
        tickets.issue('token-1', browser_id='')


def test_a_ticket_expires(fake_clock: FakeClock) -> None:
    fresh = tickets.issue('token-1', browser_id='browser-a')
    stale = tickets.issue('token-2', browser_id='browser-a')
    fake_clock.value = START + tickets.TICKET_LIFETIME - timedelta(microseconds=1)
    assert tickets.redeem(fresh, browser_id='browser-a') == 'token-1'
    fake_clock.value = START + tickets.TICKET_LIFETIME
    assert tickets.redeem(stale, browser_id='browser-a') is None


@pytest.mark.parametrize('made_up', ['', 'x', 'x' * 10_000])
def test_made_up_tickets_are_refused(fake_clock: FakeClock, made_up: str) -> None:
    tickets.issue('token-1', browser_id='browser-a')
    assert tickets.redeem(made_up, browser_id='browser-a') is None


def test_the_store_keeps_no_redeemable_key_or_expired_ticket(fake_clock: FakeClock) -> None:
    store = tickets.store
    assert isinstance(store, MemoryTicketStore)
    first = tickets.issue('token-1', browser_id='browser-a')
    assert store.take(first) is None  # kept under its hash
    tickets.issue('token-2', browser_id='browser-a')
    fake_clock.value = START + tickets.TICKET_LIFETIME
    tickets.issue('token-3', browser_id='browser-a')
    assert len(store) == 1


def test_the_store_is_bounded(fake_clock: FakeClock) -> None:
    store = MemoryTicketStore(max_size=3)
    for number in range(10):
        store.put(f'key-{number}', Ticket(token=f'token-{number}', browser_id='b', expires_at=START + timedelta(1)))
    assert len(store) == 3
    assert store.take('key-6') is None
    assert [store.take(f'key-{n}') for n in (7, 8, 9)] == [
        Ticket(token=f'token-{n}', browser_id='b', expires_at=START + timedelta(1)) for n in (7, 8, 9)
    ]
