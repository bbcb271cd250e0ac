"""Who may fetch a stored file: the current members of its conversation, and the admin. Nobody else learns it
exists."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from chat_ui.core.errors import ChatError
from chat_ui.services import accounts
from chat_ui.services.access import access_conversation
from chat_ui.services.file_store import stored_path, thumb_path
from chat_ui.services.work import read
from db import messages as message_queries


@dataclass(frozen=True, slots=True)
class ServedFile:
    path: Path
    mime: str
    name: str


def _lookup(db: Session, file_key: str, user_id: int, is_admin: bool) -> tuple[str, str] | None:
    """(mime, name) of the file if the caller may see it: a current member of its conversation, or the admin."""
    message = message_queries.get_by_file_key(db, file_key=file_key)
    if message is None:
        return None
    if not is_admin:
        try:
            access_conversation(db, user_id, message.conversation_id)
        except ChatError:
            return None
    return message.file_mime or 'application/octet-stream', message.file_name or ''


async def file_for(token: str | None, file_key: str, *, thumbnail: bool) -> ServedFile | None:
    """The file to send, or None when the caller is signed out, not allowed, or the file does not exist."""
    info = await accounts.current_session(token)
    path = thumb_path(file_key) if thumbnail else stored_path(file_key)
    if info is None or path is None:
        return None
    found = await read(_lookup, file_key, info.user_id, info.is_admin)
    if found is None or not path.is_file():
        return None
    mime, name = found
    return ServedFile(path=path, mime='image/webp' if thumbnail else mime, name=name)
