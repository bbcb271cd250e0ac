"""Apply the Alembic migrations in ``migrations/`` to an engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / 'migrations'


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option('script_location', str(MIGRATIONS_DIR))
    if url:
        config.set_main_option('sqlalchemy.url', url.replace('%', '%%'))
    return config


def upgrade(engine: Engine, revision: str = 'head') -> None:
    """Bring the schema to the newest revision (or to ``revision``)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes['connection'] = connection
        command.upgrade(config, revision)
