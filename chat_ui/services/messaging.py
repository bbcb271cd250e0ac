"""Messages of a conversation: send (check, write, publish after the commit), windows, catch-up, read marks,
search and clearing. Every function takes the acting user first; ``access_conversation`` checks membership."""

from __future__ import annotations

from sqlmodel import Session

from chat_ui.core.errors import ChatError
from chat_ui.core.views import Attachment, MessageView, SearchResult, SessionInfo
from chat_ui.live.events import HistoryCleared, MessageCreated, ReadMarked
from chat_ui.live.hub import user_topic, users
from db import conversations as conversation_queries
from db import files as file_queries
from db import messages as message_queries
from db import users as user_queries
from db.models import MESSAGE_MAX, Message

from .access import Access, access_conversation
from .file_store import delete_stored
from .search_index import search_index
from .work import Work, read, transact

WINDOW = 50
CATCH_UP_MAX = 500
SEARCH_SHOWN = 200
KEYWORD_MAX = 100


def message_view(message: Message, sender_name: str, sender_display: str = '', sender_avatar: str = '') -> MessageView:
    """The one place a message row becomes what pages and events carry."""
    assert message.id is not None
    attachment = None
    if message.file_key:
        attachment = Attachment(
            key=message.file_key,
            name=message.file_name or '',
            mime=message.file_mime or 'application/octet-stream',
            size=message.file_size or 0,
        )
    return MessageView(
        id=message.id,
        conversation_id=message.conversation_id,
        sender_id=message.sender_id,
        sender_name=sender_name,
        sender_display=sender_display,
        sender_avatar=sender_avatar,
        kind=message.kind,
        body=message.body,
        attachment=attachment,
        created_at=message.created_at,
    )


def message_views(db: Session, rows: list[Message]) -> list[MessageView]:
    people = user_queries.profiles(db, user_ids={row.sender_id for row in rows})
    return [message_view(row, *people.get(row.sender_id, ('?', '', ''))) for row in rows]


def normalize_text(text: str) -> str | None:
    """The text to send, or None when there is nothing to send; too long raises."""
    if not text or not text.strip():
        return None
    if len(text) > MESSAGE_MAX:
        raise ChatError('message_too_long', max=MESSAGE_MAX)
    return text.strip('\n\r ')


def store_message(
    work: Work, access: Access, *, kind: str, body: str | None = None, attachment: Attachment | None = None
) -> MessageView:
    """Write a message the access check allowed, and publish it to every member after the commit."""
    conversation_id = access.conversation.id
    assert conversation_id is not None and access.user.id is not None
    message = message_queries.add_message(
        work.db,
        conversation_id=conversation_id,
        sender_id=access.user.id,
        kind=kind,
        body=body,
        file_key=attachment.key if attachment else None,
        file_name=attachment.name if attachment else None,
        file_mime=attachment.mime if attachment else None,
        file_size=attachment.size if attachment else None,
    )
    view = message_view(message, access.user.username, access.user.display_name or '', access.user.avatar_key or '')
    audience = conversation_queries.member_ids(work.db, conversation_id=conversation_id)
    work.emit(MessageCreated(message=view), users(audience))
    return view


def _send_text(work: Work, user_id: int, conversation_id: int, body: str) -> MessageView:
    access = access_conversation(work.db, user_id, conversation_id, write=True)
    return store_message(work, access, kind='text', body=body)


async def send_text(actor: SessionInfo, *, conversation_id: int, text: str) -> MessageView | None:
    """Store a text message, then publish it to the conversation's members; returns None for empty text."""
    body = normalize_text(text)
    if body is None:
        return None
    return await transact(_send_text, actor.user_id, conversation_id, body)


def _window(db: Session, user_id: int, conversation_id: int, before_id: int | None, limit: int) -> list[MessageView]:
    access_conversation(db, user_id, conversation_id)
    rows = message_queries.window(db, conversation_id=conversation_id, limit=limit, before_id=before_id)
    return message_views(db, rows)


async def load_window(
    actor: SessionInfo, *, conversation_id: int, before_id: int | None = None, limit: int = WINDOW
) -> list[MessageView]:
    """A page of the conversation, oldest first: the newest ``limit`` messages, or those before ``before_id``."""
    return await read(_window, actor.user_id, conversation_id, before_id, min(limit, WINDOW))


def _newer(db: Session, user_id: int, conversation_id: int, after_id: int) -> list[MessageView]:
    access_conversation(db, user_id, conversation_id)
    rows = message_queries.newer(db, conversation_id=conversation_id, after_id=after_id, limit=CATCH_UP_MAX)
    return message_views(db, rows)


async def load_newer(actor: SessionInfo, *, conversation_id: int, after_id: int) -> list[MessageView]:
    """Messages after ``after_id``, oldest first (at most ``CATCH_UP_MAX``): what a page missed while away."""
    return await read(_newer, actor.user_id, conversation_id, after_id)


def _mark_read(work: Work, user_id: int, conversation_id: int, message_id: int) -> bool:
    access_conversation(work.db, user_id, conversation_id)
    newest = min(message_id, message_queries.newest_id(work.db, conversation_id=conversation_id))
    moved = conversation_queries.mark_read(work.db, conversation_id=conversation_id, user_id=user_id, message_id=newest)
    if moved:
        event = ReadMarked(conversation_id=conversation_id, user_id=user_id, message_id=newest)
        work.emit(event, [user_topic(user_id)])
    return moved


async def mark_read(actor: SessionInfo, *, conversation_id: int, message_id: int) -> bool:
    """The actor has seen the conversation up to ``message_id``: every tab of theirs clears its unread count."""
    return await transact(_mark_read, actor.user_id, conversation_id, message_id)


def _search(db: Session, user_id: int, conversation_id: int, keyword: str) -> SearchResult:
    access_conversation(db, user_id, conversation_id)
    candidates = search_index.candidates(db, conversation_id=conversation_id, keyword=keyword)
    shown = message_queries.by_ids(db, ids=candidates[:SEARCH_SHOWN])
    return SearchResult(keyword=keyword, count=len(candidates), messages=message_views(db, shown))


async def search(actor: SessionInfo, *, conversation_id: int, keyword: str) -> SearchResult | None:
    """Text messages of the conversation containing ``keyword`` (case-insensitive, literal), newest first."""
    keyword = keyword.strip()
    if not keyword:
        return None
    if len(keyword) > KEYWORD_MAX:
        raise ChatError('keyword_too_long', max=KEYWORD_MAX)
    return await read(_search, actor.user_id, conversation_id, keyword)


def clear_in(work: Work, conversation_id: int, by_user_id: int) -> None:
    """Delete every message of the conversation and its files, for everyone (permission checked by the caller)."""
    audience = conversation_queries.member_ids(work.db, conversation_id=conversation_id)
    keys = conversation_queries.delete_messages(work.db, conversation_id=conversation_id)
    file_queries.delete_files(work.db, keys=keys)
    work.after_commit.append(lambda: delete_stored(keys))
    work.emit(HistoryCleared(conversation_id=conversation_id, by_user_id=by_user_id), users(audience))


def _clear(work: Work, user_id: int, conversation_id: int) -> None:
    access = access_conversation(work.db, user_id, conversation_id)
    if access.is_room and access.member.role != 'owner':
        raise ChatError('clear_owner_only')
    clear_in(work, conversation_id, user_id)


async def clear_history(actor: SessionInfo, *, conversation_id: int) -> None:
    """Direct conversation: either person; room: only its owner. Deletes messages and files for everyone."""
    await transact(_clear, actor.user_id, conversation_id)
