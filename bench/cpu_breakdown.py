"""Where the server's CPU goes per message, from a py-spy raw profile (``--profile``) of one traffic run.

    uv run python -m bench.cpu_breakdown bench/results/tmp/profiles/<tier>-run-1.txt --ms-per-message 3.1

Every sample (all threads; py-spy leaves idle threads out) is charged to the package of its innermost frame
(SQLAlchemy, PyMySQL, NiceGUI, socket.io, ...), and, separately, to the first application function on its stack
(``chat_ui``/``pages``) or "outside the app's code"; each share times the measured server CPU per message gives
milliseconds per message.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

PACKAGES = [
    ('sqlalchemy', 'SQLAlchemy'),
    ('pymysql', 'PyMySQL'),
    ('sqlite3', 'sqlite3'),
    ('sqlmodel', 'SQLModel'),
    ('nicegui', 'NiceGUI'),
    ('socketio', 'python-socketio'),
    ('engineio', 'python-engineio'),
    ('uvicorn', 'uvicorn'),
    ('starlette', 'starlette'),
    ('fastapi', 'FastAPI'),
    ('websockets', 'websockets'),
    ('wsproto', 'wsproto'),
    ('h11', 'h11'),
    ('orjson', 'JSON'),
    ('json', 'JSON'),
    ('passlib', 'passlib/argon2'),
    ('argon2', 'passlib/argon2'),
    ('concurrent', 'thread pool'),
    ('threading', 'thread pool'),
    ('asyncio', 'asyncio'),
    ('chat_ui', 'chat_ui'),
    ('pages', 'pages'),
    ('db/', 'db'),
]
FRAME = re.compile(r'^(?P<func>.*) \((?P<path>[^()]*):\d+\)$')


def package(frame: str) -> str:
    match = FRAME.match(frame)
    path = match.group('path') if match else frame
    for key, label in PACKAGES:
        if f'/{key}' in path or path.startswith(key):
            return label
    return 'other (stdlib, gc, ...)'


def app_function(frames: list[str]) -> str:
    for frame in frames:
        match = FRAME.match(frame)
        if match and re.search(r'(^|/)(chat_ui|pages|db)/', match.group('path')) and 'main.py' not in frame:
            path = match.group('path')
            short = path[path.rfind('/chat_ui/') + 1 :] if '/chat_ui/' in path else path.rsplit('/', 2)[-2:]
            return f'{match.group("func")} ({short if isinstance(short, str) else "/".join(short)})'
    return 'outside the app (socket I/O, NiceGUI updates, event loop)'


def breakdown(path: Path, ms_per_message: float, top: int = 12) -> str:
    by_package: Counter[str] = Counter()
    by_app: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(' ')
        if not stack or not count_text.isdigit():
            continue
        frames = stack.split(';')
        count = int(count_text)
        total += count
        by_package[package(frames[-1])] += count
        by_app[app_function(frames[1:])] += count
    out = [
        f'samples: {total}; server CPU per message: {ms_per_message} ms',
        '',
        '| innermost frame in | share | ms/message |',
        '|---|---|---|',
    ]
    out += [
        f'| {k} | {100 * c / total:.1f} % | {ms_per_message * c / total:.2f} |' for k, c in by_package.most_common(top)
    ]
    out += ['', '| first app function on the stack | share | ms/message |', '|---|---|---|']
    out += [
        f'| `{k}` | {100 * c / total:.1f} % | {ms_per_message * c / total:.2f} |' for k, c in by_app.most_common(top)
    ]
    return '\n'.join(out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog='python -m bench.cpu_breakdown', description=__doc__.splitlines()[0])
    parser.add_argument('profile', type=Path)
    parser.add_argument('--ms-per-message', type=float, required=True)
    parser.add_argument('--top', type=int, default=12)
    args = parser.parse_args(argv)
    print(breakdown(args.profile, args.ms_per_message, args.top))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
