"""The health check a balancer asks (``/healthz``): 200 while the database answers and the process is not stopping.

Redis is checked and reported (``"redis": "unreachable"``, ``"status": "degraded"``) but does not fail the check: an
outage hits every process alike, and failing them all would take the whole service down, while each process keeps
serving its pages (local delivery, writes) and they catch up from the database once Redis is back.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlmodel import Session

from chat_ui.live.cluster import node
from chat_ui.services.work import read

TIMEOUT = 2.0
HEALTHY = ('ok', 'degraded')


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
    if node.draining:
        report['status'] = 'draining'
    elif report['database'] != 'ok':
        report['status'] = 'failing'
    else:
        report['status'] = 'ok' if report['redis'] in ('ok', 'off') else 'degraded'
    return report
