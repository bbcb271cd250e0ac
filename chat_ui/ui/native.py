"""Desktop window mode (``python main.py --native``): where its data lives and whether a window can open at all."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

from nicegui import app
from platformdirs import user_data_dir

from chat_ui.core.config import PRODUCT_NAME, Settings

WINDOW_SIZE = (1200, 800)
LINUX_LIBRARIES = (
    'libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxkbcommon-x11-0 libnss3 libxcomposite1 '
    'libxdamage1 libxrandr2 libxtst6 libasound2 libegl1 libgbm1 libfontconfig1 libglib2.0-0 libgssapi-krb5-2'
)
INSTALL_HINT = f"""\
To open {PRODUCT_NAME} in a desktop window, install the desktop extra (pywebview with its Qt backend):
    pip install ".[native]"        (or, with uv: uv sync --extra native)
On Debian/Ubuntu, Qt also needs these system libraries:
    sudo apt-get install {LINUX_LIBRARIES}
and a display (a desktop session; on a headless machine run it under xvfb-run).
Without a desktop window, `python main.py` serves the same app to a browser."""

# Run in a child process: a missing Qt library or display makes Qt abort the whole process, not raise.
_PROBE = """
import importlib, sys
importlib.import_module('webview')
if sys.argv[1] == 'qt':
    importlib.import_module('qtpy.QtWebEngineWidgets')
    from qtpy.QtWidgets import QApplication
    QApplication([sys.executable])
"""


def gui_backend() -> str | None:
    """The pywebview GUI to use: Qt on Linux (the one the extra installs) unless PYWEBVIEW_GUI chooses."""
    if os.environ.get('PYWEBVIEW_GUI'):
        return os.environ['PYWEBVIEW_GUI'].lower()
    return 'qt' if sys.platform.startswith('linux') else None


def backend_problem(timeout: float = 60) -> str | None:
    """Why no desktop window can open here (with what to install), or None when pywebview and its GUI load."""
    try:
        probe = subprocess.run(
            [sys.executable, '-c', _PROBE, gui_backend() or ''],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return (
            f'Opening a test window did not finish within {timeout:.0f} s (is the display responding?).\n{INSTALL_HINT}'
        )
    if probe.returncode == 0:
        return None
    lines = [line for line in probe.stderr.splitlines() if line.strip()]
    detail = '\n'.join(f'    {line}' for line in lines[-6:]) or f'    exit code {probe.returncode}'
    return f'{PRODUCT_NAME} cannot open a desktop window here:\n{detail}\n{INSTALL_HINT}'


def native_settings(settings: Settings) -> Settings:
    """Settings whose data directory is the user's (unless CHAT_DATA_DIR chose one), so any working directory works.

    DATABASE_URL, UPLOAD_DIR and STORAGE_SECRET still win for their own part, as in browser mode.
    """
    if 'data_dir' in settings.model_fields_set:
        return settings
    return settings.model_copy(update={'data_dir': Path(user_data_dir(PRODUCT_NAME, appauthor=False))})


def configure_window() -> None:
    """Prepare NiceGUI's window process: pywebview's GUI, Chromium's sandbox as root, closing with the server."""
    if hasattr(os, 'geteuid') and os.geteuid() == 0:
        # Chromium (inside QtWebEngine) refuses to start as root with its sandbox on, e.g. in a container.
        os.environ.setdefault('QTWEBENGINE_DISABLE_SANDBOX', '1')  # inherited by the spawned window process
    if gui := gui_backend():
        app.native.start_args['gui'] = gui
    app.on_shutdown(close_window)


async def close_window() -> None:
    """Close the window when the server stops; NiceGUI does so only for app.shutdown(), not for SIGTERM."""
    if app.native.main_window is not None:
        app.native.main_window.destroy()
    for process in multiprocessing.active_children():
        if process.daemon:  # the window process (process pool workers are not daemonic)
            await asyncio.to_thread(process.join, 5)
            if process.is_alive():
                process.terminate()
