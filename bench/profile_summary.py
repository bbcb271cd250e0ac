"""Summarize a py-spy ``--format raw`` (collapsed stacks) file: the heaviest frames, inclusive and self.

By default only stacks of the event-loop thread (those starting in main.py) count; ``only_thread='_worker'`` selects
the worker threads of ``run.io_bound`` instead.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path


def summarize(path: Path, *, top: int = 25, only_thread: str | None = 'main.py') -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(' ')
        if not stack or not count_text.isdigit():
            continue
        frames = stack.split(';')
        if only_thread and only_thread not in (frames[0] if only_thread == 'main.py' else stack):
            continue
        count = int(count_text)
        total += count
        for frame in set(frames[1:]):
            inclusive[frame] += count
        own[frames[-1]] += count
    lines = [f'samples: {total}', 'inclusive:']
    lines += [f'  {100 * c / total:5.1f}%  {f}' for f, c in inclusive.most_common(top)]
    lines += ['self:']
    lines += [f'  {100 * c / total:5.1f}%  {f}' for f, c in own.most_common(top)]
    return '\n'.join(lines)


if __name__ == '__main__':
    print(summarize(Path(sys.argv[1]), top=int(sys.argv[2]) if len(sys.argv) > 2 else 25))
