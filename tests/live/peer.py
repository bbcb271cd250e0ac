"""A second process for the Redis bus tests: ``python -m tests.live.peer URL PREFIX INSTANCE TTL``.

It joins the bus like a server process does, echoes every event sent to topic ``u1`` back to topic ``u2`` (so the
event is decoded here and encoded again), and obeys lines on stdin: ``online <user> <client>``, ``offline <user>
<client>``, ``stop`` (a graceful stop). It prints ``ready`` once subscribed.
"""

from __future__ import annotations

import asyncio
import sys

from chat_ui.live.cluster import RedisBus
from chat_ui.live.hub import Hub
from chat_ui.live.presence import Presence


async def main(url: str, prefix: str, instance: str, ttl: float) -> None:
    hub = Hub()
    presence = Presence(hub)
    bus = RedisBus(hub, presence, url=url, prefix=prefix, instance=instance, ttl=ttl)
    hub.bus = bus
    hub.subscribe('u1', lambda event: hub.publish(event, ['u2']))
    await bus.start()
    while not bus.connected:
        await asyncio.sleep(0.01)
    print('ready', flush=True)
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().split():
        match line:
            case ['online', user, client]:
                presence._add(int(user), client, 1)
            case ['offline', user, client]:
                presence._remove(int(user), client)
            case ['stop']:
                await bus.stop()
                print('stopped', flush=True)
                return
        print('ok', flush=True)


if __name__ == '__main__':
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
