"""One module per route; each exposes ``register()`` that declares its ``@ui.page``."""

from . import admin, chat, init_admin, login, register


def register_all() -> None:
    for module in (login, register, init_admin, chat, admin):
        module.register()
