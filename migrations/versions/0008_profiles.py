"""profiles: display names, avatars, forced password changes, admin announcements and who dismissed them, and a
record per stored file (owner and purpose; the existing attachments are recorded from their messages)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql')


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy: SQLite cannot copy the computed admin_slot column)
    op.add_column('users', sa.Column('display_name', sa.String(length=32), nullable=True))
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('users', sa.Column('dismissed_announcement_id', sa.Integer(), nullable=True))
    op.add_column('users', sa.Column('avatar_key', sa.String(length=36), nullable=True))
    op.create_table(
        'stored_files',
        sa.Column('key', sa.String(length=36), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=12), nullable=False),
        sa.Column('conversation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('mime', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('created_at', TIMESTAMP, nullable=False),
        sa.Column('expires_at', TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key'),
        mysql_charset='utf8mb4',
        mysql_collate='utf8mb4_unicode_ci',
    )
    op.create_index('ix_stored_files_owner', 'stored_files', ['owner_id', 'purpose'])
    op.execute(
        "INSERT INTO stored_files (`key`, owner_id, purpose, conversation_id, mime, name, size, created_at) "
        "SELECT file_key, sender_id, 'attachment', conversation_id, COALESCE(file_mime, 'application/octet-stream'), "
        "COALESCE(file_name, ''), COALESCE(file_size, 0), created_at FROM messages WHERE file_key IS NOT NULL"
    )
    op.create_table(
        'announcements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('body', sa.String(length=500), nullable=False),
        sa.Column('admin_id', sa.Integer(), nullable=True),
        sa.Column('created_at', TIMESTAMP, nullable=False),
        sa.Column('withdrawn_at', TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(['admin_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        mysql_charset='utf8mb4',
        mysql_collate='utf8mb4_unicode_ci',
    )


def downgrade() -> None:
    op.drop_index('ix_stored_files_owner', table_name='stored_files')
    op.drop_table('stored_files')
    op.drop_column('users', 'avatar_key')
    op.drop_table('announcements')
    for column in ('dismissed_announcement_id', 'must_change_password', 'display_name'):
        op.drop_column('users', column)
