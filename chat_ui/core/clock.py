"""The time source of the services; tests replace ``now`` instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """Naive UTC, like every time in the database."""
    return datetime.now(UTC).replace(tzinfo=None)
