"""Browser end-to-end fixtures: a real ``main.py`` server process and real Chromium driven by Playwright (sync API).

Everything here is synchronous on purpose: pytest-asyncio runs in auto mode, and Playwright's sync API must not
run inside a running asyncio loop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import skip_or_fail

REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_SECRET = 'e2e-admin-secret'
CHROMIUM = Path('/usr/bin/chromium')
CHROMIUM_ARGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
]
DEFAULT_TIMEOUT_MS = 10_000
SERVER_START_TIMEOUT_S = 30.0
E2E_DIR = Path(__file__).resolve().parent

try:  # Playwright is a dev dependency; without it the browser fixture skips (or fails in CI).
    from playwright.sync_api import Browser, BrowserContext, Page, expect

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
except ImportError:  # pragma: no cover - only without the dev dependencies
    Browser = BrowserContext = Page = Any  # type: ignore[misc,assignment]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/e2e drives a real browser: mark it ``browser``."""
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


# --------------------------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])


def server_environment(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """os.environ without pytest's and NiceGUI's test switches, pointed at a private data directory."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith('PYTEST') and key not in {'NICEGUI_USER_SIMULATION', 'DATABASE_URL', 'CHAT_LANGUAGE'}
    }
    env.update(
        CHAT_DATA_DIR=str(data_dir),
        INIT_ADMIN_SECRET=ADMIN_SECRET,
        STORAGE_SECRET='e2e-storage',
        NICEGUI_STORAGE_PATH=str(data_dir / '.nicegui'),  # keep NiceGUI's per-browser storage out of the repo
        PYTHONUNBUFFERED='1',
        CHAT_SEND_LIMIT='0',  # browser tests send quickly; the module that tests the limit turns it on
    )
    env.pop('UPLOAD_DIR', None)  # uploads go under CHAT_DATA_DIR
    env.update(extra or {})
    return env


@dataclass
class ChatServer:
    """One ``python main.py --port P`` process with its own SQLite database under ``data_dir``."""

    url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding='utf-8', errors='replace')
        except OSError:
            return ''

    def stop(self) -> None:
        """Terminate (graceful), then kill after 5 s; also kill anything the server left in its process group."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session (start_new_session): only its children


def start_chat_server(base_dir: Path, env: dict[str, str] | None = None) -> ChatServer:
    """Start main.py on a free port (``env``: extra environment variables) and wait until GET /login answers 200."""
    data_dir = base_dir / 'data'
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = base_dir / 'server.log'
    port = free_port()
    url = f'http://127.0.0.1:{port}'
    with open(log_path, 'wb') as log_file:
        process = subprocess.Popen(
            [sys.executable, 'main.py', '--port', str(port)],
            cwd=REPO_ROOT,
            env=server_environment(data_dir, env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = ChatServer(url=url, data_dir=data_dir, log_path=log_path, process=process)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    last_error: object = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f'chat server exited with code {process.returncode} before answering:\n{server.log()}', pytrace=False
            )
        try:
            with urllib.request.urlopen(f'{url}/login', timeout=2) as response:
                if response.status == 200:
                    return server
                last_error = f'HTTP {response.status}'
        except (urllib.error.URLError, OSError) as error:
            last_error = error
        time.sleep(0.1)
    server.stop()
    pytest.fail(
        f'chat server did not answer GET /login within {SERVER_START_TIMEOUT_S:.0f} s ({last_error}):\n{server.log()}',
        pytrace=False,
    )


@pytest.fixture(scope='module')
def chat_server() -> Iterator[ChatServer]:
    """A real server process shared by the tests of one module (use unique_name() to avoid collisions)."""
    with tempfile.TemporaryDirectory(prefix='chat-e2e-') as tmp:
        yield from _serve(Path(tmp))


@pytest.fixture
def fresh_chat_server() -> Iterator[ChatServer]:
    """A real server process with an empty database, for one test only (e.g. the one-time admin set-up)."""
    with tempfile.TemporaryDirectory(prefix='chat-e2e-') as tmp:
        yield from _serve(Path(tmp))


def _serve(base_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[ChatServer]:
    server = start_chat_server(base_dir, extra_env)
    try:
        yield server
    finally:
        server.stop()
        if server.process.returncode not in (0, -15):
            print(f'\nchat server exited with code {server.process.returncode}; its log:\n{server.log()}')


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """When a test that used a server fails, attach that server's output to the report."""
    report = yield
    if report.failed:
        for name in ('chat_server', 'fresh_chat_server', 'mariadb_chat_server'):
            server = getattr(item, 'funcargs', {}).get(name)
            if isinstance(server, ChatServer):
                report.sections.append((f'{name} log ({server.log_path})', server.log()[-20_000:]))
    return report


# --------------------------------------------------------------------------------------------- the browser


@pytest.fixture(scope='package')
def browser() -> Iterator[Browser]:
    """Headless system Chromium (Playwright's own browser download does not work here), shared by tests/e2e.

    Package scope, not session: while Playwright's sync API is started, its event loop counts as *running* in
    this thread (it lives in a greenlet), so every pytest-asyncio test collected after tests/e2e would fail with
    "Runner.run() cannot be called from a running event loop". Package scope stops it when tests/e2e is done.
    """
    if not CHROMIUM.exists():
        skip_or_fail(f'{CHROMIUM} is missing: the browser tests need a system Chromium')
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail('playwright is not installed (it is a dev dependency: uv sync --group dev)')
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


NewPage = Callable[..., Page]


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """``new_page(locale='en-US', width=1280, height=800) -> Page``: each call is a new browser context,
    i.e. its own cookies and storage, i.e. a separate person. All are closed after the test."""
    contexts: list[BrowserContext] = []

    def make(locale: str = 'en-US', width: int = 1280, height: int = 800) -> Page:
        context = browser.new_context(locale=locale, viewport={'width': width, 'height': height})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
