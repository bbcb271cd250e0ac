"""Round initial avatars with a colour that stays the same for a user (``av-0`` … ``av-7`` in ``theme.SHARED_CSS``).

With ``data-online`` the avatar also shows a presence dot, drawn by CSS.
"""

from __future__ import annotations

from chat_ui.ui.safe_html import esc

COLOURS = 8


def colour_index(user_id: int) -> int:
    return user_id % COLOURS


def initial(name: str) -> str:
    return name[:1].upper() or '?'


def avatar_html(name: str, user_id: int) -> str:
    """The first character of the name (escaped) on the user's colour."""
    return f'<div class="chat-avatar av-{colour_index(user_id)}">{esc(initial(name))}</div>'


def avatar_src(key: str, size: str = 'small') -> str:
    """The avatar's immutable URL (a new picture is a new key); ``key`` is a UUID from the server."""
    return f'/avatars/{key}/{size}'


def avatar_inner(name: str, key: str, size: str = 'small') -> str:
    """What goes inside an avatar circle: the picture, or the initial (both escaped)."""
    if key:
        return f'<img class="avatar-img" src="{esc(avatar_src(key, size))}" alt="">'
    return esc(initial(name))
