"""Round initial avatars with a colour that stays the same for a user."""

from __future__ import annotations

from nicegui import ui

_COLORS = ['#e17076', '#7bc862', '#65aadd', '#a695e7', '#ee7aae', '#6ec9cb', '#faa774', '#5caffa']


def avatar(name: str, user_id: int, *, size: str = 'md') -> ui.avatar:
    """The first character of the name (rendered as text) on the user's colour."""
    with ui.avatar(color=_COLORS[user_id % len(_COLORS)], text_color='white', size=size) as element:
        ui.label(name[:1].upper() or '?').classes('text-lg font-semibold leading-none')
    return element
