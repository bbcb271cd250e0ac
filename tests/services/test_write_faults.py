"""A database that refuses writes (real fault injection, SQLite and MariaDB): nothing is stored, published or
left on disk, the error reaches the caller, and the next send after the database is back works."""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from chat_ui.live.hub import MessageCreated, hub
from chat_ui.services import messaging
from tests.faults import WriteFault

from .test_uploads import image_bytes, pair, send, stored_files


def listen(user_id: int) -> list[Any]:
    events: list[Any] = []
    hub.subscribe(user_id, events.append)
    return events


async def test_text_while_writes_fail_then_recovers(engine: Engine, write_fault: WriteFault) -> None:
    hub.reset()
    a, b = await pair()
    to_a, to_b = listen(a), listen(b)
    write_fault.refuse()
    with pytest.raises(OperationalError):
        await messaging.send_text(sender_id=a, peer_id=b, text='not now')
    assert write_fault.refused
    assert to_a == [] and to_b == []
    assert await messaging.load_window(user_id=b, peer_id=a) == []
    write_fault.lift()
    view = await messaging.send_text(sender_id=a, peer_id=b, text='not now')
    assert view is not None
    assert to_a == [MessageCreated(view)] and to_b == [MessageCreated(view)]
    assert [v.body for v in await messaging.load_window(user_id=b, peer_id=a)] == ['not now']


async def test_file_while_writes_fail_leaves_nothing_then_recovers(
    engine: Engine, upload_dir: Path, write_fault: WriteFault
) -> None:
    hub.reset()
    a, b = await pair()
    to_b = listen(b)
    write_fault.refuse()
    with pytest.raises(OperationalError):
        await send(a, b, 'p.png', image_bytes('PNG'))
    assert to_b == []
    assert stored_files(upload_dir) == []
    assert not list((upload_dir / '.incoming').iterdir())
    assert await messaging.load_window(user_id=b, peer_id=a) == []
    write_fault.lift()
    view = await send(a, b, 'p.png', image_bytes('PNG'))
    assert to_b == [MessageCreated(view)]
    assert stored_files(upload_dir) == sorted([view.file_key, f'{view.file_key}.thumb.webp'])
