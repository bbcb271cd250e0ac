"""Who may fetch a stored file, decided by the purpose on its record (``stored_files``):

- ``attachment``: the current members of the conversation whose message holds it, and the admin;
- ``avatar``: any signed-in user;
- ``export``: its owner only, until it expires.

Nobody else learns that a file exists (the same "not found" for every refusal)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.services import accounts
from chat_ui.services.access import access_conversation
from chat_ui.services.file_store import stored_path, thumb_path
from chat_ui.services.work import read
from db import files as file_queries
from db import messages as message_queries
from db.models import StoredFile


@dataclass(frozen=True, slots=True)
class ServedFile:
    path: Path
    mime: str
    name: str


def _attachment(db: Session, record: StoredFile, viewer: SessionInfo) -> bool:
    message = message_queries.get_by_file_key(db, file_key=record.key)
    if message is None:
        return False
    if viewer.is_admin:
        return True
    try:
        access_conversation(db, viewer.user_id, message.conversation_id)
    except ChatError:
        return False
    return True


def _avatar(db: Session, record: StoredFile, viewer: SessionInfo) -> bool:
    return True  # every signed-in user sees everyone's picture


def _export(db: Session, record: StoredFile, viewer: SessionInfo) -> bool:
    return record.owner_id == viewer.user_id and (record.expires_at is None or record.expires_at > clock.now())


ACCESS_RULES: dict[str, Callable[[Session, StoredFile, SessionInfo], bool]] = {
    'attachment': _attachment,
    'avatar': _avatar,
    'export': _export,
}


def may_fetch(db: Session, key: str, viewer: SessionInfo, *, purpose: str | None = None) -> StoredFile | None:
    """The record of the file if ``viewer`` may fetch it (and it has ``purpose``, when given)."""
    record = file_queries.get_file(db, key=key)
    if record is None or (purpose is not None and record.purpose != purpose):
        return None
    rule = ACCESS_RULES.get(record.purpose)
    return record if rule is not None and rule(db, record, viewer) else None


def _lookup(db: Session, key: str, viewer: SessionInfo, purpose: str | None) -> tuple[str, str] | None:
    record = may_fetch(db, key, viewer, purpose=purpose)
    return (record.mime, record.name) if record is not None else None


async def file_for(
    token: str | None, file_key: str, *, thumbnail: bool, purpose: str | None = 'attachment'
) -> ServedFile | None:
    """The file to send, or None when the caller is signed out, not allowed, or the file does not exist. The
    ``/files`` route serves attachments; avatars and exports have routes of their own."""
    info = await accounts.current_session(token)
    path = thumb_path(file_key) if thumbnail else stored_path(file_key)
    if info is None or path is None:
        return None
    found = await read(_lookup, file_key, info, purpose)
    if found is None or not path.is_file():
        return None
    mime, name = found
    return ServedFile(path=path, mime='image/webp' if thumbnail else mime, name=name)
