"""Start the chat server: ``python main.py [--host H] [--port P] [--native]``."""

from __future__ import annotations

import argparse
import os
import sys

from nicegui import ui

import pages
from chat_ui.core.config import PRODUCT_NAME, Settings
from chat_ui.services import setup
from chat_ui.ui import native


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=f'{PRODUCT_NAME}: real-time chat server')
    parser.add_argument('--host', default='127.0.0.1', help='interface to listen on (default: 127.0.0.1)')
    parser.add_argument('--port', type=int, help='port to listen on (default: 8080; with --native: a free port)')
    parser.add_argument('--native', action='store_true', help='open the app in a desktop window (pywebview)')
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    settings = Settings()
    if args.native:
        if problem := native.backend_problem():
            sys.exit(problem)
        settings = native.native_settings(settings)
        native.configure_window()
    setup.configure(settings)
    pages.register_all()
    ui.run(
        host=args.host,
        port=args.port or (None if args.native else 8080),
        native=args.native,
        window_size=native.WINDOW_SIZE if args.native else None,
        title=PRODUCT_NAME,
        favicon='💬',
        reload=False,
        show=False,
        storage_secret=settings.resolved_storage_secret(),
        session_middleware_kwargs={'https_only': settings.secure_cookie},
        show_welcome_message=not args.native,
    )


if __name__ == '__main__':
    main([] if os.environ.get('NICEGUI_USER_SIMULATION') else sys.argv[1:])
