"""Conversations: send (check, then write, then publish), load windows, search, clear."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from chat_ui.core.errors import ChatError
from chat_ui.core.worker import off_loop
from chat_ui.live.hub import HistoryCleared, MessageCreated, MessageView, hub
from chat_ui.live.presence import presence
from chat_ui.services.file_store import delete_stored
from chat_ui.services.rules.usernames import username_key
from chat_ui.services.search_index import search_index
from db import messages as message_queries
from db import users as user_queries
from db.engine import session_scope
from db.models import MESSAGE_MAX, Message, User

WINDOW = 50
CONTACTS_SHOWN = 50
SEARCH_SHOWN = 200
KEYWORD_MAX = 100


@dataclass(frozen=True, slots=True)
class ContactView:
    user_id: int
    username: str
    online: bool
    last_message_id: int


@dataclass(frozen=True, slots=True)
class SearchResult:
    keyword: str
    count: int
    messages: list[MessageView]


def to_view(message: Message) -> MessageView:
    assert message.id is not None
    recipient = message.user_hi if message.sender_id == message.user_lo else message.user_lo
    return MessageView(
        id=message.id,
        sender_id=message.sender_id,
        recipient_id=recipient,
        kind=message.kind,
        body=message.body,
        file_key=message.file_key,
        file_name=message.file_name,
        file_mime=message.file_mime,
        file_size=message.file_size,
        created_at=message.created_at,
    )


def check_peer(db: Session, *, user_id: int, peer_id: int) -> None:
    """The peer must be another existing chat user who is not banned."""
    peer = user_queries.get_user(db, user_id=peer_id)
    if peer is None or peer_id == user_id or peer.is_banned or peer.is_admin:
        raise ChatError('peer_unavailable')


def check_sender(db: Session, *, sender_id: int, peer_id: int) -> None:
    """The sender must exist, not be muted or banned, and write to an available peer."""
    sender = user_queries.get_user(db, user_id=sender_id)
    if sender is None or sender.is_banned:
        raise ChatError('peer_unavailable')
    if sender.is_muted:
        raise ChatError('muted')
    check_peer(db, user_id=sender_id, peer_id=peer_id)


def normalize_text(text: str) -> str | None:
    """The text to send, or None when there is nothing to send; too long raises."""
    if not text or not text.strip():
        return None
    if len(text) > MESSAGE_MAX:
        raise ChatError('message_too_long', max=MESSAGE_MAX)
    return text.strip('\n\r ')


def publish_message(view: MessageView) -> None:
    """Push a stored message to both people's open pages (the sender's other tabs included)."""
    event = MessageCreated(message=view)
    hub.publish(view.sender_id, event)
    if view.recipient_id != view.sender_id:
        hub.publish(view.recipient_id, event)


def _store_text(sender_id: int, peer_id: int, text: str) -> MessageView:
    with session_scope() as db:
        check_sender(db, sender_id=sender_id, peer_id=peer_id)
        message = message_queries.add_message(db, sender_id=sender_id, recipient_id=peer_id, body=text)
        return to_view(message)


async def send_text(*, sender_id: int, peer_id: int, text: str) -> MessageView | None:
    """Store a text message, then publish it; returns None for empty text."""
    body = normalize_text(text)
    if body is None:
        return None
    view = await off_loop(_store_text, sender_id, peer_id, body)
    publish_message(view)
    return view


def _load_window(user_id: int, peer_id: int, before_id: int | None, limit: int) -> list[MessageView]:
    with session_scope() as db:
        check_peer(db, user_id=user_id, peer_id=peer_id)
        rows = message_queries.window(db, user_a=user_id, user_b=peer_id, limit=limit, before_id=before_id)
        return [to_view(m) for m in rows]


async def load_window(
    *, user_id: int, peer_id: int, before_id: int | None = None, limit: int = WINDOW
) -> list[MessageView]:
    """A page of the conversation, oldest first: the newest ``limit`` messages, or those before ``before_id``."""
    return await off_loop(_load_window, user_id, peer_id, before_id, limit)


def _search(user_id: int, peer_id: int, keyword: str) -> SearchResult:
    with session_scope() as db:
        check_peer(db, user_id=user_id, peer_id=peer_id)
        candidates = search_index.candidates(db, user_a=user_id, user_b=peer_id, keyword=keyword)
        shown = message_queries.by_ids(db, ids=candidates[:SEARCH_SHOWN])
        return SearchResult(keyword=keyword, count=len(candidates), messages=[to_view(m) for m in shown])


async def search(*, user_id: int, peer_id: int, keyword: str) -> SearchResult | None:
    """Text messages of the conversation containing ``keyword`` (case-insensitive, literal), newest first."""
    keyword = keyword.strip()
    if not keyword:
        return None
    if len(keyword) > KEYWORD_MAX:
        raise ChatError('keyword_too_long', max=KEYWORD_MAX)
    return await off_loop(_search, user_id, peer_id, keyword)


def _clear(user_id: int, peer_id: int) -> None:
    with session_scope() as db:
        check_peer(db, user_id=user_id, peer_id=peer_id)
        file_keys = message_queries.delete_conversation(db, user_a=user_id, user_b=peer_id)
    search_index.forget(user_a=user_id, user_b=peer_id)
    delete_stored(file_keys)


async def clear_history(*, user_id: int, peer_id: int) -> None:
    """Delete the whole conversation and its files for both people; tell both people's open pages."""
    await off_loop(_clear, user_id, peer_id)
    event = HistoryCleared(user_a=user_id, user_b=peer_id, by_user_id=user_id)
    hub.publish(user_id, event)
    hub.publish(peer_id, event)


def _contact_view(user: User, latest: dict[int, int]) -> ContactView:
    assert user.id is not None
    return ContactView(
        user_id=user.id,
        username=user.username,
        online=presence.is_online(user.id),
        last_message_id=latest.get(user.id, 0),
    )


def _contacts(user_id: int, name_filter: str, limit: int) -> list[ContactView]:
    with session_scope() as db:
        latest = message_queries.last_message_ids(db, user_id=user_id)
        if name_filter:
            users = list(user_queries.list_contacts(db, exclude_user_id=user_id, limit=limit, name_filter=name_filter))
        else:
            recent = sorted(latest, key=latest.__getitem__, reverse=True)[:limit]
            users = list(user_queries.list_contacts(db, exclude_user_id=user_id, limit=limit, only_ids=recent))
            if len(users) < limit:
                others = user_queries.list_contacts(db, exclude_user_id=user_id, limit=limit + len(users))
                users += [u for u in others if u.id not in latest][: limit - len(users)]
    contacts = [_contact_view(u, latest) for u in users]
    return sorted(contacts, key=lambda c: (-c.last_message_id, c.username.casefold()))


async def list_contacts(*, user_id: int, name_filter: str = '', limit: int | None = None) -> list[ContactView]:
    """Up to ``limit`` people the user can chat with: newest conversation first, then by name; or, with a
    filter, those whose name key (NFKC, case-folded, like the key names are unique by) contains the filter's."""
    name_key = username_key(name_filter[:KEYWORD_MAX])
    return await off_loop(_contacts, user_id, name_key, limit or CONTACTS_SHOWN)


def _contact(user_id: int, peer_id: int) -> ContactView | None:
    with session_scope() as db:
        found = user_queries.list_contacts(db, exclude_user_id=user_id, limit=1, only_ids=[peer_id])
        return _contact_view(found[0], {}) if found else None


async def get_contact(*, user_id: int, peer_id: int) -> ContactView | None:
    """One person as a contact of ``user_id`` (None if banned, an admin or unknown)."""
    return await off_loop(_contact, user_id, peer_id)
