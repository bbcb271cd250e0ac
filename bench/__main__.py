"""``python -m bench`` runs every benchmark; ``--quick`` runs small versions in a few minutes.

Output: ``bench/results/<date>.json`` (full) or ``bench/results/tmp/<date>-quick.json`` (quick, not committed),
the plot next to it, and (full run only) the results table inside BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from . import live, runner


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='small sizes, a few minutes')
    parser.add_argument(
        '--short', action='store_true', help='one tier of 100 clients, 10 s at 20 and 100 msg/s (live part only)'
    )
    parser.add_argument(
        '--paced', action='store_true', help='old schedule: wait for a free sender (a slow server slows the load)'
    )
    parser.add_argument('--only', nargs='*', choices=runner.PARTS, help='run only these parts')
    parser.add_argument(
        '--server-db',
        choices=['both', 'sqlite', 'mariadb'],
        default='both',
        help='database of the server in the live runs (both: SQLite, then MariaDB); upload runs on SQLite',
    )
    parser.add_argument('--profile', action='store_true', help='record py-spy profiles of the server during the runs')
    parser.add_argument('--tiers', nargs='*', type=int, help='live part: only the tiers with these client counts')
    parser.add_argument('--no-markdown', action='store_true', help='do not update the table in BENCHMARKS.md')
    parser.add_argument(
        '--markdown-from',
        metavar='JSON',
        help='only rewrite the results block of BENCHMARKS.md from a results file (and its .png next to it)',
    )
    args = parser.parse_args(argv)
    if args.paced:
        live.ABSOLUTE_SCHEDULE = False
    if args.markdown_from:
        return runner.markdown_from(args.markdown_from)
    return asyncio.run(
        runner.run(
            quick=args.quick,
            short=args.short,
            parts=args.only or list(runner.PARTS),
            server_db=args.server_db,
            profile=args.profile,
            tiers=args.tiers,
            update_markdown=not args.no_markdown and not args.quick and not args.short,
        )
    )


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
