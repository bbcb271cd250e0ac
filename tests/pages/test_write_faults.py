"""The chat page while the database refuses writes (real fault injection on the app's engine): the typed text
stays, an error is shown, nothing appears on either side; once the database is back the same page sends, and the
message appears exactly once on both sides."""

import asyncio
import logging
from collections.abc import Callable

import pytest
from nicegui import background_tasks, ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User
from sqlmodel import col, select

from chat_ui.core.config import get_settings
from db import messages as message_queries
from db.engine import session_scope
from db.models import Message
from tests.faults import WriteFault
from tests.services.test_uploads import wav_bytes

from .conftest import bubbles, rendered_html
from .test_chat_pages import has_bubble, open_chat, send, three_people

SEND_FAILED = 'The message was not sent'
UPLOAD_FAILED = 'The file was not sent'


def input_value(user: User) -> str:
    (box,) = user.find('chat-input').elements
    assert isinstance(box, ui.textarea)
    return str(box.value or '')


def stored() -> list[tuple[str, str | None]]:
    with session_scope() as db:
        return [(m.kind, m.body) for m in db.exec(select(Message).order_by(col(Message.id)))]


def uploaded_files() -> list[str]:
    folder = get_settings().resolved_upload_dir()
    return sorted(p.name for p in folder.rglob('*') if p.is_file()) if folder.exists() else []


async def shows_peer(user: User, name: str) -> None:
    """Wait until the pane's header shows the conversation with ``name``."""
    for _ in range(150):
        if any('data-testid="chat-peer"' in part and f'>{name}<' in part for part in rendered_html(user)):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f'the conversation with {name} did not open')


def expected_failures_logged(caplog: pytest.LogCaptureFixture) -> None:
    """The failures were logged with their exception by the chat pane, and nothing else went wrong; then the
    records are dropped (the ``user`` fixture fails a test on any ERROR log)."""
    errors = [record for record in caplog.get_records('call') if record.levelno >= logging.ERROR]
    assert errors, 'the failure is logged'
    assert all(r.name == 'chat_ui.ui.widgets.conversation_pane' and r.exc_info for r in errors), errors
    caplog.clear()


async def input_holds(user: User, text: str) -> None:
    for _ in range(150):
        if input_value(user) == text:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f'chat-input holds {input_value(user)!r}, not {text!r}')


async def test_text_survives_a_failing_database_and_sends_after_it_recovers(
    user: User, create_user: Callable[[], User], write_fault: WriteFault, caplog: pytest.LogCaptureFixture
) -> None:
    alice, bob, _ = await three_people(user, create_user)
    await open_chat(alice, 'bob')
    await open_chat(bob, 'alice')
    write_fault.refuse()
    await send(alice, 'do not lose me')
    await alice.should_see(SEND_FAILED, retries=50)
    await input_holds(alice, 'do not lose me')
    assert write_fault.refused
    expected_failures_logged(caplog)
    assert bubbles(alice) == [] and bubbles(bob) == []
    assert stored() == []

    write_fault.lift()
    alice.find('chat-send').click()
    await has_bubble(bob, 'do not lose me')
    await has_bubble(alice, 'do not lose me')
    await input_holds(alice, '')
    await asyncio.sleep(0.1)
    assert bubbles(alice) == [('true', 'do not lose me')]
    assert bubbles(bob) == [('false', 'do not lose me')]
    assert stored() == [('text', 'do not lose me')]


async def test_quick_sends_while_the_first_is_held_keep_order_and_are_stored_once(
    user: User, create_user: Callable[[], User], write_fault: WriteFault
) -> None:
    """Text is taken before any await: a second send while the first waits for the database neither loses nor
    repeats the first, and both arrive in order."""
    alice, bob, _ = await three_people(user, create_user)
    await open_chat(alice, 'bob')
    await open_chat(bob, 'alice')
    write_fault.hold()
    await send(alice, 'first')
    for _ in range(150):
        if write_fault.waiting.is_set():
            break
        await asyncio.sleep(0.02)
    assert write_fault.waiting.is_set(), 'the first send reached the database'
    await send(alice, 'second')
    await input_holds(alice, '')
    write_fault.release()
    await has_bubble(bob, 'second')
    await has_bubble(alice, 'second')
    assert bubbles(alice) == [('true', 'first'), ('true', 'second')]
    assert bubbles(bob) == [('false', 'first'), ('false', 'second')]
    assert stored() == [('text', 'first'), ('text', 'second')]


async def test_quick_sends_that_fail_come_back_in_order(
    user: User, create_user: Callable[[], User], write_fault: WriteFault, caplog: pytest.LogCaptureFixture
) -> None:
    alice, _, _ = await three_people(user, create_user)
    await open_chat(alice, 'bob')
    write_fault.hold()
    await send(alice, 'first')
    for _ in range(150):
        if write_fault.waiting.is_set():
            break
        await asyncio.sleep(0.02)
    await send(alice, 'second')
    await input_holds(alice, '')
    alice.find('chat-input').type('still typing')
    write_fault.refuse()
    write_fault.release()
    await alice.should_see(SEND_FAILED, retries=50)
    await input_holds(alice, 'first\nsecond\nstill typing')
    assert bubbles(alice) == [] and stored() == []
    expected_failures_logged(caplog)


async def test_failed_text_waits_for_its_own_conversation(
    user: User, create_user: Callable[[], User], write_fault: WriteFault, caplog: pytest.LogCaptureFixture
) -> None:
    """A send that fails after the user switched conversations never lands in the other person's input."""
    alice, _, _ = await three_people(user, create_user)
    await open_chat(alice, 'carol')  # both conversations exist before the fault (a first opening writes)
    await shows_peer(alice, 'carol')
    await open_chat(alice, 'bob')
    await shows_peer(alice, 'bob')
    write_fault.hold()
    await send(alice, 'for bob only')
    for _ in range(150):
        if write_fault.waiting.is_set():
            break
        await asyncio.sleep(0.02)
    await open_chat(alice, 'carol')
    await shows_peer(alice, 'carol')
    write_fault.refuse()
    write_fault.release()
    await alice.should_see('Your message to bob was not sent', retries=50)
    assert input_value(alice) == ''
    write_fault.lift()
    await open_chat(alice, 'bob')
    await shows_peer(alice, 'bob')
    await input_holds(alice, 'for bob only')
    assert stored() == []
    expected_failures_logged(caplog)


async def test_upload_while_writes_fail_shows_an_error_and_keeps_nothing(
    user: User, create_user: Callable[[], User], write_fault: WriteFault, caplog: pytest.LogCaptureFixture
) -> None:
    alice, bob, _ = await three_people(user, create_user)
    await open_chat(alice, 'bob')
    await open_chat(bob, 'alice')
    (upload,) = alice.find('chat-upload').elements
    assert isinstance(upload, ui.upload)
    write_fault.refuse()
    await upload.handle_uploads([SmallFileUpload('tone.wav', 'audio/wav', wav_bytes())])
    await alice.should_see(UPLOAD_FAILED, retries=50)
    assert stored() == [] and uploaded_files() == []
    expected_failures_logged(caplog)
    write_fault.lift()
    await upload.handle_uploads([SmallFileUpload('tone.wav', 'audio/wav', wav_bytes())])
    for _ in range(150):
        if stored():
            break
        await asyncio.sleep(0.02)
    assert [kind for kind, _ in stored()] == ['audio']
    (key,) = uploaded_files()
    with session_scope() as db:
        assert message_queries.get_by_file_key(db, file_key=key) is not None


async def test_cancelled_send_gives_the_text_back(
    user: User, create_user: Callable[[], User], write_fault: WriteFault
) -> None:
    """The event handler is cancelled while its worker call waits on the database: the text returns to the input."""
    alice, _, _ = await three_people(user, create_user)
    await open_chat(alice, 'bob')
    write_fault.hold()
    await send(alice, 'cancel me')
    for _ in range(150):
        if write_fault.waiting.is_set():
            break
        await asyncio.sleep(0.02)
    (task,) = [task for task in background_tasks.running_tasks if 'ConversationPane.send' in str(task.get_name())]
    task.cancel()
    await input_holds(alice, 'cancel me')
    write_fault.refuse()
    write_fault.release()
    assert stored() == []
