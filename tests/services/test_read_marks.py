"""Read marks from open panes go to the database in batches: one transaction for many members, the newest per
member, none lost when the page that noted them is gone, refusals dropped without spoiling the batch."""

import asyncio

from sqlalchemy.engine import Engine

from chat_ui.live.events import ReadMarked
from chat_ui.services import conversations, messaging
from chat_ui.services import read_marks as read_marks_module
from chat_ui.services.read_marks import read_marks
from db import conversations as conversation_queries
from db.engine import session_scope
from tests.support.events import CapturedEvents
from tests.support.factories import make_room, make_users, set_flags


def marks(room: int) -> dict[int, int]:
    with session_scope() as db:
        return conversation_queries.last_read_ids(db, conversation_id=room)


async def written(room: int, expected: dict[int, int]) -> None:
    for _ in range(300):
        if all(marks(room).get(user) == message for user, message in expected.items()):
            return
        await asyncio.sleep(0.01)
    assert {user: marks(room).get(user) for user in expected} == expected


async def test_marks_of_many_members_go_in_batches_with_the_newest_each(
    engine: Engine, events: CapturedEvents, monkeypatch
) -> None:
    monkeypatch.setattr(read_marks_module, 'INTERVAL', 0.3)
    owner, *members = make_users('owner', *(f'm{i}' for i in range(8)))
    room = await make_room(owner, *members)
    sent = [await messaging.send_text(owner, conversation_id=room, text=f'm {i}') for i in range(5)]
    ids = [view.id for view in sent if view is not None]
    events.clear()
    for message_id in ids:  # every member's pane shows each message as it arrives
        for member in members:
            read_marks.note(member, conversation_id=room, message_id=message_id)
        await asyncio.sleep(0.02)
    await written(room, {member.user_id: ids[-1] for member in members})
    await read_marks.flush()  # its events are out
    moved = [event for event, _ in events.of(ReadMarked)]
    assert {event.message_id for event in moved if event.message_id != ids[0]} == {ids[-1]}
    assert len(moved) <= 2 * len(members)  # the first batch at once (first mark), then one with the newest
    assert len(moved) < len(ids) * len(members)


async def test_a_mark_noted_by_a_page_that_left_is_still_written(engine: Engine) -> None:
    a, b = make_users('alice', 'bob')
    room = await make_room(a, b)
    first = await messaging.send_text(a, conversation_id=room, text='one')
    second = await messaging.send_text(a, conversation_id=room, text='two')
    assert first is not None and second is not None
    read_marks.note(b, conversation_id=room, message_id=first.id)  # written at once
    read_marks.note(b, conversation_id=room, message_id=second.id)  # waits for the next batch; the page then goes
    await written(room, {b.user_id: second.id})
    assert read_marks.waiting == 0


async def test_a_refused_mark_is_dropped_and_the_rest_of_its_batch_is_written(engine: Engine) -> None:
    a, b, banned, stranger = make_users('alice', 'bob', 'dan', 'eve')
    room = await make_room(a, b, banned)
    chat = (await conversations.open_direct(a, peer_id=stranger.user_id)).id
    assert chat is not None
    view = await messaging.send_text(a, conversation_id=room, text='hello')
    assert view is not None
    set_flags(banned.user_id, banned=True)
    read_marks.note(banned, conversation_id=room, message_id=view.id)  # a banned account reads nothing
    read_marks.note(stranger, conversation_id=room, message_id=view.id)  # not a member (a forged id)
    read_marks.note(b, conversation_id=chat, message_id=view.id)  # not his direct conversation
    read_marks.note(b, conversation_id=room, message_id=view.id)
    read_marks.note(b, conversation_id=999_999, message_id=view.id)
    await read_marks.flush()
    await written(room, {b.user_id: view.id})
    assert stranger.user_id not in marks(room) and marks(room)[banned.user_id] == 0
    assert b.user_id not in marks(chat)
    read_marks.note(b, conversation_id=room, message_id=10**12)  # a forged id cannot read ahead
    await read_marks.flush()
    assert marks(room)[b.user_id] == view.id


async def test_write_waiting_writes_what_waits_without_the_event_loop(engine: Engine) -> None:
    a, b = make_users('alice', 'bob')
    room = await make_room(a, b)
    view = await messaging.send_text(a, conversation_id=room, text='hello')
    assert view is not None
    read_marks._due[(b.user_id, room)] = view.id  # what a stopping process still holds
    read_marks.write_waiting()
    assert marks(room)[b.user_id] == view.id and read_marks.waiting == 0
