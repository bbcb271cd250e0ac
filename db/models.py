"""SQLModel tables. Times are naive UTC; every string column has a maximum length."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlmodel import Field, SQLModel

MYSQL_TABLE_ARGS = {'mysql_charset': 'utf8mb4', 'mysql_collate': 'utf8mb4_unicode_ci'}
Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')
BinaryKey = sa.String(128).with_variant(mysql.VARCHAR(128, collation='utf8mb4_bin'), 'mysql', 'mariadb')
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

USERNAME_MAX = 32
DISPLAY_NAME_MAX = 32
ANNOUNCEMENT_MAX = 500
MESSAGE_MAX = 5000


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


ADMIN_SLOT = 'CASE WHEN is_admin = 1 THEN 1 END'


class User(SQLModel, table=True):
    """An account. ``admin_slot`` is computed by the database (1 for the admin, NULL for everyone else) and unique:
    the database itself refuses a second admin, however many set-ups race (migration 0004)."""

    __tablename__ = 'users'
    __table_args__ = (sa.Index('ux_users_admin_slot', 'admin_slot', unique=True), MYSQL_TABLE_ARGS)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=USERNAME_MAX)
    name_key: str = Field(sa_column=sa.Column(BinaryKey, nullable=False, unique=True))
    password_hash: str = Field(max_length=255)
    is_admin: bool = Field(default=False)
    admin_slot: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.Computed(ADMIN_SLOT), nullable=True)
    )
    is_muted: bool = Field(default=False)
    is_banned: bool = Field(default=False, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    last_login_at: datetime | None = Field(default=None, sa_type=Timestamp)
    last_login_ip: str | None = Field(default=None, max_length=45)
    last_login_device: str | None = Field(default=None, max_length=255)
    read_receipts: bool = Field(default=True, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.true()))
    # profiles (migration 0008): NULL display name = the login name is shown
    display_name: str | None = Field(default=None, max_length=DISPLAY_NAME_MAX)
    must_change_password: bool = Field(default=False, sa_column_kwargs={'server_default': sa.false()})
    dismissed_announcement_id: int | None = Field(default=None)
    avatar_key: str | None = Field(default=None, max_length=36)  # a stored file of purpose 'avatar'

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


class UserSession(SQLModel, table=True):
    """A server-side login session; the browser holds only the random token, the DB its SHA-256."""

    __tablename__ = 'user_sessions'
    __table_args__ = MYSQL_TABLE_ARGS

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key='users.id', index=True, ondelete='CASCADE')
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    expires_at: datetime = Field(sa_type=Timestamp)
    revoked_at: datetime | None = Field(default=None, sa_type=Timestamp)
    revoke_reason: str | None = Field(default=None, max_length=16)
    ip: str | None = Field(default=None, max_length=45)
    user_agent: str | None = Field(default=None, max_length=255)


class LoginThrottle(SQLModel, table=True):
    """Failed-login count per submitted name (existing or not, so nothing reveals which names exist)."""

    __tablename__ = 'login_throttles'
    __table_args__ = MYSQL_TABLE_ARGS

    name_key: str = Field(sa_column=sa.Column(BinaryKey, primary_key=True))
    failures: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_type=Timestamp)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)


CONVERSATION_TITLE_MAX = 64
ROOM_MEMBERS_MAX = 500


class Conversation(SQLModel, table=True):
    """A direct conversation of two people (found by the unique pair ``direct_lo < direct_hi``) or a room."""

    __tablename__ = 'conversations'
    __table_args__ = (
        sa.UniqueConstraint('direct_lo', 'direct_hi', name='uq_conversations_direct'),
        sa.Index('ix_conversations_lobby', 'kind', 'visibility', 'title_key'),
        sa.Index('uq_conversations_title', 'title_key', unique=True),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    kind: str = Field(max_length=8)
    title: str | None = Field(default=None, max_length=CONVERSATION_TITLE_MAX)
    title_key: str | None = Field(default=None, sa_column=sa.Column(BinaryKey, nullable=True))
    visibility: str = Field(default='private', max_length=8)
    owner_id: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    direct_lo: int | None = Field(default=None, foreign_key='users.id', ondelete='CASCADE')
    direct_hi: int | None = Field(default=None, foreign_key='users.id', ondelete='CASCADE')
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    last_message_id: int = Field(default=0, sa_type=sa.BigInteger)
    revision: int = Field(default=0)


class ConversationMember(SQLModel, table=True):
    """A person in a conversation: their role and how far they have read."""

    __tablename__ = 'conversation_members'
    __table_args__ = (sa.Index('ix_members_user', 'user_id', 'conversation_id'), MYSQL_TABLE_ARGS)

    conversation_id: int = Field(
        sa_column=sa.Column(BigId, sa.ForeignKey('conversations.id', ondelete='CASCADE'), primary_key=True)
    )
    user_id: int = Field(foreign_key='users.id', primary_key=True, ondelete='CASCADE')
    role: str = Field(default='member', max_length=8)
    joined_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    last_read_id: int = Field(default=0, sa_type=sa.BigInteger)


class Message(SQLModel, table=True):
    """One message of a conversation; ids only grow (AUTOINCREMENT on SQLite), so a page catches up by id.

    On MySQL/MariaDB the migration clusters the rows by ``(conversation_id, id)``: a conversation is one range.
    """

    __tablename__ = 'messages'
    __table_args__ = (
        sa.Index('ix_messages_conversation', 'conversation_id', 'id'),
        sa.Index('ix_messages_sender', 'sender_id', 'id'),
        sa.Index('ix_messages_file_key', 'file_key'),
        sa.Index('ix_messages_reply_to', 'reply_to_id'),
        {**MYSQL_TABLE_ARGS, 'sqlite_autoincrement': True},
    )

    id: int | None = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    conversation_id: int = Field(
        sa_column=sa.Column(BigId, sa.ForeignKey('conversations.id', ondelete='CASCADE'), nullable=False)
    )
    sender_id: int = Field(foreign_key='users.id', ondelete='CASCADE')
    kind: str = Field(default='text', max_length=8)
    body: str | None = Field(default=None, sa_type=sa.Text)
    file_key: str | None = Field(default=None, max_length=36)
    file_name: str | None = Field(default=None, max_length=255)
    file_mime: str | None = Field(default=None, max_length=64)
    file_size: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    edited_at: datetime | None = Field(default=None, sa_type=Timestamp)
    recalled_at: datetime | None = Field(default=None, sa_type=Timestamp)
    recalled_by: int | None = Field(default=None)
    reply_to_id: int | None = Field(default=None, sa_type=sa.BigInteger)


class MessageEdit(SQLModel, table=True):
    """An earlier text of a message, for the admin's records only: replaced by an edit (``action='edit'``) or
    withdrawn by a recall (``'recall'``) or the admin's removal (``'remove'``) at ``edited_at``."""

    __tablename__ = 'message_edits'
    __table_args__ = (sa.Index('ix_message_edits_message', 'message_id', 'id'), MYSQL_TABLE_ARGS)

    id: int | None = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    message_id: int = Field(
        sa_column=sa.Column(sa.BigInteger, sa.ForeignKey('messages.id', ondelete='CASCADE'), nullable=False)
    )
    body: str | None = Field(default=None, sa_type=sa.Text)
    action: str = Field(max_length=8)
    edited_at: datetime = Field(sa_type=Timestamp)


class AdminAction(SQLModel, table=True):
    """The audit log: which admin did what to whom (a user or a room, whose title is kept in ``detail``), when."""

    __tablename__ = 'admin_actions'
    __table_args__ = MYSQL_TABLE_ARGS

    id: int | None = Field(default=None, primary_key=True)
    admin_id: int = Field(foreign_key='users.id', ondelete='CASCADE')
    action: str = Field(max_length=16)
    target_id: int | None = Field(default=None, foreign_key='users.id', ondelete='CASCADE')
    target_conversation_id: int | None = Field(
        default=None, sa_column=sa.Column(BigId, sa.ForeignKey('conversations.id', ondelete='SET NULL'), nullable=True)
    )
    detail: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, index=True)


FoldedText = sa.Text().with_variant(mysql.MEDIUMTEXT(collation='utf8mb4_bin'), 'mysql', 'mariadb')


class MessageText(SQLModel, table=True):
    """The search index (``db.search_text``): a text message's folded body, clustered by conversation. On SQLite
    the FTS5 table ``message_search`` (migration 0010, kept equal by triggers) indexes ``folded`` by trigrams."""

    __tablename__ = 'message_texts'
    __table_args__ = {**MYSQL_TABLE_ARGS, 'sqlite_with_rowid': False}

    conversation_id: int = Field(sa_column=sa.Column(BigId, primary_key=True, autoincrement=False))
    message_id: int = Field(
        sa_column=sa.Column(
            BigId, sa.ForeignKey('messages.id', ondelete='CASCADE'), primary_key=True, autoincrement=False
        )
    )
    folded: str = Field(sa_column=sa.Column(FoldedText, nullable=False))


class MessageMention(SQLModel, table=True):
    """A person mentioned (``@name``) in a room message; the sidebar counts a member's unread ones per room through
    ``ix_mentions_user`` (migration 0007)."""

    __tablename__ = 'message_mentions'
    __table_args__ = (sa.Index('ix_mentions_user', 'user_id', 'conversation_id', 'message_id'), MYSQL_TABLE_ARGS)

    message_id: int = Field(
        sa_column=sa.Column(BigId, sa.ForeignKey('messages.id', ondelete='CASCADE'), primary_key=True)
    )
    user_id: int = Field(foreign_key='users.id', primary_key=True, ondelete='CASCADE')
    conversation_id: int = Field(
        sa_column=sa.Column(BigId, sa.ForeignKey('conversations.id', ondelete='CASCADE'), nullable=False)
    )


class Announcement(SQLModel, table=True):
    """An admin's notice to every signed-in user; the newest one not withdrawn is the current one."""

    __tablename__ = 'announcements'
    __table_args__ = MYSQL_TABLE_ARGS

    id: int | None = Field(default=None, primary_key=True)
    body: str = Field(max_length=ANNOUNCEMENT_MAX)
    admin_id: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    withdrawn_at: datetime | None = Field(default=None, sa_type=Timestamp)


FILE_PURPOSES = ('attachment', 'avatar', 'export')


class StoredFile(SQLModel, table=True):
    """A file under ``UPLOAD_DIR`` (named by its UUID ``key``): whose it is and what it is for. The purpose decides
    who may fetch it: an attachment its conversation's members and the admin, an avatar any signed-in user, an
    export its owner only (until ``expires_at``)."""

    __tablename__ = 'stored_files'
    __table_args__ = (sa.Index('ix_stored_files_owner', 'owner_id', 'purpose'), MYSQL_TABLE_ARGS)

    key: str = Field(primary_key=True, max_length=36)
    owner_id: int = Field(foreign_key='users.id', ondelete='CASCADE')
    purpose: str = Field(max_length=12)
    conversation_id: int | None = Field(
        default=None, sa_column=sa.Column(BigId, sa.ForeignKey('conversations.id', ondelete='CASCADE'), nullable=True)
    )
    mime: str = Field(max_length=64)
    name: str = Field(max_length=255)
    size: int = Field(sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    expires_at: datetime | None = Field(default=None, sa_type=Timestamp)
