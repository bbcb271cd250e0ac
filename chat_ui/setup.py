"""Wire the services for one server process: settings, database engine, migrations, live state."""

from __future__ import annotations

import gc

from nicegui import app

from db import engine as db_engine
from db.migrate import upgrade

from .config import Settings, set_settings
from .hub import hub
from .presence import presence
from .search_index import search_index


def configure(settings: Settings) -> None:
    """Load settings, open the database and bring its schema up to date."""
    set_settings(settings)
    engine = db_engine.configure(settings.resolved_database_url())
    upgrade(engine)
    presence.reset()
    hub.reset()
    search_index.clear()
    app.on_startup(gc.freeze)  # start-up objects live forever: keep them out of every full collection
