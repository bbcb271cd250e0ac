"""Blocking work (database, password hashing, files) runs in NiceGUI's thread pool, never on the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

from nicegui import core, run

P = ParamSpec('P')
R = TypeVar('R')


async def off_loop(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``run.io_bound`` with its real return type: while the app shuts down it cancels instead of returning None."""
    result = await run.io_bound(func, *args, **kwargs)
    if result is None and core.app.is_stopping:
        raise asyncio.CancelledError
    return cast(R, result)
