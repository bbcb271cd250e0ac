"""One message as an HTML fragment: own messages on the right, the peer's on the left; text is always escaped.

A page renders many messages inside a few ``ui.html`` elements instead of one element per bubble: each element costs
the server several KB per connected page, so the message window is data, not a tree of elements.
"""

from __future__ import annotations

from chat_ui.live.hub import MessageView
from chat_ui.ui.highlight import highlight
from chat_ui.ui.safe_html import esc
from chat_ui.ui.timefmt import short_time


def message_html(view: MessageView, *, mine: bool, keyword: str | None = None) -> str:
    """The bubble (hook ``message`` with ``data-mine``/``data-kind``); ``keyword`` marks search matches."""
    side = 'mine' if mine else 'theirs'
    if view.kind in {'image', 'audio'} and view.file_key:
        body = image_html(view) if view.kind == 'image' else audio_html(view)
        text_class = ''
    else:
        body = highlight(view.body or '', keyword) if keyword else esc(view.body or '')
        text_class = ' chat-text'
    return (
        f'<div class="chat-bubble {side}{text_class}" data-testid="message" data-mine="{"true" if mine else "false"}"'
        f' data-kind="{esc(view.kind)}" data-id="{view.id}" data-time="{esc(short_time(view.created_at))}">'
        f'{body}</div>'
    )


def image_html(view: MessageView) -> str:
    """The server-made preview; a click opens the original in a new tab."""
    key = esc(view.file_key)
    return (
        f'<a href="/files/{key}" target="_blank" class="chat-image-link">'
        f'<img src="/files/{key}/thumb" alt="{esc(view.file_name or "")}" loading="lazy" class="chat-thumb"></a>'
    )


def audio_html(view: MessageView) -> str:
    """An inline player; the file route answers range requests, so it can seek."""
    return (
        f'<div class="chat-file"><i class="material-icons">graphic_eq</i>'
        f'<span class="chat-file-name">{esc(view.file_name or "")}</span></div>'
        f'<audio controls preload="metadata" src="/files/{esc(view.file_key)}" class="chat-audio"></audio>'
    )
