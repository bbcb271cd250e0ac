"""One chat bubble: own messages on the right, the peer's on the left; text is always rendered as text."""

from __future__ import annotations

from nicegui import ui

from ..highlight import highlight
from ..hub import MessageView
from ..testid import testid
from ..timefmt import short_time

MINE = 'bg-primary text-white rounded-2xl rounded-br-md'
THEIRS = 'bg-white text-gray-900 rounded-2xl rounded-bl-md'


def message_bubble(view: MessageView, *, mine: bool, keyword: str | None = None) -> ui.row:
    """A row holding the bubble; ``keyword`` switches to highlighted (escaped, then ``<mark>``) search rendering."""
    with ui.row().classes('w-full no-wrap px-3 ' + ('justify-end' if mine else 'justify-start')) as row:
        bubble = testid(ui.column(), 'message').classes(
            f'{MINE if mine else THEIRS} shadow-sm px-3 py-1.5 gap-0 max-w-[80%] md:max-w-[65%]'
        )
        bubble.props(f'data-mine={"true" if mine else "false"} data-kind={view.kind} data-id={view.id}')
        with bubble:
            message_content(view, keyword=keyword)
            ui.label(short_time(view.created_at)).classes(
                'text-[11px] self-end leading-none mt-1 ' + ('text-blue-100' if mine else 'text-gray-400')
            )
    return row


def message_content(view: MessageView, *, keyword: str | None) -> None:
    if view.kind == 'image' and view.file_key:
        image_content(view)
        return
    if view.kind == 'audio' and view.file_key:
        audio_content(view)
        return
    text = view.body or ''
    if keyword:
        ui.html(highlight(text, keyword)).classes('chat-text whitespace-pre-wrap break-words')
    else:
        ui.label(text).classes('chat-text whitespace-pre-wrap break-words')


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
