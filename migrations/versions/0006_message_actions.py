"""message actions: edited/recalled state, replies and the edit history

``messages`` gains ``edited_at``, ``recalled_at``, ``recalled_by`` (the sender, or the site admin who removed it) and
``reply_to_id`` (a message of the same conversation; checked by the service). All four are nullable columns added in
place (``ALTER TABLE ADD COLUMN``: no table rebuild on SQLite, so no cascade can fire and existing rows stay as they
are). ``message_edits`` keeps every earlier text of a message with the time it was replaced (an edit) or withdrawn
(a recall or an admin's removal), for the admin's records only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql')
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TABLE_ARGS = {'mysql_charset': 'utf8mb4', 'mysql_collate': 'utf8mb4_unicode_ci'}


def upgrade() -> None:
    op.add_column('messages', sa.Column('edited_at', TIMESTAMP, nullable=True))
    op.add_column('messages', sa.Column('recalled_at', TIMESTAMP, nullable=True))
    op.add_column('messages', sa.Column('recalled_by', sa.Integer(), nullable=True))
    op.add_column('messages', sa.Column('reply_to_id', sa.BigInteger(), nullable=True))
    op.create_index('ix_messages_reply_to', 'messages', ['reply_to_id'])
    op.create_table(
        'message_edits',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('message_id', sa.BigInteger(), nullable=False),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('action', sa.String(length=8), nullable=False),
        sa.Column('edited_at', TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name='fk_message_edits_message', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        **TABLE_ARGS,
    )
    op.create_index('ix_message_edits_message', 'message_edits', ['message_id', 'id'])


def downgrade() -> None:
    op.drop_table('message_edits')  # its index goes with it (MariaDB keeps it while the foreign key needs it)
    op.drop_index('ix_messages_reply_to', table_name='messages')
    for column in ('reply_to_id', 'recalled_by', 'recalled_at', 'edited_at'):
        op.drop_column('messages', column)
