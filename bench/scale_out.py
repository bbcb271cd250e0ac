"""Cross-process live-event latency over Redis: ``uv run python -m bench.scale_out [N] [REDIS_URL]``.

Process A publishes N ``SessionEnded`` events (one at a time) to topic u1; a second process (``tests.live.peer``)
receives each, decodes it, encodes it again and publishes it to u2, where A times its arrival. Prints the round trip
A -> B -> A (two bus hops, so a one-way delivery is about half) as p50 / p99 / max in ms.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid

from chat_ui.live.events import SessionEnded
from tests.live.conftest import Peer, node


async def main(count: int, url: str) -> None:
    prefix = f'nicechat-bench-{uuid.uuid4().hex[:8]}:'
    peer = Peer(url, prefix, 'B', 5.0)
    try:
        async with node(url, prefix, 'A', topics=('u2',)) as a:
            times = []
            for index in range(count):
                started = time.perf_counter()
                a.hub.publish(SessionEnded(session_id=index, reason='bench'), ['u1'])
                while len(a.seen) <= index:
                    await asyncio.sleep(0)
                times.append((time.perf_counter() - started) * 1000)
            ordered = sorted(times)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            lost = count - len(a.seen)
            print(
                f'{count} events A->B->A over Redis: p50 {statistics.median(times):.2f} ms, p99 {p99:.2f} ms, '
                f'max {ordered[-1]:.2f} ms, lost {lost}, duplicated {max(0, len(a.seen) - count)}'
            )
    finally:
        peer.kill()


if __name__ == '__main__':
    asyncio.run(
        main(
            int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
            sys.argv[2] if len(sys.argv) > 2 else 'redis://127.0.0.1:6379/0',
        )
    )
