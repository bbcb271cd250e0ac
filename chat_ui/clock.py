"""The time source of the services; tests replace ``now`` instead of sleeping."""

from __future__ import annotations

from datetime import datetime

from db.models import utcnow


def now() -> datetime:
    return utcnow()
