"""Who may fetch a stored file: the two people of its conversation, and the admin. Nobody else learns it exists."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chat_ui.core.worker import off_loop
from chat_ui.services import accounts
from chat_ui.services.file_store import stored_path, thumb_path
from db import messages as message_queries
from db.engine import session_scope


@dataclass(frozen=True, slots=True)
class ServedFile:
    path: Path
    mime: str
    name: str


def _lookup(file_key: str) -> tuple[int, int, str, str] | None:
    with session_scope() as db:
        message = message_queries.get_by_file_key(db, file_key=file_key)
        if message is None:
            return None
        return (
            message.user_lo,
            message.user_hi,
            message.file_mime or 'application/octet-stream',
            message.file_name or '',
        )


async def file_for(token: str | None, file_key: str, *, thumbnail: bool) -> ServedFile | None:
    """The file to send, or None when the caller is signed out, not allowed, or the file does not exist."""
    info = await accounts.current_session(token)
    path = thumb_path(file_key) if thumbnail else stored_path(file_key)
    if info is None or path is None:
        return None
    found = await off_loop(_lookup, file_key)
    if found is None:
        return None
    user_lo, user_hi, mime, name = found
    if not info.is_admin and info.user_id not in (user_lo, user_hi):
        return None
    if not path.is_file():
        return None
    return ServedFile(path=path, mime='image/webp' if thumbnail else mime, name=name)
