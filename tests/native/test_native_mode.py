"""Native desktop window mode: where its data lives, the missing-backend hint, and a real window under Xvfb."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageGrab

from chat_ui.core.config import Settings
from chat_ui.ui import native
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / 'test-artifacts'


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a ``main.py`` child: no pytest or NiceGUI test variables, data under ``tmp_path``."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(('PYTEST', 'NICEGUI', 'PYWEBVIEW', 'QT_'))
    }
    env.update(
        CHAT_DATA_DIR=str(tmp_path / 'data'),
        DATABASE_URL=f'sqlite:///{tmp_path / "chat.db"}',  # explicit, so a developer's .env cannot redirect it
        UPLOAD_DIR=str(tmp_path / 'data' / 'uploads'),
        INIT_ADMIN_SECRET='x',
        STORAGE_SECRET='x',
        CHAT_LANGUAGE='en',
        **extra,
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])


def test_native_data_dir_is_the_users_unless_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ('CHAT_DATA_DIR', 'DATABASE_URL', 'UPLOAD_DIR', 'STORAGE_SECRET'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(native, 'user_data_dir', lambda name, appauthor: str(tmp_path / 'user' / name))
    settings = native.native_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    assert settings.data_dir == tmp_path / 'user' / 'NiceChat'
    assert settings.resolved_database_url() == f'sqlite:///{tmp_path / "user" / "NiceChat" / "chat.db"}'
    assert settings.resolved_upload_dir() == tmp_path / 'user' / 'NiceChat' / 'uploads'
    secret = settings.resolved_storage_secret()
    assert (tmp_path / 'user' / 'NiceChat' / 'storage_secret').read_text() == secret

    monkeypatch.setenv('CHAT_DATA_DIR', str(tmp_path / 'chosen'))
    assert native.native_settings(Settings(_env_file=None)).data_dir == tmp_path / 'chosen'  # type: ignore[call-arg]

    monkeypatch.delenv('CHAT_DATA_DIR')
    monkeypatch.setenv('DATABASE_URL', 'mysql+pymysql://chat@db.example/chat')
    monkeypatch.setenv('UPLOAD_DIR', str(tmp_path / 'shared-uploads'))
    settings = native.native_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    assert settings.resolved_database_url() == 'mysql+pymysql://chat@db.example/chat'
    assert settings.resolved_upload_dir() == tmp_path / 'shared-uploads'


@pytest.mark.parametrize('broken', ['webview', 'qt'])
def test_missing_backend_prints_install_hint_and_exits(broken: str, tmp_path: Path) -> None:
    fake = tmp_path / 'fake'
    fake.mkdir()
    (fake / 'webview.py').write_text("raise ModuleNotFoundError(\"No module named 'webview'\", name='webview')\n")
    extra = {'PYTHONPATH': str(fake)} if broken == 'webview' else {'QT_QPA_PLATFORM': 'no-such-platform'}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, 'main.py', '--native', '--port', str(free_port())],
        cwd=ROOT,
        env=child_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0, result.stdout + result.stderr
    assert 'pip install ".[native]"' in result.stderr
    assert 'uv sync --extra native' in result.stderr
    assert 'apt-get install libxcb-cursor0' in result.stderr
    assert 'NiceGUI ready' not in result.stdout + result.stderr
    assert not (tmp_path / 'data').exists(), 'the app was set up before the check'
    assert not (tmp_path / 'chat.db').exists(), 'the app was set up before the check'
    assert time.monotonic() - started < 60


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    """A private Xvfb screen (1280x900), stopped afterwards."""
    if not shutil.which('Xvfb'):
        skip_or_fail('Xvfb is not installed (Debian: apt-get install xvfb)')
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ['Xvfb', '-displayfd', str(write_fd), '-screen', '0', '1280x900x24', '-nolisten', 'tcp'],
        pass_fds=[write_fd],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    try:
        assert number, 'Xvfb did not start'
        yield f':{number}'
    finally:
        server.terminate()
        server.wait(timeout=10)


def looks_like_the_login_page(image: Image.Image) -> bool:
    """Drawn, not blank: many colours, mostly not black, a bright card on a coloured (gradient) background."""
    small = image.convert('RGB').resize((320, 225))
    colours: list[tuple[int, tuple[int, int, int]]] = small.getcolors(320 * 225) or []  # type: ignore[assignment]

    def share(test: Callable[[int, int, int], bool]) -> float:
        return sum(count for count, rgb in colours if test(*rgb)) / (320 * 225)

    dark = share(lambda r, g, b: r + g + b < 60)
    bright = share(lambda r, g, b: min(r, g, b) > 235)
    coloured = share(lambda r, g, b: max(r, g, b) - min(r, g, b) > 60)
    return len(colours) >= 64 and dark < 0.5 and bright > 0.03 and coloured > 0.3


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_app(process: subprocess.Popen[bytes]) -> tuple[int | None, bool]:
    """SIGTERM the app's main process (as ``kill PID`` would); return its exit code and whether all its processes ended.

    Whatever is still running after 30 s is killed, so a failing test leaves nothing behind either.
    """
    process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    while (process.poll() is None or group_alive(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    clean = not group_alive(process.pid)
    if not clean:
        os.killpg(process.pid, signal.SIGKILL)
    return process.wait(timeout=10), clean


@pytest.mark.native
def test_native_window_shows_the_login_page(xvfb_display: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('DISPLAY', xvfb_display)
    monkeypatch.delenv('WAYLAND_DISPLAY', raising=False)
    if problem := native.backend_problem():
        skip_or_fail(f'no desktop window backend: {problem}')
    port = free_port()
    log_path = tmp_path / 'app.log'
    with log_path.open('wb') as log:
        app = subprocess.Popen(
            [sys.executable, 'main.py', '--native', '--port', str(port)],
            cwd=ROOT,
            env=child_env(tmp_path, DISPLAY=xvfb_display),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        started = time.monotonic()
        shot: Image.Image | None = None
        page_answered = drawn = False
        while time.monotonic() - started < 90 and app.poll() is None and not drawn:
            time.sleep(1)
            if not page_answered:
                try:
                    with urllib.request.urlopen(f'http://127.0.0.1:{port}/login', timeout=5) as response:
                        page_answered = response.status == 200
                except OSError:
                    continue
            shot = ImageGrab.grab(xdisplay=xvfb_display)
            drawn = looks_like_the_login_page(shot)
        if shot is not None:
            ARTIFACTS.mkdir(exist_ok=True)
            shot.save(ARTIFACTS / 'native-window.png')
        log_text = log_path.read_text(errors='replace')
        assert app.poll() is None, f'the app exited early ({app.returncode}):\n{log_text[-3000:]}'
        assert page_answered, f'the app never answered on port {port}:\n{log_text[-3000:]}'
        assert drawn, (
            f'the window never showed the login page (see test-artifacts/native-window.png):\n{log_text[-3000:]}'
        )
        print(f'native window drawn after {time.monotonic() - started:.1f} s')
    finally:
        code, clean = stop_app(app)
    assert clean, 'processes of the app (window, QtWebEngine) were left behind after SIGTERM'
    assert code in (0, -signal.SIGTERM), f'exit code {code} after SIGTERM'  # uvicorn re-raises SIGTERM once shut down
    assert (tmp_path / 'chat.db').exists()
