"""Try NiceChat scaled out on one machine: ``python -m deploy.local --processes N --port P``.

Starts N ``main.py`` processes (ids p1..pN, ports picked free), waits until each answers ``/healthz``, then HAProxy on
127.0.0.1:P in front of them, and serves until interrupted (Ctrl-C or SIGTERM stops everything). Uses ``REDIS_URL``
(default: the local Redis, redis://127.0.0.1:6379/0), ``DATABASE_URL`` (default: one SQLite file under
``CHAT_DATA_DIR``, shared by the processes) and ``CHAT_DATA_DIR`` (default ./data) from the environment; the
processes share the data directory (uploads) and one ``STORAGE_SECRET`` (the configured one, or the one kept
under the data directory). Prints one line per process: its id and port.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from chat_ui.core.config import Settings
from deploy.haproxy import render

REPO_ROOT = Path(__file__).resolve().parents[1]
HAPROXY = shutil.which('haproxy') or '/usr/sbin/haproxy'
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f'{url}/healthz', timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_healthy(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f'{what} exited with code {process.returncode}')
        if healthy(url):
            return
        time.sleep(0.2)
    raise SystemExit(f'{what} did not answer {url}/healthz within {START_TIMEOUT:.0f} s')


def environment(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault('REDIS_URL', 'redis://127.0.0.1:6379/0')
    env['CHAT_DATA_DIR'] = str(data_dir)
    settings = Settings(CHAT_DATA_DIR=data_dir)  # type: ignore[call-arg]
    env['DATABASE_URL'] = settings.resolved_database_url()  # the same file for every process
    env['STORAGE_SECRET'] = settings.resolved_storage_secret()
    env.setdefault('PYTHONUNBUFFERED', '1')
    return env


def stop(processes: list[subprocess.Popen[bytes]], timeout: float = 15.0) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        if process.poll() is None:
            process.kill()
            process.wait()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog='python -m deploy.local', description=__doc__.splitlines()[0])
    parser.add_argument('--processes', type=int, default=2, help='how many NiceChat processes (default 2)')
    parser.add_argument('--port', type=int, default=8080, help='the balancer listens on 127.0.0.1:PORT (default 8080)')
    args = parser.parse_args(argv)
    if not 1 <= args.processes <= 32:
        raise SystemExit('--processes: 1 to 32')
    if not Path(HAPROXY).exists():
        raise SystemExit('HAProxy is not installed (Debian: apt-get install haproxy)')
    data_dir = Path(os.environ.get('CHAT_DATA_DIR', 'data')).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = environment(data_dir)
    processes: list[subprocess.Popen[bytes]] = []
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    work = Path(tempfile.mkdtemp(prefix='nicechat-local-'))
    try:
        servers = []
        for index in range(1, args.processes + 1):
            sid, port = f'p{index}', free_port()
            process = subprocess.Popen(
                [sys.executable, 'main.py', '--host', '127.0.0.1', '--port', str(port)],
                cwd=REPO_ROOT,
                env={**env, 'CHAT_INSTANCE_ID': sid},
            )
            processes.append(process)
            wait_healthy(f'http://127.0.0.1:{port}', process, f'process {sid}')  # one at a time: migrations
            servers.append((sid, f'127.0.0.1:{port}'))
            print(f'{sid} 127.0.0.1:{port}', flush=True)
        config = work / 'haproxy.cfg'
        config.write_text(render(f'127.0.0.1:{args.port}', servers), encoding='utf-8')
        balancer = subprocess.Popen([HAPROXY, '-db', '-f', str(config)])
        processes.insert(0, balancer)
        wait_healthy(f'http://127.0.0.1:{args.port}', balancer, 'haproxy')
        print(f'NiceChat on http://127.0.0.1:{args.port} ({args.processes} processes behind HAProxy)', flush=True)
        while not stopping:
            for process in processes:
                if process is balancer and process.poll() is not None:
                    raise SystemExit(f'haproxy exited with code {process.returncode}')
            time.sleep(0.5)
    finally:
        stop(processes)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main(sys.argv[1:])
