"""Smoke test of bench.processes with edits, recalls and typing (issue 14's mixed profile) at a tiny size, so the
simulated browser's menu, edit and recall clicks keep working against the current pages; figures are not asserted."""

from __future__ import annotations

import asyncio

from bench import processes


def test_the_mixed_profile_edits_and_recalls_through_the_menu_and_every_change_reaches_the_peer() -> None:
    result = asyncio.run(
        processes.one_setup(1, 'sqlite', clients=6, rates=[5], duration=4, ladder=[], step=1, target=100, actions=0.2)
    )
    plain, mixed = result['runs']['5 msg/s'], result['runs']['5 msg/s with actions']
    for run in (plain, mixed):
        assert run['sent'] == 20
        assert run['lost'] == 0
        assert run['duplicated'] == 0
    actions = mixed['actions']
    assert (actions['edits'], actions['recalls']) == (2, 2)
    assert actions['failed'] == {}
    assert actions['shown_to_recipient'] == 4
    assert actions['not_shown'] == 0
    assert actions['stale_bubbles'] == 0
    assert mixed['typing_drafts'] == 40  # two input changes after each of the 20 sends
