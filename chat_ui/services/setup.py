"""Wire the services for one server process: settings, database engine, migrations, live state."""

from __future__ import annotations

from nicegui import app

from chat_ui.core import gc_tuning, memory
from chat_ui.core.config import Settings, set_settings
from chat_ui.live.hub import hub
from chat_ui.live.presence import presence
from chat_ui.services import send_limit
from chat_ui.services.search_index import search_index
from db import engine as db_engine
from db.migrate import upgrade


def configure(settings: Settings) -> None:
    """Load settings, open the database and bring its schema up to date."""
    set_settings(settings)
    memory.tune_malloc()
    engine = db_engine.configure(settings.resolved_database_url())
    upgrade(engine)
    presence.reset()
    hub.reset()
    search_index.clear()
    send_limit.configure(settings.send_limit)
    app.on_startup(gc_tuning.tune_garbage_collection)
