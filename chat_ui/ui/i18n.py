"""One translation function for every UI string, with Chinese (zh-CN) and English catalogs.

The language of a page is the user's choice (kept in their browser storage), else ``CHAT_LANGUAGE``,
else the browser's ``Accept-Language``.
"""

from __future__ import annotations

from typing import Any, Literal
from weakref import WeakKeyDictionary

from nicegui import Client, context

from chat_ui.ui.catalog import CATALOGS

Language = Literal['zh-CN', 'en']
LANGUAGES: tuple[Language, ...] = ('zh-CN', 'en')
QUASAR_LANGUAGE: dict[Language, Any] = {'zh-CN': 'zh-CN', 'en': 'en-US'}

_client_language: WeakKeyDictionary[Client, Language] = WeakKeyDictionary()


def pick_language(*, chosen: str | None, configured: str | None, accept_language: str | None) -> Language:
    """The chosen language if valid, else the configured one, else the browser's first supported one."""
    for candidate in (chosen, configured):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    for part in (accept_language or '').split(','):
        tag = part.split(';')[0].strip().lower()
        if tag.startswith('zh'):
            return 'zh-CN'
        if tag.startswith('en'):
            return 'en'
    return 'en'


def set_client_language(client: Client, language: Language) -> None:
    _client_language[client] = language


def current_language() -> Language:
    try:
        return _client_language.get(context.client, 'en')
    except RuntimeError:
        return 'en'


def t(key: str, **params: Any) -> str:
    """The current client's text for ``key``, formatted with ``params``."""
    catalog = CATALOGS[current_language()]
    text = catalog.get(key) or CATALOGS['en'].get(key) or key
    return text.format(**params) if params else text
