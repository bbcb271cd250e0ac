"""What pages, widgets and live events carry: frozen plain data, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DIRECT = 'direct'
ROOM = 'room'


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionInfo:
    """The signed-in user of a page."""

    session_id: int
    user_id: int
    username: str
    is_admin: bool
    is_muted: bool
    expires_at: datetime = datetime.max
    display_name: str = ''  # what others see; the login name when none was chosen
    must_change_password: bool = False  # after an admin's reset: every page leads to /profile's password form

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A stored picture or audio file of a message."""

    key: str
    name: str
    mime: str
    size: int


RECALLED = 'recalled'


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyQuote:
    """What a reply shows of the message it quotes: its sender and first line (``kind`` ``recalled`` once it was
    recalled or removed, then without text)."""

    message_id: int
    sender_name: str
    kind: str
    excerpt: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageView:
    """A message as pages show it. ``kind`` is ``recalled`` once the sender recalled it or the site admin removed
    it (``removed``); its text and file are then gone from the view."""

    id: int
    conversation_id: int
    sender_id: int
    sender_name: str  # the login name (hooks); ``sender_display`` is what people see
    kind: str
    body: str | None
    attachment: Attachment | None
    created_at: datetime
    edited_at: datetime | None = None
    removed: bool = False
    reply: ReplyQuote | None = None
    mentions: list[int] | None = None  # [start, end, user id, ...]: each @name of a room message, spans of ``body``
    sender_display: str = ''
    sender_avatar: str = ''

    @property
    def recalled(self) -> bool:
        return self.kind == RECALLED

    @property
    def sender_shown(self) -> str:
        return self.sender_display or self.sender_name


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationView:
    """A row of the sidebar and the header of an open conversation.

    ``id`` is None for someone you have not talked to yet (the directory part of the sidebar); the direct
    conversation is created when it is first opened.
    """

    id: int | None
    kind: str
    title: str
    peer_id: int | None = None
    visibility: str = 'private'
    role: str | None = None
    online: bool = False
    unread: int = 0
    last_message_id: int = 0
    mentions: int = 0  # unread messages that mention the user (rooms)
    avatar: str = ''  # a direct conversation's peer avatar key
    login: str = ''  # a direct conversation's peer login name (the row's hook); ``title`` is their display name

    @property
    def key(self) -> str:
        """Stable sidebar key: ``u<peer id>`` for a direct conversation, ``r<id>`` for a room."""
        return f'u{self.peer_id}' if self.kind == DIRECT else f'r{self.id}'

    @property
    def is_room(self) -> bool:
        return self.kind == ROOM


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberView:
    user_id: int
    username: str
    role: str
    online: bool
    display_name: str = ''
    avatar: str = ''

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomSummary:
    """A public room as the lobby lists it."""

    conversation_id: int
    title: str
    members: int
    online: int
    joined: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResult:
    keyword: str
    count: int
    messages: list[MessageView]


@dataclass(frozen=True, slots=True, kw_only=True)
class AroundWindow:
    """The messages around one message (oldest first) and whether older / newer ones exist beyond them."""

    message_id: int
    messages: list[MessageView]
    more_older: bool
    more_newer: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchGroup:
    """The matches of one conversation in a search across all of a user's conversations, newest first."""

    conversation_id: int
    kind: str
    title: str
    count: int
    messages: list[MessageView]


@dataclass(frozen=True, slots=True, kw_only=True)
class GlobalSearchResult:
    keyword: str
    count: int
    groups: list[SearchGroup]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileView:
    """A person as others see them."""

    user_id: int
    username: str
    display_name: str
    avatar: str = ''  # stored-file key of the avatar, '' for initials


@dataclass(frozen=True, slots=True, kw_only=True)
class AnnouncementView:
    id: int
    body: str
    created_at: datetime
