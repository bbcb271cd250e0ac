"""Export my data: one zip with a JSON file per conversation the user belongs to (every message with its time and
sender, oldest first) and the files of those conversations.

The zip is written by a child process (``export_writer``) straight to ``UPLOAD_DIR/<uuid>``, in batches of
``BATCH`` messages, so neither the server's memory nor its event loop carries it: the work holds no GIL of the
server's. The job's progress is plain data the page reads, updated from the child's reports. The finished zip is a
stored file of purpose ``export`` (its owner only) that expires after ``LIFETIME``; ``purge_expired`` deletes it.
One export per user at a time (per server process): a second request while one runs is refused.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import threading
import uuid
import weakref
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.core.worker import off_loop
from chat_ui.services.file_store import delete_stored, upload_dir
from db import conversations as conversation_queries
from db import files as file_queries
from db.engine import get_engine, session_scope
from db.models import Message

from . import export_writer
from .access import active_user

BATCH = 1000
LIFETIME = timedelta(hours=1)
PURGE_EVERY = 300.0  # s
log = logging.getLogger(__name__)
WRITER = export_writer.__name__  # the module the child runs
WRITERS_AT_ONCE = 2  # export children per process (each is a Python interpreter with the database layer)
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # where the child imports ``chat_ui`` and ``db`` from


@dataclass
class ExportJob:
    """One export's progress: ``done`` of ``total`` steps (a message or a file each); ``state`` running, done or
    failed; ``key`` of the finished zip."""

    user_id: int
    total: int = 0
    done: int = 0
    state: str = 'running'
    key: str | None = None
    size: int = 0
    error: str | None = None
    started_at: datetime = field(default_factory=clock.now)

    @property
    def percent(self) -> int:
        return 100 if self.state == 'done' else int(100 * self.done / self.total) if self.total else 0


_jobs: dict[int, ExportJob] = {}
_lock = threading.Lock()
_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def begin(actor: SessionInfo) -> ExportJob:
    """Register a new export of the actor's data, or refuse while one is still being built."""
    with _lock:
        running = _jobs.get(actor.user_id)
        if running is not None and running.state == 'running':
            raise ChatError('export_busy')
        job = ExportJob(user_id=actor.user_id)
        _jobs[actor.user_id] = job
        return job


def job_of(actor: SessionInfo) -> ExportJob | None:
    return _jobs.get(actor.user_id)


async def build(job: ExportJob) -> ExportJob:
    """Write the zip in a child process (see ``export_writer``); the job says how far it got and how it ended. If
    this is cancelled (the server stops) the child is killed and its partial zip deleted."""
    key = str(uuid.uuid4())
    try:
        request = await off_loop(_prepare, job, key, clock.now())
        async with _writers():
            job.size = await _run_writer(job, request)
        await off_loop(_record, job, key, clock.now())
    except ChatError as refusal:
        job.state, job.error = 'failed', refusal.key
        await off_loop(delete_stored, [key])
        return job
    except BaseException:
        job.state, job.error = 'failed', 'export_failed'
        await asyncio.shield(off_loop(delete_stored, [key]))
        raise
    job.key, job.state = key, 'done'
    return job


async def export_my_data(actor: SessionInfo) -> ExportJob:
    """Begin and build in one call (tests, the bench)."""
    return await build(begin(actor))


def _prepare(job: ExportJob, key: str, now: datetime) -> export_writer.Request:
    """In a worker thread: purge expired exports, plan this one and say what the child is to write."""
    purge_expired_blocking()
    with session_scope() as db:
        conversation_ids, messages, file_count = _plan(db, job.user_id)
    job.total = messages + file_count
    upload_dir().mkdir(parents=True, exist_ok=True)
    return export_writer.Request(
        database_url=get_engine().url.render_as_string(hide_password=False),
        folder=str(upload_dir().resolve()),
        user_id=job.user_id,
        conversation_ids=conversation_ids,
        key=key,
        now=export_writer.iso(now),
        batch=BATCH,
    )


async def _run_writer(job: ExportJob, request: export_writer.Request) -> int:
    """Start the child, feed it the request (on stdin: the database URL may hold a password), follow its progress;
    the zip's size."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        '-P',  # not the working folder first on the import path (a planted json.py must not run next to the password)
        '-m',
        WRITER,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=_child_environment(),
    )
    assert child.stdin is not None and child.stdout is not None
    size: int | None = None
    try:
        child.stdin.write(json.dumps(asdict(request)).encode() + b'\n')
        await child.stdin.drain()
        child.stdin.close()
        async for line in child.stdout:
            report = json.loads(line)
            job.done = int(report.get('done', job.done))
            size = report.get('size', size)
        if await child.wait() != 0 or size is None:
            raise RuntimeError(f'the export writer ended with exit code {child.returncode}')
    finally:
        if child.returncode is None:
            child.kill()
            await asyncio.shield(child.wait())
    return int(size)


def _writers() -> asyncio.Semaphore:
    """At most ``WRITERS_AT_ONCE`` export children at a time in this process (one semaphore per event loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _semaphores:
        _semaphores[loop] = asyncio.Semaphore(WRITERS_AT_ONCE)
    return _semaphores[loop]


def _child_environment() -> dict[str, str]:
    """The server's environment, with the project first on the child's import path (whatever the working folder)."""
    path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get('PYTHONPATH')]))
    return {**os.environ, 'PYTHONPATH': path}


def _record(job: ExportJob, key: str, now: datetime) -> None:
    """In a worker thread: the finished zip becomes its owner's one export (purpose export, expiring)."""
    with session_scope() as db:
        active_user(db, job.user_id)
        old = [f.key for f in file_queries.owned(db, owner_id=job.user_id, purpose='export')]
        file_queries.delete_files(db, keys=old)
        file_queries.add_file(
            db,
            key=key,
            owner_id=job.user_id,
            purpose='export',
            mime='application/zip',
            name=f'nicechat-export-{now:%Y%m%d-%H%M}.zip',
            size=job.size,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    delete_stored(old)


def _plan(db: Session, user_id: int) -> tuple[list[int], int, int]:
    """The user's conversations, their message count and their file count."""
    active_user(db, user_id)
    ids = conversation_queries.conversation_ids_of(db, user_id=user_id)
    if not ids:
        return [], 0, 0
    in_mine = col(Message.conversation_id).in_(ids)
    messages = db.exec(select(func.count()).select_from(Message).where(in_mine)).one()
    files = db.exec(select(func.count()).select_from(Message).where(in_mine, col(Message.file_key).is_not(None))).one()
    return sorted(ids), messages, files


def purge_expired_blocking() -> int:
    """Delete every export whose hour is over (records and files); returns how many."""
    with session_scope() as db:
        keys = [f.key for f in file_queries.expired(db, purpose='export', now=clock.now())]
        file_queries.delete_files(db, keys=keys)
    delete_stored(keys)
    return len(keys)


async def purge_expired() -> int:
    return await off_loop(purge_expired_blocking)


async def purge_forever(every: float = PURGE_EVERY) -> None:
    """The server's janitor: expired exports leave the disk within ``every`` seconds of their hour."""
    while True:
        await asyncio.sleep(every)
        try:
            await purge_expired()
        except Exception:  # a database hiccup must not end the janitor
            log.exception('purging expired exports failed')
