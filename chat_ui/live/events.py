"""Every live event as one typed union, with a JSON wire form.

Events are plain data sent after the commit to the topics that need them (a user's pages, the pages that watch
someone's presence, everyone). The in-process bus sends every event through ``encode``/``decode`` too, so an event
that cannot cross a process boundary fails in every test, not only with Redis.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import datetime
from functools import cache
from typing import Any, Union

from chat_ui.core.views import Attachment, MessageView, ReplyQuote


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SessionEnded:
    """A login session was revoked (logout, newer login, ban, expiry): its pages leave."""

    session_id: int
    reason: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PresenceChanged:
    user_id: int
    online: bool


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ContactChanged:
    """Someone joined the directory (registered, unbanned) or left it (banned)."""

    user_id: int
    username: str
    visible: bool


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MuteChanged:
    user_id: int
    muted: bool


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MessageCreated:
    message: MessageView


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class HistoryCleared:
    conversation_id: int
    by_user_id: int


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ReadMarked:
    """A member has read the conversation up to ``message_id`` (in one of their tabs)."""

    conversation_id: int
    user_id: int
    message_id: int


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined:
    """Someone joined a room or was added to it (their own pages learn of the room from this too)."""

    conversation_id: int
    user_id: int
    username: str
    role: str
    title: str
    visibility: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MemberLeft:
    """Someone left a room, or was removed by ``by_user_id``."""

    conversation_id: int
    user_id: int
    username: str
    by_user_id: int | None
    title: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RoleChanged:
    conversation_id: int
    user_id: int
    role: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RoomRenamed:
    conversation_id: int
    title: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RoomDeleted:
    conversation_id: int
    title: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MessageEdited:
    """A message's text was replaced by its sender: ``message`` is the new view (with ``edited_at``)."""

    message: MessageView


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MessageRecalled:
    """A message was recalled by its sender or removed by the site admin: ``message`` is the view as it now
    shows (kind ``recalled``, no text, no file)."""

    message: MessageView


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TypingStarted:
    """A member is typing in a conversation (never stored; at most one per user and conversation every 3 s)."""

    conversation_id: int
    user_id: int
    username: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptMoved:
    """The peer of a direct conversation has read it up to ``message_id`` (only when both share read receipts)."""

    conversation_id: int
    reader_id: int
    message_id: int


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptsChanged:
    """A person switched read receipts on or off: their pages and their direct peers' pages redraw the marker."""

    user_id: int
    enabled: bool


# ---------------------------------------------------------------- profiles (issue 15)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ProfileChanged:
    """Someone's display name (``''`` = none, the login name shows) changed; sent to that person and to everyone
    who shares a conversation with them."""

    user_id: int
    username: str
    display_name: str
    avatar: str = ''  # the avatar's stored-file key, '' for initials


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AnnouncementChanged:
    """The admin's announcement was set or replaced (``announcement_id`` and ``body``) or withdrawn (both None)."""

    announcement_id: int | None
    body: str | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BusResumed:
    """Local only: this process's link to the other processes (Redis) is back after a gap; pages catch up from the
    database, since events of the gap may be lost."""

    down_seconds: float


LiveEvent = Union[  # noqa: UP007 - the runtime union is iterated by the codec
    SessionEnded,
    PresenceChanged,
    ContactChanged,
    MuteChanged,
    MessageCreated,
    HistoryCleared,
    ReadMarked,
    MemberJoined,
    MemberLeft,
    RoleChanged,
    RoomRenamed,
    RoomDeleted,
    MessageEdited,
    MessageRecalled,
    TypingStarted,
    ReceiptMoved,
    ReceiptsChanged,
    ProfileChanged,
    AnnouncementChanged,
    BusResumed,
]
EVENT_TYPES: dict[str, type] = {cls.__name__: cls for cls in typing.get_args(LiveEvent)}
NESTED: dict[type, type] = {MessageView: MessageView, Attachment: Attachment, ReplyQuote: ReplyQuote}


def encode(event: LiveEvent) -> str:
    """The event as one JSON text: ``{"t": <type name>, "d": <fields>}``."""
    return json.dumps({'t': type(event).__name__, 'd': _plain(event)}, ensure_ascii=False, separators=(',', ':'))


def decode(wire: str | bytes) -> LiveEvent:
    """The event back from its wire form; unknown types or fields raise ``ValueError``."""
    data = json.loads(wire)
    cls = EVENT_TYPES.get(str(data.get('t'))) if isinstance(data, dict) else None
    if cls is None:
        raise ValueError(f'unknown live event: {str(wire)[:80]!r}')
    return typing.cast(LiveEvent, _build(cls, data.get('d')))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


@cache
def _field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f'{cls.__name__}: fields expected')
    hints = _field_types(cls)
    if set(data) != set(hints):
        raise ValueError(f'{cls.__name__}: fields {sorted(data)} do not match {sorted(hints)}')
    return cls(**{name: _value(hints[name], value) for name, value in data.items()})


def _value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _value(options[0], value) if len(options) == 1 else value
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_value(item, v) for v in value]
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint in NESTED:
        return _build(hint, value)
    return value
