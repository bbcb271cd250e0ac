"""Wire the services for one server process: settings, database engine, migrations, live state."""

from __future__ import annotations

import gc

from nicegui import app

from db import engine as db_engine
from db.migrate import upgrade

from . import timefmt
from .config import Settings, set_settings
from .hub import hub
from .presence import presence
from .search_index import search_index


def configure(settings: Settings) -> None:
    """Load settings, open the database and bring its schema up to date."""
    set_settings(settings)
    timefmt.set_display_zone(settings.display_zone())
    engine = db_engine.configure(settings.resolved_database_url())
    upgrade(engine)
    presence.reset()
    hub.reset()
    search_index.clear()
    app.on_startup(tune_garbage_collection)


GC_THRESHOLD = (50_000, 20, 10)


def tune_garbage_collection() -> None:
    """Keep the event loop's pauses short with thousands of open pages (measured in BENCHMARKS.md).

    Start-up objects live forever, so they are frozen out of every full collection. A young generation of 50,000
    objects instead of 700 lets the short-lived objects of each update die young instead of being promoted, so the
    full collections (which scan every open page) become rare; all generations are still collected.
    """
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
