"""py-spy around a phase of the server (``--profile``): sampling from outside, non-blocking, 100 Hz.

``gil=True`` samples only the thread holding the GIL: where the process spends CPU in Python, without the worker
threads that wait for the database; without it, every thread that is not waiting.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from .profile_summary import summarize


def py_spy() -> str | None:
    candidate = Path(sys.executable).with_name('py-spy')
    return str(candidate) if candidate.exists() else shutil.which('py-spy')


class Spy:
    def __init__(self, pid: int, output: Path, rate: int = 100, *, gil: bool = False) -> None:
        self.pid = pid
        self.gil = gil
        self.output = output
        self.rate = rate
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Spy:
        exe = py_spy()
        if exe:
            self.process = subprocess.Popen(
                [
                    exe,
                    'record',
                    '--nonblocking',
                    *(['--gil'] if self.gil else []),
                    '-r',
                    str(self.rate),
                    '-f',
                    'raw',
                    '-o',
                    str(self.output),
                    '-p',
                    str(self.pid),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def summary(self, top: int = 15) -> str | None:
        if not self.output.exists():
            return None
        text = (
            'event loop thread\n'
            + summarize(self.output, top=top)
            + '\n\nio_bound worker threads\n'
            + summarize(self.output, top=top, only_thread='_worker')
        )
        keep = Path(__file__).resolve().parent / 'results' / 'tmp' / 'profiles'
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.output, keep / f'{self.output.parent.name}-{self.output.name}')
        return text
