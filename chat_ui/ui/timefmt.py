"""Message times in one display time zone: ``CHAT_TIMEZONE`` (an IANA name) or, unset, the server's local zone
(what a self-hosted team or class shares). The clock and the zone are parameters, so tests fix both."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from chat_ui.core import clock

_zone: tzinfo | None = None


def set_display_zone(zone: tzinfo | None) -> None:
    """The zone times are shown in; ``None``: the server's local zone."""
    global _zone
    _zone = zone


def local(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """A naive UTC time from the database, in the display zone."""
    return moment.replace(tzinfo=UTC).astimezone(zone or _zone)


def short_time(moment: datetime, *, now: datetime | None = None, zone: tzinfo | None = None) -> str:
    """``HH:MM`` today, ``MM-DD HH:MM`` this year, else ``YYYY-MM-DD HH:MM`` (``now``: naive UTC, default the
    service clock)."""
    at = local(moment, zone)
    today = local(now or clock.now(), zone)
    if at.date() == today.date():
        return at.strftime('%H:%M')
    if at.year == today.year:
        return at.strftime('%m-%d %H:%M')
    return at.strftime('%Y-%m-%d %H:%M')
