"""search index: every text message's folded body, clustered by conversation (and FTS5 trigrams on SQLite)

``message_texts (conversation_id, message_id, folded)`` with the primary key ``(conversation_id, message_id)``
(``WITHOUT ROWID`` on SQLite, InnoDB's clustered key on MariaDB, ``utf8mb4_bin`` so comparisons are by code point);
rows are deleted with their message (``ON DELETE CASCADE``). On SQLite the contentless FTS5 table
``message_search`` (``trigram``, case-sensitive: its input is already folded) holds the same texts by
``rowid = message_id``, kept equal by three triggers. Existing text messages are folded in Python (the folding rule
is ``db.search_text.fold``) and indexed in batches.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 17:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from db.search_text import fold

revision: str = '0010'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
FOLDED = sa.Text().with_variant(mysql.MEDIUMTEXT(collation='utf8mb4_bin'), 'mysql', 'mariadb')
BATCH = 5_000

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE message_search USING fts5(folded, content='', tokenize='trigram case_sensitive 1')",
    'CREATE TRIGGER message_texts_ai AFTER INSERT ON message_texts BEGIN '
    'INSERT INTO message_search (rowid, folded) VALUES (new.message_id, new.folded); END',
    'CREATE TRIGGER message_texts_ad AFTER DELETE ON message_texts BEGIN '
    "INSERT INTO message_search (message_search, rowid, folded) VALUES ('delete', old.message_id, old.folded); END",
    'CREATE TRIGGER message_texts_au AFTER UPDATE ON message_texts BEGIN '
    "INSERT INTO message_search (message_search, rowid, folded) VALUES ('delete', old.message_id, old.folded); "
    'INSERT INTO message_search (rowid, folded) VALUES (new.message_id, new.folded); END',
]


def upgrade() -> None:
    connection = op.get_bind()
    is_sqlite = connection.dialect.name == 'sqlite'
    op.create_table(
        'message_texts',
        sa.Column('conversation_id', BIG_ID, autoincrement=False, nullable=False),
        sa.Column('message_id', BIG_ID, autoincrement=False, nullable=False),
        sa.Column('folded', FOLDED, nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name='fk_message_texts_message', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('conversation_id', 'message_id'),
        sqlite_with_rowid=False,
        mysql_charset='utf8mb4',
        mysql_collate='utf8mb4_unicode_ci',
    )
    if is_sqlite:
        for statement in SQLITE_FTS:
            op.execute(statement)
    insert = sa.text('INSERT INTO message_texts (conversation_id, message_id, folded) VALUES (:c, :m, :f)')
    after = 0
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT id, conversation_id, body FROM messages WHERE id > :after AND kind = 'text' "
                'AND body IS NOT NULL ORDER BY id LIMIT :batch'
            ),
            {'after': after, 'batch': BATCH},
        ).all()
        if not rows:
            break
        values = [{'c': c, 'm': m, 'f': fold(body)} for m, c, body in rows if body]
        if values:
            connection.execute(insert, values)
        after = rows[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('message_texts_ai', 'message_texts_ad', 'message_texts_au'):
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        op.execute('DROP TABLE IF EXISTS message_search')
    op.drop_table('message_texts')
