"""Edit, recall, reply, the admin's removal and the send limit: windows measured with a replaced clock, refusals
that change nothing, the events and who receives them (SQLite and MariaDB)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from chat_ui.core.errors import ChatError
from chat_ui.core.views import SessionInfo
from chat_ui.live.events import MessageCreated, MessageEdited, MessageRecalled
from chat_ui.services import conversations, global_search, message_actions, messaging, moderation
from db import messages as message_queries
from db.engine import session_scope
from tests.services.conftest import FakeClock
from tests.services.test_admin import admin_token
from tests.services.test_uploads import image_bytes, send, stored_files
from tests.support.events import CapturedEvents, only, to_users
from tests.support.factories import make_users


async def direct(a: SessionInfo, b: SessionInfo) -> int:
    view = await conversations.open_direct(a, peer_id=b.user_id)
    assert view.id is not None
    return view.id


async def sent(actor: SessionInfo, chat: int, text: str, **kwargs: object) -> int:
    view = await messaging.send_text(actor, conversation_id=chat, text=text, **kwargs)  # type: ignore[arg-type]
    assert view is not None
    return view.id


async def refused(call: object, key: str) -> None:
    with pytest.raises(ChatError) as info:
        await call  # type: ignore[misc]
    assert info.value.key == key, info.value.key


async def bodies(actor: SessionInfo, chat: int) -> list[tuple[str, str | None]]:
    return [(v.kind, v.body) for v in await messaging.load_window(actor, conversation_id=chat)]


# ------------------------------------------------------------------------------------------------ edit


@pytest.mark.parametrize(('after', 'allowed'), [(14 * 60 + 59, True), (15 * 60 + 1, False)])
async def test_edit_window(
    engine: Engine, fake_clock: FakeClock, events: CapturedEvents, after: int, allowed: bool
) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    message_id = await sent(a, chat, 'helo')
    fake_clock.advance(after)
    events.clear()
    if not allowed:
        await refused(message_actions.edit_message(a, message_id=message_id, text='hello'), 'edit_window_passed')
        assert await bodies(b, chat) == [('text', 'helo')] and events.items == []
        return
    view = await message_actions.edit_message(a, message_id=message_id, text='  hello  ')
    assert view.body == 'hello' and view.edited_at == fake_clock.value
    assert events.of(MessageEdited) == [(MessageEdited(message=view), to_users(a.user_id, b.user_id))]
    [shown] = await messaging.load_window(b, conversation_id=chat)
    assert shown.body == 'hello' and shown.edited_at == fake_clock.value


async def test_search_finds_only_the_current_text(engine: Engine, fake_clock: FakeClock) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    message_id = await sent(a, chat, 'apple pie')
    await sent(b, chat, 'other')
    found = await messaging.search(b, conversation_id=chat, keyword='apple')  # fills the search cache
    assert found is not None and found.count == 1
    await message_actions.edit_message(a, message_id=message_id, text='banana bread')
    apple = await messaging.search(b, conversation_id=chat, keyword='apple')
    banana = await messaging.search(b, conversation_id=chat, keyword='banana')
    assert apple is not None and apple.count == 0
    assert banana is not None and [m.body for m in banana.messages] == ['banana bread']


async def test_edit_refusals_change_nothing(engine: Engine, fake_clock: FakeClock, events: CapturedEvents) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    chat = await direct(a, b)
    other = await direct(b, c)
    mine = await sent(a, chat, 'mine')
    theirs = await sent(b, chat, 'theirs')
    elsewhere = await sent(b, other, 'private')
    events.clear()
    await refused(message_actions.edit_message(a, message_id=theirs, text='hijack'), 'not_your_message')
    await refused(message_actions.edit_message(a, message_id=elsewhere, text='hijack'), 'message_not_found')
    await refused(message_actions.edit_message(c, message_id=mine, text='hijack'), 'message_not_found')
    await refused(message_actions.edit_message(a, message_id=999_999, text='x'), 'message_not_found')
    for forged in (-1, 0, True, '1', None, 1.5):
        await refused(message_actions.edit_message(a, message_id=forged, text='x'), 'message_not_found')  # type: ignore[arg-type]
    for empty in ('', '   ', '\n'):
        await refused(message_actions.edit_message(a, message_id=mine, text=empty), 'edit_empty')
    await refused(message_actions.edit_message(a, message_id=mine, text='x' * 5001), 'message_too_long')
    assert await bodies(a, chat) == [('text', 'mine'), ('text', 'theirs')]
    assert [v.body for v in await messaging.load_window(b, conversation_id=other)] == ['private']
    assert events.items == []
    with session_scope() as db:
        assert message_queries.history(db, message_ids=[mine, theirs, elsewhere]) == {}


async def test_html_edit_is_kept_as_text(engine: Engine, fake_clock: FakeClock) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    message_id = await sent(a, chat, 'x')
    view = await message_actions.edit_message(a, message_id=message_id, text='<img src=x onerror=alert(1)>')
    assert view.body == '<img src=x onerror=alert(1)>'


async def test_files_cannot_be_edited(engine: Engine, fake_clock: FakeClock, upload_dir: Path) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    picture = await send(a, chat, 'p.png', image_bytes('PNG'))
    await refused(message_actions.edit_message(a, message_id=picture.id, text='caption'), 'edit_text_only')


async def test_muted_sender_cannot_edit_or_recall(engine: Engine, fake_clock: FakeClock) -> None:
    from tests.support.factories import set_flags

    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    message_id = await sent(a, chat, 'before')
    set_flags(a.user_id, muted=True)
    await refused(message_actions.edit_message(a, message_id=message_id, text='after'), 'muted')
    await refused(message_actions.recall_message(a, message_id=message_id), 'muted')
    assert await bodies(b, chat) == [('text', 'before')]


# ------------------------------------------------------------------------------------------------ recall


@pytest.mark.parametrize(('after', 'allowed'), [(119, True), (121, False)])
async def test_recall_window(
    engine: Engine, fake_clock: FakeClock, events: CapturedEvents, after: int, allowed: bool
) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    message_id = await sent(a, chat, 'oops')
    fake_clock.advance(after)
    events.clear()
    if not allowed:
        await refused(message_actions.recall_message(a, message_id=message_id), 'recall_window_passed')
        assert await bodies(b, chat) == [('text', 'oops')] and events.items == []
        return
    view = await message_actions.recall_message(a, message_id=message_id)
    assert view.kind == 'recalled' and view.body is None and not view.removed
    assert events.of(MessageRecalled) == [(MessageRecalled(message=view), to_users(a.user_id, b.user_id))]
    assert await bodies(b, chat) == [('recalled', None)]
    found = await messaging.search(b, conversation_id=chat, keyword='oops')
    assert found is not None and found.count == 0
    await refused(message_actions.recall_message(a, message_id=message_id), 'message_recalled')
    await refused(message_actions.edit_message(a, message_id=message_id, text='again'), 'message_recalled')


async def test_recall_refusals(engine: Engine, fake_clock: FakeClock, events: CapturedEvents) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    chat = await direct(a, b)
    theirs = await sent(b, chat, 'theirs')
    events.clear()
    await refused(message_actions.recall_message(a, message_id=theirs), 'not_your_message')
    await refused(message_actions.recall_message(c, message_id=theirs), 'message_not_found')
    assert await bodies(a, chat) == [('text', 'theirs')] and events.items == []


async def test_recalled_picture_is_deleted_from_disk(engine: Engine, fake_clock: FakeClock, upload_dir: Path) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    picture = await send(a, chat, 'p.png', image_bytes('PNG'))
    assert picture.attachment is not None and len(stored_files(upload_dir)) == 2  # the file and its preview
    await message_actions.recall_message(a, message_id=picture.id)
    assert stored_files(upload_dir) == []
    with session_scope() as db:
        assert message_queries.get_by_file_key(db, file_key=picture.attachment.key) is None  # the route answers 404


async def test_recall_keeps_the_text_for_the_admin_only(engine: Engine, fake_clock: FakeClock) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    message_id = await sent(a, chat, 'v1')
    fake_clock.advance(30)
    await message_actions.edit_message(a, message_id=message_id, text='v2')
    fake_clock.advance(30)
    await message_actions.recall_message(a, message_id=message_id)
    token = await admin_token()
    page = await moderation.user_records(token, user_id=a.user_id)
    [row] = page.rows
    assert row.recalled_at == fake_clock.value and not row.removed and row.body is None
    assert [(h.action, h.body) for h in row.history] == [('edit', 'v1'), ('recall', 'v2')]


# ------------------------------------------------------------------------------------------------ reply


async def test_reply_quotes_sender_and_first_line(
    engine: Engine, fake_clock: FakeClock, events: CapturedEvents
) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    original = await sent(b, chat, 'first line\nsecond line')
    events.clear()
    reply = await messaging.send_text(a, conversation_id=chat, text='answer', reply_to_id=original)
    assert reply is not None and reply.reply is not None
    assert (reply.reply.message_id, reply.reply.sender_name, reply.reply.excerpt) == (original, 'bob', 'first line')
    assert only(events.of(MessageCreated))[0].message == reply
    fake_clock.advance(10)
    await message_actions.recall_message(b, message_id=original)
    shown = (await messaging.load_window(a, conversation_id=chat))[-1]
    assert shown.reply is not None and shown.reply.kind == 'recalled' and shown.reply.excerpt == ''


async def test_reply_to_another_conversation_is_refused(engine: Engine, fake_clock: FakeClock) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    chat = await direct(a, b)
    other = await direct(b, c)
    elsewhere = await sent(c, other, 'secret')
    for target in (elsewhere, 999_999, -5, '3', True):
        await refused(
            messaging.send_text(a, conversation_id=chat, text='x', reply_to_id=target),  # type: ignore[arg-type]
            'reply_not_found',
        )
    assert await bodies(a, chat) == []


async def test_load_around_an_older_message(engine: Engine, fake_clock: FakeClock) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    chat = await direct(a, b)
    ids = [await sent(a, chat, f'm{i}') for i in range(200)]
    around = await global_search.load_around(b, conversation_id=chat, message_id=ids[50])
    shown = [m.id for m in around.messages]
    assert ids[50] in shown and shown == sorted(shown) and around.more_older and around.more_newer
    assert shown == ids[25:56]  # 25 older, the message, 5 newer (so it shows near the bottom)
    first = await global_search.load_around(b, conversation_id=chat, message_id=ids[0])
    assert not first.more_older and first.messages[0].id == ids[0]
    await refused(global_search.load_around(c, conversation_id=chat, message_id=ids[0]), 'not_a_member')
    other = await direct(b, c)
    await refused(global_search.load_around(b, conversation_id=other, message_id=ids[0]), 'message_not_found')


# ------------------------------------------------------------------------------------------------ admin


async def test_admin_removes_any_message_audited(
    engine: Engine, fake_clock: FakeClock, events: CapturedEvents, upload_dir: Path
) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    message_id = await sent(a, chat, 'rude')
    picture = await send(a, chat, 'p.png', image_bytes('PNG'))
    fake_clock.advance(30 * 24 * 3600)  # any time
    token = await admin_token()
    events.clear()
    await moderation.remove_message(token, message_id=message_id)
    await moderation.remove_message(token, message_id=picture.id)
    [(event, audience), _] = events.of(MessageRecalled)
    assert event.message.removed and event.message.kind == 'recalled' and audience == to_users(a.user_id, b.user_id)
    assert stored_files(upload_dir) == []
    assert await bodies(b, chat) == [('recalled', None), ('recalled', None)]
    log = await moderation.audit_log(token)
    assert [(row.action, row.target_name) for row in log[:2]] == [('remove_message', 'alice')] * 2
    page = await moderation.user_records(token, user_id=a.user_id)
    assert [(r.removed, [h.body for h in r.history]) for r in page.rows] == [(True, [None]), (True, ['rude'])]
    await refused(moderation.remove_message(token, message_id=message_id), 'message_recalled')
    await refused(moderation.remove_message(token, message_id=999_999), 'message_not_found')


async def test_only_the_admin_removes(engine: Engine, fake_clock: FakeClock) -> None:
    from chat_ui.services import accounts

    await accounts.register('alice', 'secret123', 'secret123')
    token, info = await accounts.login('alice', 'secret123')
    (b,) = make_users('bob')
    chat = await conversations.open_direct(b, peer_id=info.user_id if hasattr(info, 'user_id') else 1)
    assert chat.id is not None
    message_id = await sent(b, chat.id, 'keep me')
    for forged in (token, None, 'forged'):
        await refused(moderation.remove_message(forged, message_id=message_id), 'admin_only')
    assert await bodies(b, chat.id) == [('text', 'keep me')]


# ------------------------------------------------------------------------------------------------ send limit


async def test_eleventh_message_in_ten_seconds_is_refused(
    engine: Engine, fake_clock: FakeClock, send_limit_on: None, upload_dir: Path
) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    room = await conversations.create_room(a, title='room', private=False)
    assert room.id is not None
    for i in range(9):
        await sent(a, chat if i % 2 else room.id, f'm{i}')
        fake_clock.advance(1)
    await send(a, chat, 'p.png', image_bytes('PNG'))  # files count too: the tenth
    await refused(messaging.send_text(a, conversation_id=chat, text='eleventh'), 'slow_down')
    await refused(send(a, chat, 'q.png', image_bytes('PNG')), 'slow_down')
    assert 'eleventh' not in [body for _, body in await bodies(a, chat)]
    assert len(stored_files(upload_dir)) == 2  # the refused picture left nothing behind
    await sent(b, chat, 'others are not limited')
    fake_clock.advance(1.01)  # the first message is now older than 10 s
    await sent(a, chat, 'allowed again')


async def test_concurrent_tabs_cannot_pass_the_limit(
    engine: Engine, fake_clock: FakeClock, send_limit_on: None
) -> None:
    a, b = make_users('alice', 'bob')
    chat = await direct(a, b)
    results = await asyncio.gather(
        *(messaging.send_text(a, conversation_id=chat, text=f'tab {i}') for i in range(16)), return_exceptions=True
    )
    stored = [r for r in results if not isinstance(r, BaseException)]
    refusals = [r for r in results if isinstance(r, ChatError) and r.key == 'slow_down']
    assert len(stored) == 10 and len(refusals) == 6, results
    assert len(await bodies(b, chat)) == 10
