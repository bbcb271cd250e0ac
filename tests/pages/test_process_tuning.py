"""A started server tunes its process for many pages and busy worker threads."""

from __future__ import annotations

import sys

import pytest
from nicegui.testing import User

from chat_ui.core.gil import SWITCH_INTERVAL


async def test_a_started_server_hands_the_gil_to_worker_threads_within_half_a_millisecond(user: User) -> None:
    await user.open('/login')
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    assert SWITCH_INTERVAL < 0.005  # Python's default, with which sends queued behind GIL waits
