"""mentions and read receipts: users.read_receipts (default on) and message_mentions

``message_mentions`` holds one row per person mentioned in a room message; ``conversation_id`` is kept on the row so
that the sidebar counts a member's unread mentions of one room with an index range, like its unread count.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TABLE_ARGS = {'mysql_charset': 'utf8mb4', 'mysql_collate': 'utf8mb4_unicode_ci'}


def upgrade() -> None:
    # a plain ADD COLUMN (a batch copy of users would try to write its generated admin_slot column on SQLite)
    op.add_column('users', sa.Column('read_receipts', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        'message_mentions',
        sa.Column('message_id', BIG_ID, nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name='fk_mentions_message', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_mentions_user', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['conversation_id'], ['conversations.id'], name='fk_mentions_conversation', ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('message_id', 'user_id'),
        **TABLE_ARGS,
    )
    op.create_index('ix_mentions_user', 'message_mentions', ['user_id', 'conversation_id', 'message_id'])


def downgrade() -> None:
    op.drop_table('message_mentions')  # with its index (MySQL keeps it for the user foreign key until then)
    op.drop_column('users', 'read_receipts')
