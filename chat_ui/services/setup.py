"""Wire the services for one server process: settings, database engine, migrations, live state."""

from __future__ import annotations

from nicegui import app, background_tasks
from nicegui.storage import Storage

from chat_ui.core import gc_tuning, gil, memory
from chat_ui.core.config import Settings, set_settings
from chat_ui.live import browser_storage, cluster
from chat_ui.live.hub import hub
from chat_ui.live.presence import presence
from chat_ui.services import send_limit
from chat_ui.services.read_marks import read_marks
from chat_ui.services.search_index import search_index
from db import engine as db_engine
from db.migrate import upgrade


def configure(settings: Settings) -> None:
    """Load settings, open the database and bring its schema up to date; with ``REDIS_URL``, join the other
    processes of the deployment (or stop with a message saying what they do not share)."""
    set_settings(settings)
    memory.tune_malloc()
    engine = db_engine.configure(settings.resolved_database_url())
    upgrade(engine)
    presence.reset()
    hub.reset()
    search_index.clear()
    read_marks.clear()
    send_limit.configure(settings.send_limit)
    cluster.node.instance = settings.resolved_instance_id()
    cluster.node.bus = None
    cluster.node.draining = False
    if settings.redis_url:
        join_deployment(settings, settings.redis_url)
    app.on_startup(gc_tuning.tune_garbage_collection)
    app.on_startup(gil.tune_switch_interval)
    app.on_delete(memory.reclaimer.page_deleted)
    app.on_startup(lambda: background_tasks.create(memory.reclaimer.run_forever(), name='reclaim memory'))
    app.on_shutdown(read_marks.write_waiting)


def join_deployment(settings: Settings, url: str) -> None:
    if problem := settings.scale_out_problem():
        raise SystemExit(problem)
    problem = cluster.check_shared(
        url,
        settings.redis_prefix,
        storage_secret=settings.resolved_storage_secret(),
        upload_dir=settings.resolved_upload_dir(),
    )
    if problem:
        raise SystemExit(problem)
    bus = cluster.RedisBus(
        hub,
        presence,
        url=url,
        prefix=settings.redis_prefix,
        instance=cluster.node.instance,
        ttl=settings.presence_ttl,
    )
    hub.bus = bus
    cluster.node.bus = bus
    app.on_startup(bus.start)
    app.on_shutdown(bus.stop)
    # NiceGUI's per-browser storage (the sign-in token) in the same Redis, so a browser keeps its session on any
    # process (NICEGUI_REDIS_URL, if set, wins; NiceGUI reads it at import).
    if not Storage.redis_url:
        Storage.redis_url = url
        Storage.redis_key_prefix = f'{settings.redis_prefix}ng:'
    browser_storage.use_shared()  # one Redis client and subscription for all of them, not ~5 connections per page
    app.on_shutdown(browser_storage.link.stop)
