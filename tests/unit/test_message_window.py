"""The message window keeps a bounded number of messages in few elements, each shown once."""

from datetime import datetime

from nicegui import ui
from nicegui.testing import User

from chat_ui.core.views import Attachment, MessageView
from chat_ui.ui.widgets import message_window
from chat_ui.ui.widgets.message_window import MessageWindow


def text(message_id: int) -> MessageView:
    return MessageView(
        id=message_id,
        conversation_id=1,
        sender_id=1,
        sender_name='a',
        kind='text',
        body=f'm{message_id}',
        attachment=None,
        created_at=datetime(2026, 1, 1),
    )


def picture(message_id: int) -> MessageView:
    return MessageView(
        id=message_id,
        conversation_id=1,
        sender_id=2,
        sender_name='b',
        kind='image',
        body=None,
        attachment=Attachment(key='key', name='a.png', mime='image/png', size=10),
        created_at=datetime(2026, 1, 1),
    )


async def noop() -> None:
    return None


async def test_window_chunks_appends_and_trims(user: User) -> None:
    windows: list[MessageWindow] = []

    @ui.page('/window-probe')
    def page() -> None:
        windows.append(MessageWindow(user_id=1, on_older=noop))

    await user.open('/window-probe')
    (window,) = windows
    with user:
        window.show([text(i) for i in range(1, 51)], more=True)
        assert len(window.chunks) == 50 // message_window.CHUNK and window.older is not None
        assert window.oldest_id == 1
        assert window.append(text(51)) and not window.append(text(51))
        assert window.append(picture(52))
        assert window.chunks[-1].frozen and window.chunks[-1].ids == [52]
        window.append(text(53))
        assert window.chunks[-1].ids == [53]
        window.prepend([text(-1), text(0), text(1)], more=False)
        assert window.oldest_id == -1 and window.older is None
        assert window.chunks[0].ids == [-1, 0]
        for i in range(54, 54 + 300):
            window.append(text(i))
        assert len(window.shown) <= message_window.KEEP + message_window.CHUNK
        assert window.older is not None and window.oldest_id is not None and window.oldest_id > 1
        assert len(window.scroll.default_slot.children) == len(window.chunks) + 1
        newest_first = [child for child in window.scroll.default_slot.children if child is not window.older]
        assert newest_first == [chunk.element for chunk in reversed(window.chunks)]
        assert window.chunks[-1].element.props['rows'][-1]['b'] == 'm353'
