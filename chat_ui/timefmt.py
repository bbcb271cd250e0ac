"""Message times in the server's local time zone (what a self-hosted team or class shares)."""

from __future__ import annotations

from datetime import UTC, datetime


def local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone()


def short_time(moment: datetime, *, now: datetime | None = None) -> str:
    """``HH:MM`` today, ``MM-DD HH:MM`` this year, else ``YYYY-MM-DD HH:MM``."""
    at = local(moment)
    today = (now or datetime.now(UTC)).astimezone()
    if at.date() == today.date():
        return at.strftime('%H:%M')
    if at.year == today.year:
        return at.strftime('%m-%d %H:%M')
    return at.strftime('%Y-%m-%d %H:%M')
