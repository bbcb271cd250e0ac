"""One module per route; each exposes ``register()`` that declares its ``@ui.page``."""

from nicegui import app

from chat_ui.core.config import get_settings
from chat_ui.ui import scale_out, socket_guard, timefmt
from chat_ui.ui.security_headers import SecurityHeaders
from chat_ui.ui.theme import install_shared_css
from chat_ui.ui.upload_guard import UploadGuard

from . import admin, chat, files, init_admin, login, profile, register, rooms, session


def register_all() -> None:
    settings = get_settings()
    timefmt.set_display_zone(settings.display_zone())
    socket_guard.install(settings.allowed_origins())
    install_shared_css()
    app.add_middleware(UploadGuard)
    app.add_middleware(SecurityHeaders)  # added last, so it also wraps the upload guard's refusals
    scale_out.install()  # outermost: every response (the refusals too) names the process
    for module in (login, register, init_admin, chat, rooms, admin, files, session, profile):
        module.register()
