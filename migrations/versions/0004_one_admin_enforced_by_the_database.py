"""one admin, enforced by the database

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:00:00.000000

``users.admin_slot`` is a generated column (1 on the admin's row, NULL elsewhere) under a unique index, so a second
admin is refused by the database whatever the application does. A generated VIRTUAL column is the one kind both
SQLite (``ALTER TABLE ADD COLUMN``, no table rebuild, so no ``ON DELETE CASCADE`` can fire) and MariaDB add in
place. It fills itself for the existing admin; admins beyond the first (left by the old check-then-insert race) are
made normal users first, keeping the oldest.
"""
import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADMIN_SLOT = 'CASE WHEN is_admin = 1 THEN 1 END'
log = logging.getLogger('alembic.runtime.migration')


def upgrade() -> None:
    connection = op.get_bind()
    keep = connection.execute(sa.text('SELECT MIN(id) FROM users WHERE is_admin = 1')).scalar()
    if keep is not None:
        extra = connection.execute(
            sa.text('UPDATE users SET is_admin = 0 WHERE is_admin = 1 AND id <> :keep'), {'keep': keep}
        ).rowcount
        if extra:
            log.warning('0004: %d extra admin account(s) made normal users; the admin is user id %d', extra, keep)
    op.add_column('users', sa.Column('admin_slot', sa.Integer(), sa.Computed(ADMIN_SLOT), nullable=True))
    op.create_index('ux_users_admin_slot', 'users', ['admin_slot'], unique=True)


def downgrade() -> None:
    op.drop_index('ux_users_admin_slot', table_name='users')
    op.drop_column('users', 'admin_slot')
