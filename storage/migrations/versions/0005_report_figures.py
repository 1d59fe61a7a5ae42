"""reports.figures: the values of a report's figure cells on its own row

Region lists (each report's key figures, the region's sums) and rankings read a handful of cells of
every report of a region or a year; looked up one (report, cell) key at a time they were most of
those pages' database time.  Each report version now keeps them on its row as JSON by cell key
(storage.cell_keys.FIGURE_CELLS, storage.records.figures_of); this migration fills them in from the cells of the
reports already archived.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 22:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.cell_keys import FIGURE_KEYS
from storage.records import cell_value_from_db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 2000

reports = sa.table("reports", sa.column("id", sa.Integer),
                   sa.column("figures", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")))
cells = sa.table("cells", sa.column("report_id", sa.Integer), sa.column("cell_key", sa.SmallInteger),
                 sa.column("value", sa.Numeric(20, 4)), sa.column("is_decimal", sa.Boolean))


def upgrade() -> None:
    op.add_column("reports", sa.Column("figures", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                                       nullable=True))
    conn = op.get_bind()
    keys = sorted(int(k) for k in FIGURE_KEYS.values())
    update = reports.update().where(reports.c.id == sa.bindparam("rid")).values(figures=sa.bindparam("f"))
    last = 0
    while True:  # a batch of reports at a time: one read of their figure cells, one executemany
        ids = list(conn.scalars(sa.select(reports.c.id).where(reports.c.id > last).order_by(reports.c.id)
                                .limit(BATCH)))
        if not ids:
            break
        figures: dict[int, dict[str, Any]] = {rid: {} for rid in ids}
        for rid, key, value, is_decimal in conn.execute(
            sa.select(cells.c.report_id, cells.c.cell_key, cells.c.value, cells.c.is_decimal)
            .where(cells.c.report_id.between(ids[0], ids[-1]), cells.c.cell_key.in_(keys),
                   cells.c.value.is_not(None))
        ):
            if rid in figures:
                figures[rid][str(key)] = cell_value_from_db(value, is_decimal)
        conn.execute(update, [{"rid": rid, "f": f} for rid, f in figures.items()])
        last = ids[-1]


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+): batch mode would copy the reports table, and dropping the old
    # copy would cascade to every cell
    op.drop_column("reports", "figures")
