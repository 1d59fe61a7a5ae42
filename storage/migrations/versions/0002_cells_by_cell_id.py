"""cells indexed by cell id (rankings and aggregates across reports)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # one cell across every report (rankings, aggregates): an index-only scan on PostgreSQL
    op.create_index("ix_cells_cell_report", "cells", ["cell_id", "report_id"], postgresql_include=["value"])


def downgrade() -> None:
    op.drop_index("ix_cells_cell_report", table_name="cells")
