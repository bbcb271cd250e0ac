"""A 100 MB audio upload through the page's own upload route, as a signed-in browser does it.

The WAV file (a 440 Hz tone, 16-bit mono PCM) is written on the fly to the scratch folder and streamed from disk as
multipart/form-data to ``/_nicegui/client/<client id>/upload/<element id>`` (the ``chat-upload`` element's ``url``
prop) with the browser's session cookie. The server's RSS is sampled every 10 ms from before the request until
the audio bubble has reached the peer's page.
"""

from __future__ import annotations

import asyncio
import math
import struct
import time
from pathlib import Path
from typing import Any

import aiohttp

from .live import Fleet
from .server import PeakRss

MB = 1024 * 1024


def write_wav(path: Path, size_bytes: int, rate: int = 44_100) -> int:
    """A valid PCM WAV file of about ``size_bytes``; returns its exact size."""
    frames = (size_bytes - 44) // 2
    period = [struct.pack('<h', int(12_000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(rate)]
    second = b''.join(period)
    with path.open('wb') as out:
        out.write(b'RIFF' + struct.pack('<I', 36 + 2 * frames) + b'WAVE')
        out.write(b'fmt ' + struct.pack('<IHHIIHH', 16, 1, 1, rate, rate * 2, 2, 16))
        out.write(b'data' + struct.pack('<I', 2 * frames))
        left = 2 * frames
        while left > 0:
            chunk = second[:left]
            out.write(chunk)
            left -= len(chunk)
    return path.stat().st_size


async def run_upload(
    fleet: Fleet, sender: str, recipient: str, path: Path, *, timeout: float = 300.0
) -> dict[str, Any]:
    member = fleet.members[sender]
    peer = fleet.members[recipient]
    assert member.tab is not None
    url = member.tab.page.by_testid('chat-upload')[1]['props']['url']
    size = path.stat().st_size
    arrived: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    def watch(element: dict[str, Any], t: float) -> None:
        content = element.get('props', {}).get('innerHTML')
        if isinstance(content, str) and 'data-kind="audio"' in content and not arrived.done():
            arrived.set_result(t)

    peer.watch = watch
    await asyncio.sleep(1.0)
    with PeakRss(fleet.server.pid) as peak:
        began = time.perf_counter()
        with path.open('rb') as stream:
            form = aiohttp.FormData()
            form.add_field('file', stream, filename=path.name, content_type='audio/wav')
            async with fleet.http.post(
                fleet.server.base + url, data=form, headers={'Cookie': f'session={member.browser.cookie}'}
            ) as response:
                status = response.status
                await response.read()
        http_done = time.perf_counter()
        delivered = await asyncio.wait_for(arrived, timeout)
        await asyncio.sleep(0.5)
    peer.watch = None
    return {
        'file_bytes': size,
        'http_status': status,
        'request_seconds': round(http_done - began, 3),
        'until_peer_bubble_seconds': round(delivered - began, 3),
        'throughput_mb_s': round(size / MB / (delivered - began), 1),
        'rss_before_mb': round(peak.start_rss / MB, 1),
        'rss_peak_mb': round(peak.peak / MB, 1),
        'peak_rss_growth_mb': round((peak.peak - peak.start_rss) / MB, 1),
    }
