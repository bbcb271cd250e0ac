"""Round initial avatars with a colour that stays the same for a user: one element each.

With a ``data-online`` attribute the avatar also shows a presence dot (drawn by CSS, see ``theme.SHARED_CSS``).
"""

from __future__ import annotations

from nicegui import ui

_COLORS = ['#e17076', '#7bc862', '#65aadd', '#a695e7', '#ee7aae', '#6ec9cb', '#faa774', '#5caffa']


def avatar(name: str, user_id: int) -> ui.label:
    """The first character of the name (rendered as text) on the user's colour."""
    initial = ui.label(name[:1].upper() or '?').classes('chat-avatar')
    return initial.style(f'background-color: {_COLORS[user_id % len(_COLORS)]}')
