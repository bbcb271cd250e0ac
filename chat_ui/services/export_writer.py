"""The zip of "export my data", written in a child process so the server's event loop never waits for it.

``python -m chat_ui.services.export_writer`` reads one JSON request on stdin (database URL, upload folder, user,
conversation ids, the zip's key, the time it is stamped with, the batch size), writes ``folder/<key>`` and reports on
stdout, one JSON line each: ``{"done": n}`` as it goes (at most every ``REPORT_EVERY`` s), then
``{"size": bytes}`` when the zip is complete. It imports no UI and no NiceGUI, only the database layer: the
server's interpreter holds the GIL for none of this work (JSON encoding, compressing, copying files).

Messages are read in batches by id, each encoded and compressed as it goes, files copied in chunks: the child's
memory stays flat however long the history is.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from db import conversations as conversation_queries
from db import engine as db_engine
from db import messages as message_queries
from db import users as user_queries
from db.engine import session_scope
from db.models import Conversation, Message

FORMAT_VERSION = 1
REPORT_EVERY = 0.2  # s


@dataclass(frozen=True)
class Request:
    """What the server asks the child to write."""

    database_url: str
    folder: str
    user_id: int
    conversation_ids: list[int]
    key: str
    now: str
    batch: int

    def path(self, key: str) -> Path | None:
        """``folder/<key>`` for canonical UUID keys only, so no name from the database can escape the folder."""
        try:
            canonical = str(uuid.UUID(key))
        except (ValueError, AttributeError, TypeError):
            return None
        return Path(self.folder) / canonical if canonical == key else None


class Progress:
    """Counts steps (a message or a file each) and reports them on stdout, not more often than ``REPORT_EVERY``."""

    def __init__(self, out: IO[str]) -> None:
        self.done = 0
        self._out = out
        self._reported = 0.0

    def step(self) -> None:
        self.done += 1
        moment = time.monotonic()
        if moment - self._reported >= REPORT_EVERY:
            self._reported = moment
            self.report({'done': self.done})

    def report(self, line: dict[str, int]) -> None:
        self._out.write(json.dumps(line) + '\n')
        self._out.flush()


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec='seconds') + 'Z'


def safe_name(text: str, limit: int = 40) -> str:
    kept = ''.join(c if c.isalnum() or c in '-_.' else '_' for c in text)
    return kept[:limit].strip('._') or 'file'


def _header(conversation: Conversation, members: list[str], me: str) -> dict[str, object]:
    title = conversation.title
    if conversation.kind == 'direct':
        title = next((name for name in members if name != me), title)
    return {'id': conversation.id, 'kind': conversation.kind, 'title': title or '', 'members': sorted(members)}


def _item(row: Message, people: dict[int, tuple[str, str, str]]) -> dict[str, object]:
    """One message as its members see it: a recall says when and by whom, not what it said; an edit the current text
    only (earlier versions are the admin's records)."""
    login, shown, _ = people.get(row.sender_id, ('?', '', ''))
    item: dict[str, object] = {
        'id': row.id,
        'time': iso(row.created_at),
        'sender': login,
        'sender_display': shown or login,
        'kind': row.kind,
    }
    if row.reply_to_id is not None:
        item['reply_to'] = row.reply_to_id
    if row.recalled_at is not None:
        by = 'sender' if row.recalled_by in (None, row.sender_id) else 'admin'
        item['recalled'] = {'time': iso(row.recalled_at), 'by': by}
    elif row.kind == 'text':
        item['text'] = row.body or ''
        if row.edited_at is not None:
            item['edited'] = iso(row.edited_at)
    if row.file_key:
        item['file'] = {
            'path': f'files/{row.file_key}-{safe_name(row.file_name or "file", 80)}',
            'name': row.file_name or '',
            'mime': row.file_mime,
            'size': row.file_size,
        }
    return item


def write_conversation(
    out: IO[bytes], request: Request, conversation_id: int, progress: Progress, files: list[tuple[str, str]]
) -> None:
    """One conversation's JSON, message by message; the files it holds are listed in ``files`` for later."""
    with session_scope() as db:
        conversation = conversation_queries.get_conversation(db, conversation_id=conversation_id)
        if (
            conversation is None
            or conversation_queries.get_member(db, conversation_id=conversation_id, user_id=request.user_id) is None
        ):
            return
        members = [user.username for _, user in conversation_queries.members(db, conversation_id=conversation_id)]
        me = user_queries.get_user(db, user_id=request.user_id)
        header = _header(conversation, members, me.username if me else '')
    out.write(b'{"format": %d, "conversation": ' % FORMAT_VERSION)
    out.write(json.dumps(header, ensure_ascii=False).encode())
    out.write(b', "messages": [')
    after, first = 0, True
    while True:
        with session_scope() as db:  # a short transaction per batch: nothing is held open while writing
            rows = message_queries.newer(db, conversation_id=conversation_id, after_id=after, limit=request.batch)
            people = user_queries.profiles(db, user_ids={row.sender_id for row in rows})
        for row in rows:
            item = _item(row, people)
            if isinstance(file := item.get('file'), dict) and row.file_key:
                files.append((row.file_key, str(file['path'])))
            out.write((b'' if first else b',') + b'\n  ' + json.dumps(item, ensure_ascii=False).encode())
            first = False
            progress.step()
        if len(rows) < request.batch:
            break
        after = rows[-1].id or after
    out.write(b'\n]}\n')


def write_zip(request: Request, progress: Progress) -> int:
    """The whole zip at ``folder/<key>``; returns its size."""
    path = request.path(request.key)
    if path is None:
        raise ValueError('the export key is not a UUID')
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        files: list[tuple[str, str]] = []
        for conversation_id in request.conversation_ids:
            with archive.open(f'conversations/{conversation_id}.json', 'w', force_zip64=True) as out:
                write_conversation(out, request, conversation_id, progress, files)
        for file_key, arcname in files:
            source = request.path(file_key)
            if source is not None and source.is_file():
                archive.write(source, arcname, compress_type=zipfile.ZIP_STORED)
            progress.step()
        archive.writestr(
            'README.txt',
            f'NiceChat export of {request.now}: conversations/<id>.json holds each conversation you belong to, '
            'files/ the pictures and audio of those conversations.\n',
        )
    return path.stat().st_size


def main() -> None:
    request = Request(**json.loads(sys.stdin.readline()))
    db_engine.configure(request.database_url)
    progress = Progress(sys.stdout)
    size = write_zip(request, progress)
    progress.report({'done': progress.done})
    progress.report({'size': size})


if __name__ == '__main__':
    main()
