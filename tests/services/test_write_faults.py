"""A database that refuses writes (real fault injection, SQLite and MariaDB): nothing is stored, published or
left on disk, the error reaches the caller, and the next send after the database is back works."""

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from chat_ui.live.events import MessageCreated
from chat_ui.services import messaging
from tests.faults import WriteFault
from tests.support.events import CapturedEvents, to_users

from .test_uploads import image_bytes, pair, send, stored_files


async def test_text_while_writes_fail_then_recovers(
    engine: Engine, write_fault: WriteFault, events: CapturedEvents
) -> None:
    a, b, chat = await pair()
    write_fault.refuse()
    with pytest.raises(OperationalError):
        await messaging.send_text(a, conversation_id=chat, text='not now')
    assert write_fault.refused
    assert events.items == []
    assert await messaging.load_window(b, conversation_id=chat) == []
    write_fault.lift()
    view = await messaging.send_text(a, conversation_id=chat, text='not now')
    assert view is not None
    assert events.items == [(MessageCreated(message=view), to_users(a.user_id, b.user_id))]
    assert [v.body for v in await messaging.load_window(b, conversation_id=chat)] == ['not now']


async def test_file_while_writes_fail_leaves_nothing_then_recovers(
    engine: Engine, upload_dir: Path, write_fault: WriteFault, events: CapturedEvents
) -> None:
    a, b, chat = await pair()
    write_fault.refuse()
    with pytest.raises(OperationalError):
        await send(a, chat, 'p.png', image_bytes('PNG'))
    assert events.items == []
    assert stored_files(upload_dir) == []
    assert not list((upload_dir / '.incoming').iterdir())
    assert await messaging.load_window(b, conversation_id=chat) == []
    write_fault.lift()
    view = await send(a, chat, 'p.png', image_bytes('PNG'))
    assert events.items == [(MessageCreated(message=view), to_users(a.user_id, b.user_id))]
    key = view.attachment.key
    assert stored_files(upload_dir) == sorted([key, f'{key}.thumb.webp'])
