"""reports.sentence_digests: each version's prose sentences, digested once when it is archived

The repeated-text comparison (this year's sentences found in last year's report) split the texts of
every report of a region on each question.  Each version now keeps 8 bytes per sentence
(storage.sentences.sentence_digests); this migration fills them in for the reports already archived.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 21:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.sentences import sentence_digests

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 500

reports = sa.table("reports", sa.column("id", sa.Integer), sa.column("text", sa.Text),
                   sa.column("sentence_digests", sa.LargeBinary))


def upgrade() -> None:
    op.add_column("reports", sa.Column("sentence_digests", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(reports.c.id, reports.c.text)
            .where(reports.c.id > last, reports.c.text.is_not(None)).order_by(reports.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            reports.update().where(reports.c.id == sa.bindparam("rid"))
            .values(sentence_digests=sa.bindparam("digests")),
            [{"rid": rid, "digests": sentence_digests(text)} for rid, text in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+): batch mode would copy the reports table, and dropping the old
    # copy would cascade to every cell
    op.drop_column("reports", "sentence_digests")
