"""HTML the server builds for lists (messages, contacts): escaped values, then sanitized again with nh3.

Every fragment is made from escaped user values and constants; ``clean`` is the second line of defence and runs on
the server, so what the browser receives never depends on the browser's own sanitizer.
"""

from __future__ import annotations

import functools
import html

import nh3
from nicegui import ui

TAGS = {'div', 'span', 'mark', 'a', 'img', 'audio', 'i'}
ATTRIBUTES = {
    '*': {
        'class',
        'title',
        'data-testid',
        'data-mine',
        'data-kind',
        'data-id',
        'data-time',
        'data-sender',
        'data-edited',
        'data-avatar',
    },
    'a': {'href', 'target'},
    'img': {'src', 'alt', 'loading'},
    'audio': {'src', 'controls', 'preload'},
}


@functools.lru_cache(maxsize=4096)
def clean(fragment: str) -> str:
    """Only the tags and attributes the chat renders survive; links get ``rel="noopener noreferrer"``.

    Remembered: every member of a room draws the same fragment (a typing notice) for each event."""
    return nh3.clean(fragment, tags=TAGS, attributes=ATTRIBUTES, link_rel='noopener noreferrer')


def esc(value: object) -> str:
    """Text or attribute value, escaped (quotes too)."""
    return html.escape(str(value), quote=True)


def html_block(content: str = '') -> ui.html:
    """One element holding server-built HTML (sanitized on the server)."""
    return ui.html(content, sanitize=clean)
