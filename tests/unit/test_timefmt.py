"""Message times: fixed 'now' and zone, so the result never depends on today's date or the machine's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from chat_ui.ui.timefmt import short_time

NOW = datetime(2026, 11, 22, 18, 0)  # naive UTC, like every time in the database


def test_today_shows_the_time_only() -> None:
    assert short_time(datetime(2026, 11, 22, 9, 5), now=NOW, zone=UTC) == '09:05'


def test_earlier_this_year_shows_month_and_day() -> None:
    assert short_time(datetime(2026, 3, 1, 9, 5), now=NOW, zone=UTC) == '03-01 09:05'


def test_another_year_shows_the_full_date() -> None:
    assert short_time(datetime(2025, 12, 31, 23, 59), now=NOW, zone=UTC) == '2025-12-31 23:59'


def test_the_display_zone_decides_what_today_is() -> None:
    shanghai = ZoneInfo('Asia/Shanghai')  # UTC+8: 18:00 UTC is already the 23rd there
    assert short_time(datetime(2026, 11, 22, 17, 0), now=NOW, zone=shanghai) == '01:00'
    assert short_time(datetime(2026, 11, 22, 9, 5), now=NOW, zone=shanghai) == '11-22 17:05'
