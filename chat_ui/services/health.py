"""The health check a balancer asks (``/healthz``): the database answers, Redis answers (when used), not stopping."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlmodel import Session

from chat_ui.live.cluster import node
from chat_ui.services.work import read

TIMEOUT = 2.0


def _select_one(db: Session) -> bool:
    return db.exec(text('SELECT 1')).one()[0] == 1  # type: ignore[call-overload]


async def check() -> dict[str, str]:
    report = {'instance': node.instance, 'database': 'ok', 'redis': 'off'}
    try:
        await asyncio.wait_for(read(_select_one), TIMEOUT)
    except Exception as error:  # any failure means "not healthy", with its name for the operator
        report['database'] = f'error: {type(error).__name__}'
    if node.bus is not None:
        report['redis'] = 'ok' if await node.bus.ping(TIMEOUT) else 'unreachable'
    healthy = report['database'] == 'ok' and report['redis'] in ('ok', 'off')
    report['status'] = 'draining' if node.draining else ('ok' if healthy else 'failing')
    return report
