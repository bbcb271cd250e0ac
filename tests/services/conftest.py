"""Fixtures shared by the service tests."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chat_ui.core import clock


class FakeClock:
    """A replacement for ``chat_ui.core.clock.now`` that only moves when a test advances it."""

    def __init__(self) -> None:
        self.value = datetime(2026, 1, 1, 12, 0, 0)

    def __call__(self) -> datetime:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += timedelta(seconds=seconds)


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(clock, 'now', fake)
    return fake
