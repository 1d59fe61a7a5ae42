"""cells: small keys, one index, a set-based reference check on PostgreSQL

Loading a report writes ~200 cell rows.  On PostgreSQL the row-level foreign key to reports ran
one lookup per cell row, the (cell_id, report_id) index was maintained on every row and each row
carried its cell id as text: bulk loads ran at a fraction of what the rows themselves cost.  So:

- ``cells.cell_id`` (text) becomes ``cells.cell_key`` (SMALLINT), named by the new ``cell_keys``
  table (storage.cell_keys); the ``cell_values`` view shows cells with their ids as text;
- the ``ix_cells_cell_report`` index goes: rankings and aggregates read cells through the
  (report_id, cell_key) primary key, per report;
- on PostgreSQL the foreign key from cells to reports becomes statement-level triggers with the
  same guarantees: an insert or update of cells locks the referenced reports ``FOR KEY SHARE``
  (as the foreign key did) and fails with ``foreign_key_violation`` when one does not exist;
  deleting reports deletes their cells (the ``ON DELETE CASCADE``); changing a referenced report
  id or truncating reports without cells is refused.  SQLite keeps its row-level foreign key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.cell_keys import CELL_IDS

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CELLS_REFERENCE_REPORTS = """
CREATE FUNCTION nianbao_cells_reference_reports() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lo integer;
    hi integer;
    ids integer[];
    present integer;
BEGIN
    SELECT min(report_id), max(report_id) INTO lo, hi FROM new_cells;
    IF lo IS NULL THEN
        RETURN NULL;
    END IF;
    -- the common case (a report's cells, a bulk load's run of new reports): every id from lo to hi exists.
    -- Lock them as a row-level foreign key locks each referenced row (FOR KEY SHARE; a superset here).
    IF hi - lo < 100000 THEN
        PERFORM 1 FROM reports WHERE id BETWEEN lo AND hi FOR KEY SHARE;
        GET DIAGNOSTICS present = ROW_COUNT;
        IF present = hi - lo + 1 THEN
            RETURN NULL;
        END IF;
    END IF;
    SELECT array_agg(report_id) INTO ids FROM (SELECT DISTINCT report_id FROM new_cells) referenced;
    PERFORM 1 FROM reports WHERE id = ANY (ids) FOR KEY SHARE;
    GET DIAGNOSTICS present = ROW_COUNT;
    IF present < cardinality(ids) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = 'insert or update on table "cells" violates foreign key "fk_cells_report_id_reports"',
            DETAIL = format('%s of the referenced report ids are not present in table "reports"',
                            cardinality(ids) - present);
    END IF;
    RETURN NULL;
END
$$;
"""

REPORTS_DELETE_CASCADES = """
CREATE FUNCTION nianbao_reports_delete_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM cells USING old_reports WHERE cells.report_id = old_reports.id;
    RETURN NULL;
END
$$;
"""

REPORTS_KEEP_REFERENCED_IDS = """
CREATE FUNCTION nianbao_reports_keep_referenced_ids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_reports o
               WHERE NOT EXISTS (SELECT 1 FROM new_reports n WHERE n.id = o.id)
                 AND EXISTS (SELECT 1 FROM cells c WHERE c.report_id = o.id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = 'update on table "reports" violates foreign key "fk_cells_report_id_reports" on table "cells"';
    END IF;
    RETURN NULL;
END
$$;
"""

REPORTS_REFUSE_TRUNCATE = """
CREATE FUNCTION nianbao_reports_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- after the statement's tables are emptied: TRUNCATE reports, cells passes
    IF EXISTS (SELECT 1 FROM cells) THEN
        RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
            MESSAGE = 'cannot truncate table "reports" while table "cells" references it: truncate both together';
    END IF;
    RETURN NULL;
END
$$;
"""

TRIGGERS = (
    "CREATE TRIGGER cells_reference_reports_on_insert AFTER INSERT ON cells "
    "REFERENCING NEW TABLE AS new_cells FOR EACH STATEMENT EXECUTE FUNCTION nianbao_cells_reference_reports()",
    "CREATE TRIGGER cells_reference_reports_on_update AFTER UPDATE ON cells "
    "REFERENCING NEW TABLE AS new_cells FOR EACH STATEMENT EXECUTE FUNCTION nianbao_cells_reference_reports()",
    "CREATE TRIGGER reports_delete_cells AFTER DELETE ON reports "
    "REFERENCING OLD TABLE AS old_reports FOR EACH STATEMENT EXECUTE FUNCTION nianbao_reports_delete_cells()",
    "CREATE TRIGGER reports_keep_referenced_ids AFTER UPDATE ON reports "
    "REFERENCING OLD TABLE AS old_reports NEW TABLE AS new_reports "
    "FOR EACH STATEMENT EXECUTE FUNCTION nianbao_reports_keep_referenced_ids()",
    "CREATE TRIGGER reports_refuse_truncate AFTER TRUNCATE ON reports "
    "FOR EACH STATEMENT EXECUTE FUNCTION nianbao_reports_refuse_truncate()",
)

DROPS = (
    "DROP TRIGGER reports_refuse_truncate ON reports",
    "DROP TRIGGER reports_keep_referenced_ids ON reports",
    "DROP TRIGGER reports_delete_cells ON reports",
    "DROP TRIGGER cells_reference_reports_on_update ON cells",
    "DROP TRIGGER cells_reference_reports_on_insert ON cells",
    "DROP FUNCTION nianbao_reports_refuse_truncate()",
    "DROP FUNCTION nianbao_reports_keep_referenced_ids()",
    "DROP FUNCTION nianbao_reports_delete_cells()",
    "DROP FUNCTION nianbao_cells_reference_reports()",
)


FIRST_KEYS = CELL_IDS[:229]  # the keys this revision knows; later ones come with their own migrations
STRAY_KEYS_FROM = 10_000  # cell ids already archived that no template has keep their rows under keys from here

CELL_VALUES_VIEW = """
CREATE VIEW cell_values AS
SELECT cells.report_id, cell_keys.cell_id, cells.value, cells.is_decimal, cells.provenance
FROM cells JOIN cell_keys ON cell_keys.id = cells.cell_key
"""


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.drop_index("ix_cells_cell_report", table_name="cells")
    keys = op.create_table(
        "cell_keys",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("cell_id", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cell_keys")),
        sa.UniqueConstraint("cell_id", name=op.f("uq_cell_keys_cell_id")),
    )
    op.bulk_insert(keys, [{"id": n, "cell_id": c} for n, c in enumerate(FIRST_KEYS, start=1)])
    strays = [r[0] for r in bind.execute(sa.text(
        "SELECT DISTINCT cell_id FROM cells WHERE cell_id NOT IN (SELECT cell_id FROM cell_keys) ORDER BY cell_id"))]
    if strays:
        op.bulk_insert(keys, [{"id": STRAY_KEYS_FROM + n, "cell_id": c} for n, c in enumerate(strays)])
    op.add_column("cells", sa.Column("cell_key", sa.SmallInteger(), nullable=True))
    op.execute("UPDATE cells SET cell_key = (SELECT id FROM cell_keys WHERE cell_keys.cell_id = cells.cell_id)")
    if postgres:
        op.drop_constraint("pk_cells", "cells", type_="primary")
        op.drop_column("cells", "cell_id")
        op.alter_column("cells", "cell_key", nullable=False)
        op.create_primary_key("pk_cells", "cells", ["report_id", "cell_key"])
        op.create_check_constraint("known_cell", "cells", "cell_key > 0")
        op.drop_constraint("fk_cells_report_id_reports", "cells", type_="foreignkey")
        for statement in (CELLS_REFERENCE_REPORTS, REPORTS_DELETE_CASCADES, REPORTS_KEEP_REFERENCED_IDS,
                          REPORTS_REFUSE_TRUNCATE, *TRIGGERS):
            op.execute(statement)
    else:
        with op.batch_alter_table("cells", recreate="always") as batch:
            batch.drop_constraint("pk_cells", type_="primary")
            batch.drop_column("cell_id")
            batch.alter_column("cell_key", existing_type=sa.SmallInteger(), nullable=False)
            batch.create_primary_key("pk_cells", ["report_id", "cell_key"])
            batch.create_check_constraint("known_cell", "cell_key > 0")
    op.execute(CELL_VALUES_VIEW)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute("DROP VIEW cell_values")
    if postgres:
        for statement in DROPS:
            op.execute(statement)
    op.add_column("cells", sa.Column("cell_id", sa.String(length=100), nullable=True))
    op.execute("UPDATE cells SET cell_id = (SELECT cell_id FROM cell_keys WHERE cell_keys.id = cells.cell_key)")
    if postgres:
        op.drop_constraint("pk_cells", "cells", type_="primary")
        op.drop_column("cells", "cell_key")
        op.alter_column("cells", "cell_id", nullable=False)
        op.create_primary_key("pk_cells", "cells", ["report_id", "cell_id"])
        op.create_foreign_key("fk_cells_report_id_reports", "cells", "reports", ["report_id"], ["id"],
                              ondelete="CASCADE")
    else:
        with op.batch_alter_table("cells", recreate="always") as batch:
            batch.drop_constraint("pk_cells", type_="primary")
            batch.drop_constraint("known_cell", type_="check")
            batch.drop_column("cell_key")
            batch.alter_column("cell_id", existing_type=sa.String(length=100), nullable=False)
            batch.create_primary_key("pk_cells", ["report_id", "cell_id"])
    op.drop_table("cell_keys")
    op.create_index("ix_cells_cell_report", "cells", ["cell_id", "report_id"], postgresql_include=["value"])
