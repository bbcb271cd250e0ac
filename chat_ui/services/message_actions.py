"""What people do to messages already sent: edit (own text, 15 minutes), recall (own message, 2 minutes), the
site admin's removal (any message, any time, audited), and the window around a quoted message.

Every action locks the message row, checks the actor in the same transaction (``access_conversation``: member,
not muted, not banned), keeps the earlier text in ``message_edits`` for the admin's records, bumps the
conversation's revision, re-indexes the message for search (search finds only the current text) and, after the
commit, tells every member (``MessageEdited`` / ``MessageRecalled``). Windows are measured with ``clock.now``.

A message the actor cannot see is answered like a missing one (``message_not_found``), so ids of other
conversations reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.views import ROOM, MessageView, SessionInfo
from chat_ui.live.events import MessageEdited, MessageRecalled
from chat_ui.live.hub import users
from db import conversations as conversation_queries
from db import messages as message_queries
from db.models import Conversation, Message

from . import mentions as mention_rules
from .access import access_conversation
from .file_store import delete_stored
from .messaging import normalize_text, one_view
from .search_index import reindex_message
from .work import Work, read, transact

EDIT_WINDOW = timedelta(minutes=15)
RECALL_WINDOW = timedelta(minutes=2)


def _valid_id(message_id: object) -> int:
    if not isinstance(message_id, int) or isinstance(message_id, bool) or message_id <= 0:
        raise ChatError('message_not_found')
    return message_id


def _own_message(work: Work, user_id: int, message_id: int) -> Message:
    """The actor's own, not recalled message, locked; the actor may still write in its conversation."""
    message = message_queries.get_message(work.db, message_id=message_id, lock=True)
    if message is None:
        raise ChatError('message_not_found')
    try:
        access_conversation(work.db, user_id, message.conversation_id, write=True)
    except ChatError as refusal:
        if refusal.key == 'not_a_member':
            raise ChatError('message_not_found') from None
        raise
    if message.sender_id != user_id:
        raise ChatError('not_your_message')
    if message.recalled_at is not None:
        raise ChatError('message_recalled')
    return message


def _changed(work: Work, message: Message, event_type: type[MessageEdited] | type[MessageRecalled]) -> MessageView:
    """The message changed in place: caches reload, every member's pages update the bubble after the commit."""
    work.db.add(message)
    work.db.flush()
    conversation_queries.bump_revision(work.db, conversation_id=message.conversation_id)
    assert message.id is not None
    reindex_message(work.db, message.id)
    conversation = work.db.get(Conversation, message.conversation_id)
    mention_rules.rerecord(work.db, message, in_room=conversation is not None and conversation.kind == ROOM)
    view = one_view(work.db, message)
    audience = conversation_queries.member_ids(work.db, conversation_id=message.conversation_id)
    work.emit(event_type(message=view), users(audience))
    return view


# ---------------------------------------------------------------------------------------------------- edit


def _edit(work: Work, user_id: int, message_id: int, body: str) -> MessageView:
    message = _own_message(work, user_id, message_id)
    if message.kind != 'text':
        raise ChatError('edit_text_only')
    now = clock.now()
    if now - message.created_at > EDIT_WINDOW:
        raise ChatError('edit_window_passed', minutes=int(EDIT_WINDOW.total_seconds() // 60))
    if body == message.body:
        return one_view(work.db, message)
    message_queries.keep_history(work.db, message=message, action='edit', at=now)
    message.body = body
    message.edited_at = now
    return _changed(work, message, MessageEdited)


async def edit_message(actor: SessionInfo, *, message_id: int, text: str) -> MessageView:
    """Replace the text of one's own text message within 15 minutes of sending it (same text rules as sending)."""
    body = normalize_text(text)
    if body is None:
        raise ChatError('edit_empty')
    return await transact(_edit, actor.user_id, _valid_id(message_id), body)


# ---------------------------------------------------------------------------------------------------- recall


def recall_in(work: Work, message: Message, *, by_user_id: int, action: str) -> MessageView:
    """Withdraw the message for everyone: its text goes to the admin's history, its file is deleted after the
    commit (its URL then answers 404: no row refers to the key any more)."""
    now = clock.now()
    message_queries.keep_history(work.db, message=message, action=action, at=now)
    key = message.file_key
    message.body = None
    message.file_key = None
    message.recalled_at = now
    message.recalled_by = by_user_id
    if key:
        work.after_commit.append(lambda: delete_stored([key]))
    return _changed(work, message, MessageRecalled)


def _recall(work: Work, user_id: int, message_id: int) -> MessageView:
    message = _own_message(work, user_id, message_id)
    if clock.now() - message.created_at > RECALL_WINDOW:
        raise ChatError('recall_window_passed', minutes=int(RECALL_WINDOW.total_seconds() // 60))
    return recall_in(work, message, by_user_id=user_id, action='recall')


async def recall_message(actor: SessionInfo, *, message_id: int) -> MessageView:
    """Recall one's own message (text or file) within 2 minutes of sending it."""
    return await transact(_recall, actor.user_id, _valid_id(message_id))


# ---------------------------------------------------------------------------------------------------- menu


@dataclass(frozen=True, slots=True)
class Choices:
    """What the menu of one message offers now (each action checks again when it is chosen)."""

    message: MessageView
    reply: bool
    edit: bool
    recall: bool


def _choices(db: Session, user_id: int, conversation_id: int, message_id: int) -> Choices:
    access = access_conversation(db, user_id, conversation_id)
    row = message_queries.get_message(db, message_id=message_id)
    if row is None or row.conversation_id != conversation_id:
        raise ChatError('message_not_found')
    view = one_view(db, row)
    own = view.sender_id == user_id and not view.recalled and not access.user.is_muted
    age = clock.now() - view.created_at
    return Choices(
        message=view,
        reply=not view.recalled,
        edit=own and view.kind == 'text' and age <= EDIT_WINDOW,
        recall=own and age <= RECALL_WINDOW,
    )


async def choices(actor: SessionInfo, *, conversation_id: int, message_id: int) -> Choices:
    """The actions the actor may take on a message of the conversation, as of now."""
    return await read(_choices, actor.user_id, conversation_id, _valid_id(message_id))
