"""Page frames shared by every route: language, colours, the sign-in card and the signed-in header."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from nicegui import app, context, ui

from .config import get_settings
from .i18n import QUASAR_LANGUAGE, Language, current_language, pick_language, set_client_language, t
from .testid import testid

BRAND_COLOR = '#2b87e3'
LANGUAGE_LABELS = {'zh-CN': '中文', 'en': 'EN'}


SHARED_CSS = """
body, .q-field, .q-btn { font-family: Roboto, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei",
  "Noto Sans CJK SC", "Noto Sans SC", sans-serif; }
.chat-avatar { position: relative; flex-shrink: 0; width: 2.75rem; height: 2.75rem; border-radius: 9999px;
  display: flex; align-items: center; justify-content: center; color: #fff; font-size: 1.15rem; font-weight: 600; }
.chat-avatar[data-online]::after { content: ''; position: absolute; right: -1px; bottom: -1px; width: 0.8rem;
  height: 0.8rem; border-radius: 9999px; border: 2px solid #fff; background: #d1d5db; }
.chat-avatar[data-online="true"]::after { background: #22c55e; }
.chat-bubble { margin: 0 0.75rem; max-width: min(80%, 42rem); padding: 0.4rem 0.75rem; border-radius: 1rem;
  box-shadow: 0 1px 1px rgba(0, 0, 0, 0.08); }
.chat-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.chat-bubble::after { content: attr(data-time); display: block; text-align: right; font-size: 11px; line-height: 1;
  margin-top: 0.25rem; opacity: 0.6; white-space: nowrap; align-self: flex-end; }
mark { background: #fee2e2; color: #dc2626; font-weight: 600; border-radius: 3px; padding: 0 1px; }
.bg-primary mark { background: #fff; color: #dc2626; }
"""


def install_shared_css() -> None:
    """Styles no Tailwind class expresses: search matches in red."""
    ui.add_css(SHARED_CSS, shared=True)


def prepare_page(title_key: str) -> Language:
    """Pick this client's language (also for Quasar's own strings), colours and the tab title."""
    client = context.client
    chosen = app.storage.user.get('lang')
    language = pick_language(
        chosen=chosen,
        configured=get_settings().chat_language,
        accept_language=client.request.headers.get('accept-language'),
    )
    set_client_language(client, language)
    client.page = copy.copy(client.page)
    client.page.language = QUASAR_LANGUAGE[language]
    ui.colors(primary=BRAND_COLOR)
    ui.page_title(f'{t(title_key)} · {t("app_name")}')
    return language


def language_switch(*, dark: bool = False) -> None:
    """A 中文 / EN toggle that remembers the choice for this browser and reloads the page."""

    def choose(event) -> None:  # type: ignore[no-untyped-def]
        app.storage.user['lang'] = event.value
        ui.navigate.reload()

    toggle = ui.toggle(LANGUAGE_LABELS, value=current_language(), on_change=choose)
    if dark:
        toggle.props('dense no-caps rounded unelevated toggle-color=white toggle-text-color=primary text-color=white')
        toggle.classes('bg-white/20 px-1')
    else:
        toggle.props('dense no-caps rounded unelevated size=sm toggle-color=primary')
    testid(toggle, 'language-switch')


def brand(*, size: str = 'text-2xl') -> None:
    with ui.row().classes('items-center gap-2 no-wrap'):
        with ui.element('div').classes(
            'rounded-full bg-primary text-white flex items-center justify-center w-10 h-10 shadow'
        ):
            ui.icon('forum').classes('text-xl')
        ui.label(t('app_name')).classes(f'{size} font-semibold tracking-tight')


@contextmanager
def auth_card(title_key: str) -> Iterator[None]:
    """Centered card on a gradient: the frame of /login, /register and /init_admin."""
    prepare_page(title_key)
    ui.query('body').classes('bg-gradient-to-br from-sky-400 via-blue-500 to-indigo-600')
    with ui.column().classes('min-h-screen w-full items-center justify-center p-4 gap-4'):
        with ui.card().classes('w-full max-w-sm rounded-2xl shadow-2xl p-8 gap-4'):
            brand()
            ui.label(t('tagline')).classes('text-sm text-gray-500 -mt-2')
            ui.label(t(title_key)).classes('text-xl font-medium mt-2')
            yield
        language_switch(dark=True)


@contextmanager
def signed_in_frame(title_key: str, *, username: str, on_logout: Callable) -> Iterator[None]:
    """Header with the brand, the signed-in user, the language switch and sign-out; yields the body."""
    prepare_page(title_key)
    ui.query('body').classes('bg-slate-100')
    with ui.header().classes('bg-white text-gray-800 shadow-sm px-4 py-2 items-center justify-between'):
        brand(size='text-lg')
        with ui.row().classes('items-center gap-3 no-wrap'):
            with ui.row().classes('items-center gap-2 no-wrap'):
                ui.icon('account_circle').classes('text-2xl text-primary')
                testid(ui.label(username), 'current-user').classes('font-medium max-w-[10rem] truncate')
            language_switch()
            testid(ui.button(t('logout'), icon='logout', on_click=on_logout), 'logout').props(
                'flat no-caps dense'
            ).classes('text-gray-600')
    yield
