"""conversations: direct chats and rooms as one table; messages belong to a conversation

Every existing pair (user_lo, user_hi) becomes a direct conversation with both people as members, read up to its
newest message (unread counts were kept only in open pages before). The messages table is rebuilt with the same
ids, in the same order: on MySQL/MariaDB clustered by (conversation_id, id), so that a conversation is one range of
the primary key; on SQLite with AUTOINCREMENT, so that ids never go back after the newest messages are deleted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql')
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
BINARY_KEY = sa.String(128).with_variant(mysql.VARCHAR(128, collation='utf8mb4_bin'), 'mysql', 'mariadb')
TABLE_ARGS = {'mysql_charset': 'utf8mb4', 'mysql_collate': 'utf8mb4_unicode_ci'}


def upgrade() -> None:
    is_mysql = op.get_bind().dialect.name in {'mysql', 'mariadb'}
    op.create_table(
        'conversations',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('title_key', BINARY_KEY, nullable=True),
        sa.Column('visibility', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('direct_lo', sa.Integer(), nullable=True),
        sa.Column('direct_hi', sa.Integer(), nullable=True),
        sa.Column('created_at', TIMESTAMP, nullable=False),
        sa.Column('last_message_id', sa.BigInteger(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name='fk_conversations_owner', ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['direct_lo'], ['users.id'], name='fk_conversations_lo', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['direct_hi'], ['users.id'], name='fk_conversations_hi', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('direct_lo', 'direct_hi', name='uq_conversations_direct'),
        **TABLE_ARGS,
    )
    op.create_index('ix_conversations_lobby', 'conversations', ['kind', 'visibility', 'title_key'])
    op.create_index('uq_conversations_title', 'conversations', ['title_key'], unique=True)
    op.create_table(
        'conversation_members',
        sa.Column('conversation_id', BIG_ID, nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('joined_at', TIMESTAMP, nullable=False),
        sa.Column('last_read_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ['conversation_id'], ['conversations.id'], name='fk_members_conversation', ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_members_user', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('conversation_id', 'user_id'),
        **TABLE_ARGS,
    )
    op.create_index('ix_members_user', 'conversation_members', ['user_id', 'conversation_id'])

    op.execute(
        "INSERT INTO conversations (kind, visibility, direct_lo, direct_hi, created_at, last_message_id, revision) "
        "SELECT 'direct', 'private', user_lo, user_hi, MIN(created_at), MAX(id), 0 FROM messages "
        'GROUP BY user_lo, user_hi ORDER BY MIN(id)'
    )
    for column in ('direct_lo', 'direct_hi'):
        op.execute(
            'INSERT INTO conversation_members (conversation_id, user_id, role, joined_at, last_read_id) '
            f"SELECT id, {column}, 'member', created_at, last_message_id FROM conversations WHERE kind = 'direct'"
        )

    primary_key = ['conversation_id', 'id'] if is_mysql else ['id']
    op.create_table(
        'messages_new',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('conversation_id', BIG_ID, nullable=False),
        sa.Column('sender_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('file_key', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column('file_mime', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('file_size', sa.BigInteger(), nullable=True),
        sa.Column('created_at', TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ['conversation_id'], ['conversations.id'], name='fk_messages_conversation', ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name='fk_messages_sender', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint(*primary_key),
        *([sa.UniqueConstraint('id', name='uq_messages_id')] if is_mysql else []),
        sqlite_autoincrement=True,
        **TABLE_ARGS,
    )
    op.execute(
        'INSERT INTO messages_new (id, conversation_id, sender_id, kind, body, file_key, file_name, file_mime, '
        'file_size, created_at) '
        'SELECT m.id, c.id, m.sender_id, m.kind, m.body, m.file_key, m.file_name, m.file_mime, m.file_size, '
        'm.created_at FROM messages m JOIN conversations c ON c.direct_lo = m.user_lo AND c.direct_hi = m.user_hi '
        'ORDER BY m.id'
    )
    op.drop_table('messages')
    op.rename_table('messages_new', 'messages')
    if not is_mysql:  # on MySQL the clustered primary key is this index
        op.create_index('ix_messages_conversation', 'messages', ['conversation_id', 'id'])
    op.create_index('ix_messages_sender', 'messages', ['sender_id', 'id'])
    op.create_index('ix_messages_file_key', 'messages', ['file_key'])

    with op.batch_alter_table('admin_actions', schema=None) as batch_op:
        batch_op.alter_column('target_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('target_conversation_id', BIG_ID, nullable=True))
        batch_op.add_column(sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.create_foreign_key(
            'fk_admin_actions_conversation', 'conversations', ['target_conversation_id'], ['id'], ondelete='SET NULL'
        )


def downgrade() -> None:
    raise NotImplementedError('rooms cannot be represented in the one-to-one schema of 0004; restore a backup')
