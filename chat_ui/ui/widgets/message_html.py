"""One message as an HTML fragment: own messages on the right, others' on the left; text is always escaped.

A page renders many messages inside a few ``ui.html`` elements instead of one element per bubble: each element costs
the server several KB per connected page, so the message window is data, not a tree of elements.
"""

from __future__ import annotations

from chat_ui.core.views import MessageView
from chat_ui.ui.highlight import highlight
from chat_ui.ui.safe_html import esc
from chat_ui.ui.timefmt import short_time
from chat_ui.ui.widgets.avatar import colour_index, initial


def message_html(view: MessageView, *, mine: bool, keyword: str | None = None, show_sender: bool = False) -> str:
    """The bubble (hook ``message`` with ``data-mine``/``data-kind``/``data-id``/``data-sender``); ``keyword`` marks
    search matches; ``show_sender`` (others' messages in rooms) puts the sender's avatar and name on top."""
    side = 'mine' if mine else 'theirs'
    if view.kind in {'image', 'audio'} and view.attachment:
        body = image_html(view) if view.kind == 'image' else audio_html(view)
        text_class = ''
    else:
        body = highlight(view.body or '', keyword) if keyword else esc(view.body or '')
        text_class = ' chat-text'
    sender = sender_html(view) if show_sender and not mine else ''
    return (
        f'<div class="chat-bubble {side}{text_class}" data-testid="message" data-mine="{"true" if mine else "false"}"'
        f' data-kind="{esc(view.kind)}" data-id="{view.id}" data-sender="{esc(view.sender_name)}"'
        f' data-edited="{"true" if view.edited_at is not None else "false"}"'
        f' data-time="{esc(short_time(view.created_at))}">{sender}{body}</div>'
    )


def sender_html(view: MessageView) -> str:
    return (
        f'<div class="chat-sender" data-testid="message-sender">'
        f'<span class="chat-avatar-xs av-{colour_index(view.sender_id)}">{esc(initial(view.sender_name))}</span>'
        f'<span class="chat-sender-name av-text-{colour_index(view.sender_id)}">{esc(view.sender_name)}</span></div>'
    )


def image_html(view: MessageView) -> str:
    """The server-made preview; a click opens the original in a new tab."""
    assert view.attachment is not None
    key = esc(view.attachment.key)
    return (
        f'<a href="/files/{key}" target="_blank" class="chat-image-link">'
        f'<img src="/files/{key}/thumb" alt="{esc(view.attachment.name)}" loading="lazy" class="chat-thumb"></a>'
    )


def audio_html(view: MessageView) -> str:
    """An inline player; the file route answers range requests, so it can seek."""
    assert view.attachment is not None
    return (
        f'<div class="chat-file"><i class="material-icons">graphic_eq</i>'
        f'<span class="chat-file-name">{esc(view.attachment.name)}</span></div>'
        f'<audio controls preload="metadata" src="/files/{esc(view.attachment.key)}" class="chat-audio"></audio>'
    )
