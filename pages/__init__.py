"""One module per route; each exposes ``register()`` that declares its ``@ui.page``."""

from chat_ui.theme import install_shared_css

from . import admin, chat, init_admin, login, register


def register_all() -> None:
    install_shared_css()
    for module in (login, register, init_admin, chat, admin):
        module.register()
