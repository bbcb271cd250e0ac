"""Blocking work (database, password hashing, files) runs in NiceGUI's thread pool, never on the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

from nicegui import core, run

P = ParamSpec('P')
R = TypeVar('R')


async def off_loop(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``run.io_bound`` with its real return type: when the call is cancelled (the app stops, or the page build
    timed out) it raises ``CancelledError`` instead of returning None, so None never passes for a real answer."""
    result = await run.io_bound(func, *args, **kwargs)
    task = asyncio.current_task()
    if result is None and (core.app.is_stopping or (task is not None and task.cancelling())):
        raise asyncio.CancelledError
    return cast(R, result)
