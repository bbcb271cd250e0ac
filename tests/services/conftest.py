"""Fixtures shared by the service tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from chat_ui.core import clock
from chat_ui.core.config import Settings, set_settings


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


@pytest.fixture
def upload_dir(tmp_path: Path) -> Path:
    """Uploads go to a fresh folder of this test."""
    folder = tmp_path / 'uploads'
    set_settings(Settings(_env_file=None, upload_dir=folder, data_dir=tmp_path))  # type: ignore[call-arg]
    return folder
