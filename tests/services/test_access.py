"""The access check reads the actor, the conversation, the membership and a direct peer in one statement, and
refuses as it always did. The tests that publish take ``events``: it gives them a hub of their own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from chat_ui.core.errors import ChatError
from chat_ui.services import conversations
from chat_ui.services.access import access_conversation
from db.engine import session_scope
from tests.support.events import CapturedEvents
from tests.support.factories import make_room, make_users, set_flags


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, 'before_cursor_execute', count)
    try:
        yield seen
    finally:
        event.remove(engine, 'before_cursor_execute', count)


def refusal(actor_id: int, conversation_id: int, *, write: bool = False) -> str | None:
    with session_scope() as db:
        try:
            access_conversation(db, actor_id, conversation_id, write=write)
        except ChatError as refused:
            return refused.key
    return None


async def test_one_statement_gives_the_rows_of_a_room_and_of_a_direct_chat(
    engine: Engine, events: CapturedEvents
) -> None:
    alice, bob = make_users('alice', 'bob')
    room = await make_room(alice, bob)
    chat = await conversations.open_direct(alice, peer_id=bob.user_id)
    assert chat.id is not None
    for conversation_id, kind in ((room, 'room'), (chat.id, 'direct')):
        with session_scope() as db, statements(engine) as seen:
            access = access_conversation(db, bob.user_id, conversation_id, write=True)
            assert (access.user.username, access.conversation.kind, access.member.user_id) == (
                'bob',
                kind,
                bob.user_id,
            )
        assert len(seen) == 1, seen


async def test_refusals(engine: Engine, events: CapturedEvents) -> None:
    alice, bob, carol = make_users('alice', 'bob', 'carol')
    room = await make_room(alice, bob)
    chat = await conversations.open_direct(alice, peer_id=bob.user_id)
    assert chat.id is not None
    assert refusal(carol.user_id, room) == 'not_a_member'
    assert refusal(carol.user_id, chat.id) == 'not_a_member'
    assert refusal(alice.user_id, 999_999) == 'not_a_member'
    assert refusal(999_999, room) == 'session_ended'
    set_flags(bob.user_id, muted=True)
    assert (refusal(bob.user_id, room), refusal(bob.user_id, room, write=True)) == (None, 'muted')
    set_flags(bob.user_id, muted=False, banned=True)
    assert refusal(bob.user_id, room) == 'session_ended'
    assert refusal(alice.user_id, chat.id) == 'peer_unavailable'  # the other person of a direct chat was banned
    assert refusal(alice.user_id, room) is None  # a room stays open when one of its members is banned


@pytest.mark.parametrize('forged', [-1, 0, 2**62])
async def test_ids_no_conversation_has_are_refused(engine: Engine, forged: int) -> None:
    (alice,) = make_users('alice')
    assert refusal(alice.user_id, forged) == 'not_a_member'
