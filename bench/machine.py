"""Facts about the machine and software a result was measured on."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

from . import dbs


def cpu_model() -> str:
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def git_commit(root: Path) -> str | None:
    try:
        return subprocess.run(
            ['git', 'rev-parse', 'HEAD'], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def dirty_files(root: Path) -> list[str]:
    try:
        out = subprocess.run(
            ['git', 'status', '--porcelain', '--untracked-files=no'],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line[3:] for line in out.splitlines()]


def facts(root: Path) -> dict[str, Any]:
    mariadb = dbs.mariadb_available()
    return {
        'cpu_model': cpu_model(),
        'cpu_cores_logical': os.cpu_count(),
        'cpu_cores_physical': psutil.cpu_count(logical=False),
        'memory_total_gib': round(psutil.virtual_memory().total / 2**30, 1),
        'os': platform.platform(),
        'python': sys.version.split()[0],
        'sqlite': sqlite3.sqlite_version,
        'mariadb': mariadb,
        'mariadb_innodb_buffer_pool_bytes': int(dbs.mariadb_setting('innodb_buffer_pool_size') or 0)
        if mariadb
        else None,
        'nicegui': metadata.version('nicegui'),
        'sqlalchemy': metadata.version('sqlalchemy'),
        'git_commit': git_commit(root) or os.environ.get('BENCH_GIT_COMMIT'),
        'uncommitted_changes': dirty_files(root) if git_commit(root) else None,
    }
