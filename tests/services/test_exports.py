"""Export my data: the zip holds exactly the user's conversations and their files; one export at a time; it
expires after an hour and only its owner may fetch it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from chat_ui.core.errors import ChatError
from chat_ui.services import conversations, export_writer, exports, file_access, message_actions, messaging, uploads
from chat_ui.services.file_store import stored_path
from db import files as file_queries
from db import users as user_queries
from db.engine import session_scope
from tests.services.conftest import FakeClock
from tests.services.test_uploads import image_bytes, saver
from tests.support.factories import make_users


async def test_export_holds_my_conversations_and_files_only(
    engine: Engine, upload_dir: Path, fake_clock: FakeClock
) -> None:
    a, b, c = make_users('alice', 'bob', 'carol')
    direct = await conversations.open_direct(a, peer_id=b.user_id)
    room = await conversations.create_room(a, title='Team 团队', private=False)
    others = await conversations.open_direct(b, peer_id=c.user_id)
    assert direct.id and room.id and others.id
    await conversations.add_member(a, conversation_id=room.id, username='carol')
    await messaging.send_text(a, conversation_id=direct.id, text='hi bob')
    await messaging.send_text(b, conversation_id=direct.id, text='hi alice <b>')
    fake_clock.advance(5)
    await messaging.send_text(c, conversation_id=room.id, text='room hello 你好')
    picture = image_bytes('PNG')
    sent = await uploads.send_file(c, conversation_id=room.id, name='pic.png', size=len(picture), save=saver(picture))
    await messaging.send_text(b, conversation_id=others.id, text='secret between bob and carol')
    secret_file = await uploads.send_file(
        b, conversation_id=others.id, name='secret.png', size=len(picture), save=saver(picture)
    )
    job = await exports.export_my_data(a)
    assert job.state == 'done' and job.percent == 100 and job.done == job.total == 5
    assert job.key is not None
    path = stored_path(job.key)
    assert path is not None
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        docs = {n: json.loads(archive.read(n)) for n in names if n.startswith('conversations/')}
        assert set(docs) == {f'conversations/{direct.id}.json', f'conversations/{room.id}.json'}
        dm = docs[f'conversations/{direct.id}.json']
        assert dm['conversation']['kind'] == 'direct' and dm['conversation']['members'] == ['alice', 'bob']
        assert [(m['sender'], m['text']) for m in dm['messages']] == [('alice', 'hi bob'), ('bob', 'hi alice <b>')]
        assert all(re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', m['time']) for m in dm['messages'])
        team = docs[f'conversations/{room.id}.json']
        assert team['conversation']['title'] == 'Team 团队'
        assert [m.get('text') for m in team['messages']] == ['room hello 你好', None]
        file_entry = team['messages'][1]['file']
        assert sent.attachment and archive.read(file_entry['path']) == stored_bytes(sent.attachment.key)
        assert not any(secret_file.attachment and secret_file.attachment.key in n for n in names)
        assert b'secret between' not in b''.join(archive.read(n) for n in names)

    with session_scope() as db:
        assert file_access.may_fetch(db, job.key, a) is not None
        assert file_access.may_fetch(db, job.key, b) is None
    fake_clock.advance(exports.LIFETIME.total_seconds() + 1)
    with session_scope() as db:
        assert file_access.may_fetch(db, job.key, a) is None
    assert await exports.purge_expired() == 1
    assert not path.exists()
    with session_scope() as db:
        assert file_queries.get_file(db, key=job.key) is None


def stored_bytes(key: str) -> bytes:
    path = stored_path(key)
    assert path is not None
    return path.read_bytes()


async def test_a_second_export_while_one_runs_is_refused(engine: Engine, upload_dir: Path) -> None:
    (a,) = make_users('alice')
    job = exports.begin(a)
    with pytest.raises(ChatError) as info:
        exports.begin(a)
    assert info.value.key == 'export_busy'
    await exports.build(job)
    assert job.state == 'done'
    again = await exports.export_my_data(a)  # after it finished, a new one replaces the old zip
    assert again.key != job.key and job.key is not None
    old = stored_path(job.key)
    assert old is not None and not old.exists()
    with session_scope() as db:
        assert [f.key for f in file_queries.owned(db, owner_id=a.user_id, purpose='export')] == [again.key]


async def test_a_long_history_is_written_in_batches(
    engine: Engine, upload_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, 'BATCH', 7)
    a, b = make_users('alice', 'bob')
    direct = await conversations.open_direct(a, peer_id=b.user_id)
    assert direct.id
    for i in range(30):
        await messaging.send_text(a if i % 2 else b, conversation_id=direct.id, text=f'm{i}')
    job = await exports.export_my_data(b)
    assert job.key
    path = stored_path(job.key)
    assert path is not None
    with zipfile.ZipFile(path) as archive:
        doc = json.loads(archive.read(f'conversations/{direct.id}.json'))
    assert [m['text'] for m in doc['messages']] == [f'm{i}' for i in range(30)]


async def test_edits_recalls_and_replies_are_exported_as_members_see_them(
    engine: Engine, upload_dir: Path, fake_clock: FakeClock
) -> None:
    a, b = make_users('alice', 'bob')
    direct = await conversations.open_direct(a, peer_id=b.user_id)
    assert direct.id
    first = await messaging.send_text(a, conversation_id=direct.id, text='first draft')
    gone = await messaging.send_text(b, conversation_id=direct.id, text='oops, wrong chat')
    assert first and gone and first.id and gone.id
    reply = await messaging.send_text(b, conversation_id=direct.id, text='answering', reply_to_id=first.id)
    assert reply
    fake_clock.advance(30)
    await message_actions.edit_message(a, message_id=first.id, text='final words')
    await message_actions.recall_message(b, message_id=gone.id)
    job = await exports.export_my_data(a)
    assert job.key
    path = stored_path(job.key)
    assert path is not None
    with zipfile.ZipFile(path) as archive:
        raw = archive.read(f'conversations/{direct.id}.json')
    messages = json.loads(raw)['messages']
    edited, recalled, answer = messages
    assert edited['text'] == 'final words' and edited['edited'] == '2026-01-01T12:00:30Z'
    assert recalled['recalled'] == {'time': '2026-01-01T12:00:30Z', 'by': 'sender'} and 'text' not in recalled
    assert answer['reply_to'] == first.id and 'edited' not in answer and 'recalled' not in answer
    assert b'first draft' not in raw and b'wrong chat' not in raw  # earlier versions stay in the admin's records


def writer_children() -> list[int]:
    """Process ids of this process's export writers still alive (zombies included)."""
    found = []
    for status in Path('/proc').glob('[0-9]*/status'):
        try:
            fields = dict(line.split(':\t', 1) for line in status.read_text().splitlines() if ':\t' in line)
            cmdline = (status.parent / 'cmdline').read_bytes()
        except OSError:
            continue
        if int(fields.get('PPid', '0')) == os.getpid() and exports.WRITER.encode() in cmdline:
            found.append(int(status.parent.name))
    return found


async def test_the_zip_is_written_by_a_child_process(engine: Engine, upload_dir: Path) -> None:
    a, b = make_users('alice', 'bob')
    direct = await conversations.open_direct(a, peer_id=b.user_id)
    assert direct.id
    await messaging.send_text(a, conversation_id=direct.id, text='hello')
    task = asyncio.create_task(exports.export_my_data(a))
    seen: set[int] = set()
    while not task.done():
        seen.update(writer_children())
        await asyncio.sleep(0.005)
    assert (await task).state == 'done' and seen and writer_children() == []


async def test_a_cancelled_export_kills_its_writer_and_leaves_no_zip(
    engine: Engine, upload_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (a,) = make_users('alice')
    monkeypatch.setattr(exports, 'WRITER', 'tests.support.stuck_export_writer')
    job = exports.begin(a)
    task = asyncio.create_task(exports.build(job))
    for _ in range(1000):
        if job.done:
            break
        await asyncio.sleep(0.01)
    assert job.done == 1 and len(list(upload_dir.iterdir())) == 1, 'the writer never started'
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 60)  # the writer sleeps 600 s: only a kill ends it sooner
    assert writer_children() == [] and job.state == 'failed'
    assert list(upload_dir.iterdir()) == []
    with session_scope() as db:
        assert file_queries.owned(db, owner_id=a.user_id, purpose='export') == []
    monkeypatch.setattr(exports, 'WRITER', export_writer.__name__)
    assert (await exports.export_my_data(a)).state == 'done'  # the refusal of a second export ended with it


async def test_a_writer_that_fails_leaves_no_zip_and_says_so(
    engine: Engine, upload_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (a,) = make_users('alice')
    monkeypatch.setattr(exports, 'WRITER', 'chat_ui.services.no_such_writer')
    job = exports.begin(a)
    with pytest.raises(RuntimeError):
        await exports.build(job)
    assert job.state == 'failed' and job.error == 'export_failed' and job.key is None
    assert list(upload_dir.iterdir()) == []
    with session_scope() as db:
        assert file_queries.owned(db, owner_id=a.user_id, purpose='export') == []


async def test_an_account_banned_while_its_export_is_written_gets_no_zip(
    engine: Engine, upload_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = make_users('alice', 'bob')
    direct = await conversations.open_direct(a, peer_id=b.user_id)
    assert direct.id
    await messaging.send_text(a, conversation_id=direct.id, text='hello')
    planned = exports._prepare

    def plan_then_ban(job: exports.ExportJob, key: str, now: datetime) -> export_writer.Request:
        request = planned(job, key, now)
        with session_scope() as db:
            user_queries.set_flags(db, user_id=a.user_id, banned=True)
        return request

    monkeypatch.setattr(exports, '_prepare', plan_then_ban)
    job = await exports.export_my_data(a)
    assert (job.state, job.error, job.key) == ('failed', 'session_ended', None)
    assert list(upload_dir.iterdir()) == []
    with session_scope() as db:
        assert file_queries.owned(db, owner_id=a.user_id, purpose='export') == []
