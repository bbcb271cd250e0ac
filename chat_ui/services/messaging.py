"""Messages of a conversation: send (check, write, publish after the commit), windows, catch-up, read marks,
search and clearing. Every function takes the acting user first; ``access_conversation`` checks membership."""

from __future__ import annotations

from sqlmodel import Session

from chat_ui.core import clock
from chat_ui.core.errors import ChatError
from chat_ui.core.views import RECALLED, Attachment, MessageView, ReplyQuote, SearchResult, SessionInfo
from chat_ui.live.events import HistoryCleared, MessageCreated, ReadMarked
from chat_ui.live.hub import user_topic, users
from db import conversations as conversation_queries
from db import files as file_queries
from db import messages as message_queries
from db import users as user_queries
from db.models import MESSAGE_MAX, Message

from . import mentions as mention_rules
from . import receipts
from .access import Access, access_conversation
from .file_store import delete_stored
from .search_index import search_index
from .send_limit import check_send_limit
from .work import Work, read, transact

WINDOW = 50
CATCH_UP_MAX = 500
SEARCH_SHOWN = 200
KEYWORD_MAX = 100
EXCERPT_MAX = 80


def excerpt(message: Message) -> str:
    """The first line of a text (cut at ``EXCERPT_MAX``), or the file's name."""
    if message.kind == 'text':
        line = (message.body or '').strip().split('\n', 1)[0]
        return line if len(line) <= EXCERPT_MAX else line[: EXCERPT_MAX - 1] + '…'
    return message.file_name or ''


def quote_of(message: Message | None, sender_name: str, reply_to_id: int) -> ReplyQuote:
    """What a reply shows of ``message`` (None: gone with a cleared history, shown like a recalled one)."""
    if message is None or message.recalled_at is not None:
        return ReplyQuote(message_id=reply_to_id, sender_name=sender_name, kind=RECALLED, excerpt='')
    return ReplyQuote(message_id=reply_to_id, sender_name=sender_name, kind=message.kind, excerpt=excerpt(message))


def message_view(
    message: Message,
    sender_name: str,
    *,
    sender_display: str = '',
    sender_avatar: str = '',
    reply: ReplyQuote | None = None,
    mentions: list[int] | None = None,
) -> MessageView:
    """The one place a message row becomes what pages and events carry."""
    assert message.id is not None
    if message.recalled_at is not None:
        return MessageView(
            id=message.id,
            conversation_id=message.conversation_id,
            sender_id=message.sender_id,
            sender_name=sender_name,
            sender_display=sender_display,
            kind=RECALLED,
            body=None,
            attachment=None,
            created_at=message.created_at,
            edited_at=message.edited_at,
            removed=message.recalled_by is not None and message.recalled_by != message.sender_id,
            reply=None,
        )
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
        edited_at=message.edited_at,
        reply=reply,
        mentions=mentions or None,
    )


def message_views(db: Session, rows: list[Message]) -> list[MessageView]:
    """Views of ``rows`` with their senders' names and avatars and the quotes of the messages they reply to."""
    reply_ids = {row.reply_to_id for row in rows if row.reply_to_id is not None}
    quoted = {row.id: row for row in message_queries.by_ids(db, ids=reply_ids)}
    people = user_queries.profiles(
        db, user_ids={row.sender_id for row in rows} | {q.sender_id for q in quoted.values()}
    )
    spans = mention_rules.of_messages(db, rows)
    views = []
    for row in rows:
        reply = None
        if row.reply_to_id is not None:
            target = quoted.get(row.reply_to_id)
            quoted_name = shown_name(people, target.sender_id) if target else ''
            reply = quote_of(target, quoted_name, row.reply_to_id)
        name, display, avatar = people.get(row.sender_id, ('?', '', ''))
        views.append(
            message_view(
                row,
                name,
                sender_display=display,
                sender_avatar=avatar,
                reply=reply,
                mentions=spans.get(row.id or 0),
            )
        )
    return views


def shown_name(people: dict[int, tuple[str, str, str]], user_id: int) -> str:
    """The display name of one of ``people`` (from ``user_queries.profiles``), else their login name."""
    name, display, _ = people.get(user_id, ('?', '', ''))
    return display or name


def one_view(db: Session, row: Message) -> MessageView:
    return message_views(db, [row])[0]


def normalize_text(text: str) -> str | None:
    """The text to send, or None when there is nothing to send; too long raises."""
    if not text or not text.strip():
        return None
    if len(text) > MESSAGE_MAX:
        raise ChatError('message_too_long', max=MESSAGE_MAX)
    return text.strip('\n\r ')


def reply_target(db: Session, conversation_id: int, reply_to_id: int | None) -> int | None:
    """``reply_to_id`` if it is a message of this conversation, else a refusal (whatever id the browser sent)."""
    if reply_to_id is None:
        return None
    if not isinstance(reply_to_id, int) or isinstance(reply_to_id, bool):
        raise ChatError('reply_not_found')
    target = message_queries.get_message(db, message_id=reply_to_id)
    if target is None or target.conversation_id != conversation_id:
        raise ChatError('reply_not_found')
    return reply_to_id


def store_message(
    work: Work,
    access: Access,
    *,
    kind: str,
    body: str | None = None,
    attachment: Attachment | None = None,
    reply_to_id: int | None = None,
) -> MessageView:
    """Write a message the access check and the send limit allowed (``limit_sends`` must run first in the same
    transaction), and publish it to every member after the commit."""
    conversation_id = access.conversation.id
    assert conversation_id is not None and access.user.id is not None
    now = clock.now()
    reply_to_id = reply_target(work.db, conversation_id, reply_to_id)
    had_unread = access.member.last_read_id < (access.conversation.last_message_id or 0)
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
        created_at=now,
        reply_to_id=reply_to_id,
    )
    mentions = mention_rules.record(work.db, message) if access.is_room else None
    if reply_to_id is not None:
        view = one_view(work.db, message)
    else:
        view = message_view(
            message,
            access.user.username,
            sender_display=access.user.display_name or '',
            sender_avatar=access.user.avatar_key or '',
            mentions=mentions,
        )
    audience = conversation_queries.member_ids(work.db, conversation_id=conversation_id)
    work.emit(MessageCreated(message=view), users(audience))
    if had_unread:  # writing reads what came before: the sender's other tabs clear, the peer gets the receipt
        assert message.id is not None
        work.emit(
            ReadMarked(conversation_id=conversation_id, user_id=access.user.id, message_id=message.id),
            [user_topic(access.user.id)],
        )
        receipts.share_read(work, access, message.id)
    return view


def limit_sends(work: Work, user_id: int) -> None:
    """The send limit, as the first statement of a transaction that writes a message: the row lock comes before
    any read, so on MariaDB (repeatable read: the snapshot is taken at the first plain read) the count sees every
    message committed by the user's other tabs before the lock was granted."""
    check_send_limit(work.db, user_id=user_id, now=clock.now())


def _send_text(work: Work, user_id: int, conversation_id: int, body: str, reply_to_id: int | None) -> MessageView:
    limit_sends(work, user_id)
    access = access_conversation(work.db, user_id, conversation_id, write=True)
    return store_message(work, access, kind='text', body=body, reply_to_id=reply_to_id)


async def send_text(
    actor: SessionInfo, *, conversation_id: int, text: str, reply_to_id: int | None = None
) -> MessageView | None:
    """Store a text message (``reply_to_id``: quoting a message of the same conversation), then publish it to the
    conversation's members; returns None for empty text."""
    body = normalize_text(text)
    if body is None:
        return None
    return await transact(_send_text, actor.user_id, conversation_id, body, reply_to_id)


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


def mark_read_in(work: Work, user_id: int, conversation_id: int, message_id: int) -> bool:
    """Inside a unit of work: move the member's read mark (never past the newest message); whether it moved."""
    access = access_conversation(work.db, user_id, conversation_id)
    newest = min(message_id, access.conversation.last_message_id)  # never past the newest
    moved = conversation_queries.mark_read(work.db, conversation_id=conversation_id, user_id=user_id, message_id=newest)
    if moved:
        event = ReadMarked(conversation_id=conversation_id, user_id=user_id, message_id=newest)
        work.emit(event, [user_topic(user_id)])
        receipts.share_read(work, access, newest)
    return moved


async def mark_read(actor: SessionInfo, *, conversation_id: int, message_id: int) -> bool:
    """The actor has seen the conversation up to ``message_id``: every tab of theirs clears its unread count."""
    return await transact(mark_read_in, actor.user_id, conversation_id, message_id)


def _search(db: Session, user_id: int, conversation_id: int, keyword: str) -> SearchResult:
    access_conversation(db, user_id, conversation_id)
    count, newest = search_index.count_and_newest(
        db, conversation_id=conversation_id, keyword=keyword, limit=SEARCH_SHOWN
    )
    shown = message_queries.by_ids(db, ids=newest)
    return SearchResult(keyword=keyword, count=count, messages=message_views(db, shown))


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
