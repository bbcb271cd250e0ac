"""Export my data: one zip with a JSON file per conversation the user belongs to (every message with its time and
sender, oldest first) and the files of those conversations.

The zip is written in a worker thread straight to ``UPLOAD_DIR/<uuid>``: messages are read in batches of
``BATCH`` by id and each one is encoded and compressed as it goes, files are copied in chunks, so memory stays flat
however long the history is. The job's progress is plain data the page reads. The finished zip is a stored file of
purpose ``export`` (its owner only) that expires after ``LIFETIME``; ``purge_expired`` deletes it. One export per
user at a time (per server process): a second request while one runs is refused.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO

from sqlalchemy import func
from sqlmodel import Session, col, select

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.core.worker import off_loop
from chat_ui.services.file_store import delete_stored, stored_path, upload_dir
from db import conversations as conversation_queries
from db import files as file_queries
from db import messages as message_queries
from db import users as user_queries
from db.engine import session_scope
from db.models import Conversation, Message

from .access import active_user

BATCH = 1000
LIFETIME = timedelta(hours=1)
PURGE_EVERY = 300.0  # s
log = logging.getLogger(__name__)
FORMAT_VERSION = 1


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
    """Write the zip off the event loop; the job says how far it got and how it ended."""
    try:
        await off_loop(build_blocking, job)
    except ChatError as refusal:
        job.state, job.error = 'failed', refusal.key
    except Exception:
        job.state, job.error = 'failed', 'export_failed'
        raise
    return job


async def export_my_data(actor: SessionInfo) -> ExportJob:
    """Begin and build in one call (tests, the bench)."""
    return await build(begin(actor))


# ---------------------------------------------------------------- the blocking part


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec='seconds') + 'Z'


def _safe(text: str, limit: int = 40) -> str:
    kept = ''.join(c if c.isalnum() or c in '-_.' else '_' for c in text)
    return kept[:limit].strip('._') or 'file'


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


def _header(db: Session, conversation: Conversation, user_id: int) -> dict:  # type: ignore[type-arg]
    members = [user.username for _, user in conversation_queries.members(db, conversation_id=conversation.id or 0)]
    title = conversation.title
    if conversation.kind == 'direct':
        title = next((name for name in members if name != _username(db, user_id)), title)
    return {'id': conversation.id, 'kind': conversation.kind, 'title': title or '', 'members': sorted(members)}


def _username(db: Session, user_id: int) -> str:
    user = user_queries.get_user(db, user_id=user_id)
    return user.username if user else ''


def _write_conversation(
    out: IO[bytes], conversation_id: int, user_id: int, job: ExportJob, files: list[tuple[str, str]]
) -> None:
    """One conversation's JSON, message by message; the files it holds are listed in ``files`` for later."""
    with session_scope() as db:
        conversation = conversation_queries.get_conversation(db, conversation_id=conversation_id)
        if (
            conversation is None
            or conversation_queries.get_member(db, conversation_id=conversation_id, user_id=user_id) is None
        ):
            return
        header = _header(db, conversation, user_id)
    out.write(b'{"format": %d, "conversation": ' % FORMAT_VERSION)
    out.write(json.dumps(header, ensure_ascii=False).encode())
    out.write(b', "messages": [')
    after, first = 0, True
    while True:
        with session_scope() as db:  # a short transaction per batch: nothing is held open while writing
            rows = message_queries.newer(db, conversation_id=conversation_id, after_id=after, limit=BATCH)
            people = user_queries.profiles(db, user_ids={row.sender_id for row in rows})
        for row in rows:
            login, shown, _ = people.get(row.sender_id, ('?', '', ''))
            item: dict[str, object] = {
                'id': row.id,
                'time': _iso(row.created_at),
                'sender': login,
                'sender_display': shown or login,
                'kind': row.kind,
            }
            if row.reply_to_id is not None:
                item['reply_to'] = row.reply_to_id
            if row.recalled_at is not None:  # as members see it: that it was withdrawn, by whom, not what it said
                by = 'sender' if row.recalled_by in (None, row.sender_id) else 'admin'
                item['recalled'] = {'time': _iso(row.recalled_at), 'by': by}
            elif row.kind == 'text':
                item['text'] = row.body or ''
                if row.edited_at is not None:  # the current text; earlier versions are the admin's records only
                    item['edited'] = _iso(row.edited_at)
            if row.file_key:
                arcname = f'files/{row.file_key}-{_safe(row.file_name or "file", 80)}'
                item['file'] = {
                    'path': arcname,
                    'name': row.file_name or '',
                    'mime': row.file_mime,
                    'size': row.file_size,
                }
                files.append((row.file_key, arcname))
            out.write((b'' if first else b',') + b'\n  ' + json.dumps(item, ensure_ascii=False).encode())
            first = False
            job.done += 1
        if len(rows) < BATCH:
            break
        after = rows[-1].id or after
    out.write(b'\n]}\n')


def build_blocking(job: ExportJob) -> None:
    """In a worker thread: the whole zip, then its record (purpose export, expiring)."""
    user_id = job.user_id
    purge_expired_blocking()
    with session_scope() as db:
        conversation_ids, messages, file_count = _plan(db, user_id)
    job.total = messages + file_count
    key = str(uuid.uuid4())
    path = stored_path(key)
    assert path is not None
    upload_dir().mkdir(parents=True, exist_ok=True)
    now = clock.now()
    try:
        with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            files: list[tuple[str, str]] = []
            for conversation_id in conversation_ids:
                with archive.open(f'conversations/{conversation_id}.json', 'w', force_zip64=True) as out:
                    _write_conversation(out, conversation_id, user_id, job, files)
            for file_key, arcname in files:
                source = stored_path(file_key)
                if source is not None and source.is_file():
                    archive.write(source, arcname, compress_type=zipfile.ZIP_STORED)
                job.done += 1
            archive.writestr(
                'README.txt',
                f'NiceChat export of {_iso(now)}: conversations/<id>.json holds each conversation you belong to, '
                'files/ the pictures and audio of those conversations.\n',
            )
        size = path.stat().st_size
        with session_scope() as db:
            active_user(db, user_id)
            old = [f.key for f in file_queries.owned(db, owner_id=user_id, purpose='export')]
            file_queries.delete_files(db, keys=old)
            file_queries.add_file(
                db,
                key=key,
                owner_id=user_id,
                purpose='export',
                mime='application/zip',
                name=f'nicechat-export-{now:%Y%m%d-%H%M}.zip',
                size=size,
                created_at=now,
                expires_at=now + LIFETIME,
            )
        delete_stored(old)
    except BaseException:
        delete_stored([key])
        raise
    job.key, job.size, job.state = key, size, 'done'


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
