"""Settings from the environment (or a ``.env`` file), per SPEC section 3."""

from __future__ import annotations

import os
import re
import secrets
import socket
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PRODUCT_NAME = 'NiceChat'


class Settings(BaseSettings):
    """Everything the app reads from its environment."""

    model_config = SettingsConfigDict(env_file='.env', env_file_encoding='utf-8', extra='ignore')

    data_dir: Path = Field(default=Path('data'), alias='CHAT_DATA_DIR')
    database_url: str | None = None
    init_admin_secret: str | None = None
    storage_secret: str | None = None
    upload_dir: Path | None = None
    chat_language: Literal['zh-CN', 'en'] | None = None
    chat_timezone: str | None = None
    session_hours: int = Field(default=24 * 7, alias='CHAT_SESSION_HOURS')
    extra_origins: str = Field(default='', alias='CHAT_ALLOWED_ORIGINS')
    secure_cookie: bool = Field(default=False, alias='CHAT_SECURE_COOKIE')
    send_limit: int = Field(default=10, alias='CHAT_SEND_LIMIT')
    # scale-out
    redis_url: str | None = None
    redis_prefix: str = Field(default='nicechat:', alias='CHAT_REDIS_PREFIX')
    instance_id: str | None = Field(default=None, alias='CHAT_INSTANCE_ID')
    presence_ttl: float = Field(default=15.0, gt=0, alias='CHAT_PRESENCE_TTL')
    drain_seconds: float = Field(default=2.0, ge=0, alias='CHAT_DRAIN_SECONDS')

    def allowed_origins(self) -> frozenset[str]:
        """``CHAT_ALLOWED_ORIGINS``: origins besides the app's own whose pages may open its socket (comma-separated,
        e.g. ``https://chat.example.com`` when a proxy's public address differs from the Host the app sees)."""
        origins = set()
        for item in filter(None, (part.strip().rstrip('/') for part in self.extra_origins.split(','))):
            if not _is_origin(item.lower()):
                raise SystemExit(f'CHAT_ALLOWED_ORIGINS: {item!r} is not an origin such as https://chat.example.com')
            origins.add(item.lower())
        return frozenset(origins)

    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f'sqlite:///{(self.data_dir / "chat.db").resolve()}'

    def display_zone(self) -> ZoneInfo | None:
        """The zone message times are shown in (``CHAT_TIMEZONE``, an IANA name), or None for the server's own."""
        if not self.chat_timezone:
            return None
        try:
            return ZoneInfo(self.chat_timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise SystemExit(
                f'CHAT_TIMEZONE={self.chat_timezone!r} is not a known time zone (e.g. Asia/Shanghai)'
            ) from error

    def resolved_upload_dir(self) -> Path:
        path = (self.upload_dir or self.data_dir / 'uploads').resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    def resolved_instance_id(self) -> str:
        """This process's id (``CHAT_INSTANCE_ID``, or the host name, the process id and a random suffix)."""
        if self.instance_id:
            if not re.fullmatch(r'[A-Za-z0-9._-]{1,64}', self.instance_id):
                raise SystemExit(f'CHAT_INSTANCE_ID={self.instance_id!r}: use 1-64 letters, digits, ".", "_" or "-"')
            return self.instance_id
        host = re.sub(r'[^A-Za-z0-9.-]', '-', socket.gethostname())[:32] or 'host'
        return f'{host}-{os.getpid()}-{secrets.token_hex(2)}'

    def scale_out_problem(self) -> str | None:
        """Why this process must not start with ``REDIS_URL`` (None when it may): every process of a deployment
        needs the same ``STORAGE_SECRET`` and the same upload directory, so both must be named explicitly."""
        if not self.redis_url:
            return None
        if not self.redis_url.startswith(('redis://', 'rediss://', 'unix://')):
            return f'REDIS_URL={self.redis_url!r} is not a redis://, rediss:// or unix:// URL'
        if not self.storage_secret:
            return (
                'REDIS_URL is set, so several processes share the sessions: set the same STORAGE_SECRET for every '
                'process (a generated per-machine secret would sign browsers out when they move to another process)'
            )
        explicit = {'data_dir', 'upload_dir'} & self.model_fields_set
        if not explicit:
            return (
                'REDIS_URL is set, so several processes serve the same files: set UPLOAD_DIR (or CHAT_DATA_DIR) to a '
                'directory every process shares (e.g. a network share), not the default ./data/uploads'
            )
        return None

    def resolved_storage_secret(self) -> str:
        """The configured secret, or one generated once and kept under the data directory."""
        if self.storage_secret:
            return self.storage_secret
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / 'storage_secret'
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48), encoding='utf-8')
            path.chmod(0o600)
        return path.read_text(encoding='utf-8').strip()


def _is_origin(text: str) -> bool:
    """``scheme://host[:port]`` and nothing else (what a browser sends as ``Origin``)."""
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises for a malformed port
    except ValueError:
        return False
    plain = not (parts.path or parts.query or parts.fragment or '@' in parts.netloc)
    return parts.scheme in {'http', 'https'} and bool(parts.hostname) and plain


_settings: Settings | None = None


def set_settings(settings: Settings) -> None:
    global _settings
    _settings = settings


def get_settings() -> Settings:
    if _settings is None:
        raise RuntimeError('settings are not loaded')
    return _settings
