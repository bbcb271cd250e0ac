"""Start ``main.py`` as a real server process on 127.0.0.1 and watch its memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return int(s.getsockname()[1])


class Server:
    """One server process with its own data folder; ``database_url`` None means the default SQLite file."""

    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str | None = None,
        port: int | None = None,
        gc_log: bool = False,
        extra_env: dict[str, str] | None = None,
        name: str = 'server',
    ) -> None:
        self.data_dir = data_dir
        self.gc_log = gc_log
        self.database_url = database_url
        self.extra_env = extra_env or {}
        self.port = port or free_port()
        self.base = f'http://127.0.0.1:{self.port}'
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / f'{name}.log'

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith('PYTEST') and k != 'NICEGUI_USER_SIMULATION'}
        env.update(
            {
                'CHAT_DATA_DIR': str(self.data_dir),
                'STORAGE_SECRET': 'bench-storage-secret',
                'INIT_ADMIN_SECRET': 'bench-admin-secret',
                'NICEGUI_STORAGE_PATH': str(self.data_dir / 'nicegui-storage'),
                'CHAT_LANGUAGE': 'en',
            }
        )
        if self.database_url:
            env['DATABASE_URL'] = self.database_url
        else:
            env.pop('DATABASE_URL', None)
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open('ab')
        wrapper = os.environ.get('BENCH_SERVER_WRAPPER') or (str(ROOT / 'bench' / 'gcprobe.py') if self.gc_log else '')
        command = [sys.executable, wrapper] if wrapper else [sys.executable, 'main.py']
        self.process = subprocess.Popen(
            [*command, '--port', str(self.port)], cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f'server exited with {self.process.returncode}; see {self.log_path}')
            try:
                with urllib.request.urlopen(f'{self.base}/login', timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f'server did not answer on {self.base}/login within {timeout} s')

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def rss(self) -> int:
        return int(psutil.Process(self.pid).memory_info().rss)

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)

    def gc_pauses(self, since: float, until: float) -> dict[str, float | int | None]:
        """Full (generation 2) collections of the server between two ``time.time()`` stamps (needs ``gc_log``)."""
        path = self.data_dir / 'gc.log'
        if not path.exists():
            return {'gen2_collections': None}
        full = []
        for line in path.read_text().splitlines():
            if line.startswith('#'):
                continue
            stamp, generation, ms, _ = line.split()
            if since <= float(stamp) <= until and generation == '2':
                full.append(float(ms))
        return {
            'gen2_collections': len(full),
            'gen2_max_ms': max(full, default=0.0),
            'gen2_total_ms': round(sum(full), 1),
        }

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


class PeakRss:
    """Sample a process's RSS every ``interval`` seconds in a thread; ``peak`` is the highest seen."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.start_rss = int(self.process.memory_info().rss)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, int(self.process.memory_info().rss))
            except psutil.Error:
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self.peak = self.start_rss
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
