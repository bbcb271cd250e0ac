"""Where uploaded files live: ``UPLOAD_DIR/<uuid>`` plus ``<uuid>.thumb.webp``; names come only from UUIDs."""

from __future__ import annotations

import uuid
from pathlib import Path

from chat_ui.core.config import get_settings


def upload_dir() -> Path:
    return get_settings().resolved_upload_dir()


def stored_path(file_key: str) -> Path | None:
    """The stored file for a key; only canonical UUIDs map to a path, so no name can escape ``UPLOAD_DIR``."""
    try:
        key = str(uuid.UUID(file_key))
    except (ValueError, AttributeError, TypeError):
        return None
    return upload_dir() / key if key == file_key else None


def thumb_path(file_key: str) -> Path | None:
    path = stored_path(file_key)
    return path.with_name(f'{path.name}.thumb.webp') if path else None


def delete_stored(file_keys: list[str]) -> None:
    """Remove stored files and their previews (blocking: call from a worker thread)."""
    for key in file_keys:
        for path in (stored_path(key), thumb_path(key)):
            if path is not None:
                path.unlink(missing_ok=True)
