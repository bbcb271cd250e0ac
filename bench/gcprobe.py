"""Run ``main.py`` unchanged, recording the server's garbage-collection pauses (``--gc-log`` evidence).

``python bench/gcprobe.py --port P`` registers a ``gc.callbacks`` hook, then executes main.py as ``__main__``. Every
collection of generation 2, and every younger one longer than 5 ms, is appended to ``$CHAT_DATA_DIR/gc.log`` as
``<unix time> <generation> <milliseconds> <objects collected>``. Nothing else differs from ``python main.py``
(unless the diagnostic ``BENCH_GC_THRESHOLD`` is set, which replaces the app's own ``gc.set_threshold``).
"""

from __future__ import annotations

import gc
import os
import runpy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_log = (Path(os.environ.get('CHAT_DATA_DIR', '.')) / 'gc.log').open('a', buffering=1)
_started: dict[int, float] = {}


def _callback(phase: str, info: dict[str, int]) -> None:
    generation = info['generation']
    if phase == 'start':
        _started[generation] = time.perf_counter()
        return
    ms = (time.perf_counter() - _started.pop(generation, time.perf_counter())) * 1000
    if generation == 2 or ms > 5:
        _log.write(f'{time.time():.3f} {generation} {ms:.1f} {info.get("collected", 0)}\n')


gc.callbacks.append(_callback)
if os.environ.get('BENCH_GC_THRESHOLD'):  # diagnostics only, e.g. "700,10,1000000" = no automatic full collections
    gc.set_threshold(*(int(v) for v in os.environ['BENCH_GC_THRESHOLD'].split(',')))
    _log.write(f'# gc.set_threshold{gc.get_threshold()}\n')
    gc.set_threshold = lambda *_: None  # the diagnostic wins over the app's own tuning at start-up
sys.argv = [str(ROOT / 'main.py'), *sys.argv[1:]]
sys.path.insert(0, str(ROOT))
runpy.run_path(str(ROOT / 'main.py'), run_name='__main__')
