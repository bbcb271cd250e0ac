"""One chat bubble: own messages on the right, the peer's on the left; text is always rendered as text."""

from __future__ import annotations

from nicegui import ui

from ..highlight import highlight
from ..hub import MessageView
from ..testid import testid
from ..timefmt import short_time

MINE = 'bg-primary text-white rounded-br-md'
THEIRS = 'bg-white text-gray-900 rounded-bl-md'


def message_bubble(view: MessageView, *, mine: bool, keyword: str | None = None) -> ui.element:
    """One bubble; ``keyword`` switches to highlighted (escaped, then ``<mark>``) search rendering.

    A text bubble is a single element (its time is drawn by CSS from ``data-time``): every open page holds up to
    50 of them, so they are kept lean. Pictures and audio need a few more elements.
    """
    side = f'{MINE if mine else THEIRS} {"self-end" if mine else "self-start"}'
    bubble: ui.element
    if view.kind in {'image', 'audio'} and view.file_key:
        with ui.column().classes(f'chat-bubble {side} gap-0') as bubble:
            if view.kind == 'image':
                image_content(view)
            else:
                audio_content(view)
    elif keyword:
        bubble = ui.html(highlight(view.body or '', keyword)).classes(f'chat-bubble chat-text {side}')
    else:
        bubble = ui.label(view.body or '').classes(f'chat-bubble chat-text {side}')
    testid(bubble, 'message').props(
        f'data-mine={"true" if mine else "false"} data-kind={view.kind} data-id={view.id} '
        f'data-time="{short_time(view.created_at)}"'
    )
    return bubble


def image_content(view: MessageView) -> None:
    """The server-made preview; a click opens the original in a new tab."""
    with ui.link(target=f'/files/{view.file_key}', new_tab=True).classes('block mt-1'):
        preview = ui.image(f'/files/{view.file_key}/thumb').classes('w-60 max-w-full rounded-lg cursor-zoom-in')
        preview.props('fit=contain no-spinner')


def audio_content(view: MessageView) -> None:
    """An inline player; the file route answers range requests, so it can seek."""
    with ui.row().classes('items-center gap-1 no-wrap mt-1'):
        ui.icon('graphic_eq').classes('text-xl')
        ui.label(view.file_name or '').classes('text-sm truncate max-w-[14rem]')
    ui.audio(f'/files/{view.file_key}').classes('w-64 max-w-full mt-1').props('preload=metadata')
