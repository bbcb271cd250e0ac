"""Smoke test of bench.rename at a tiny size: star's new name, saved through the real profile page, reaches every
room page that shows star and no other page; figures are not asserted."""

from __future__ import annotations

import asyncio

from bench import rename


def test_a_rename_reaches_every_page_that_shows_the_person_and_touches_no_other() -> None:
    result = asyncio.run(
        rename.run('sqlite', rooms=4, members=4, star_rooms=2, renames=2, gap=0.5, concurrency=4, settle=10)
    )
    run = result['rename']
    assert (run['pages_showing_star'], run['pages_not_showing_star']) == (8, 8)
    assert run['delivery_ms']['n'] == 2 * 8
    assert run['lost'] == 0
    assert run['pages_touched_that_do_not_show_star'] == 0
