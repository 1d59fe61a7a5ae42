"""Cells reference their report on both databases: a foreign key on SQLite, statement-level
triggers with the same guarantees on PostgreSQL (migration 0003)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from storage.archive import Archive
from storage.models import Cell, Report

EXTRA = "active_disclosure/administrative_coercion/change"  # a 2019 cell: not among the seed's 2021 cells
SEED = sorted((Path(__file__).resolve().parents[3] / "shared" / "corpus" / "seeds").glob("*.truth.json"))[0]


def archived_report(archive: Archive, name: str = "中卫市审批服务管理局") -> int:
    unit = archive.ensure_unit(name)
    record = json.loads(SEED.read_text(encoding="utf-8"))
    return archive.archive_report(unit_id=unit, year=2023, data=name.encode(), record=record,
                                  parser_name="nianbao", parser_version="1").report_id


def cell_count(archive: Archive, report_id: int) -> int:
    with archive.session() as s:
        return s.scalar(select(func.count()).select_from(Cell).where(Cell.report_id == report_id)) or 0


def test_a_cell_of_a_missing_report_is_refused(archive: Archive) -> None:
    report_id = archived_report(archive)
    rows = [{"report_id": report_id, "cell_id": EXTRA, "value": 1, "is_decimal": False},
            {"report_id": report_id + 1000, "cell_id": EXTRA, "value": 2, "is_decimal": False}]
    with pytest.raises(IntegrityError, match="(?i)foreign key"), archive.session() as s:
        s.execute(insert(Cell), rows)
    # the whole statement is refused, the report's own cells are untouched
    assert cell_count(archive, report_id) == 200
    with archive.session() as s:
        assert s.scalar(select(Cell.cell_id).where(Cell.cell_id == EXTRA)) is None


def test_moving_cells_to_a_missing_report_is_refused(archive: Archive) -> None:
    report_id = archived_report(archive)
    with pytest.raises(IntegrityError, match="(?i)foreign key"), archive.session() as s:
        s.execute(update(Cell).where(Cell.report_id == report_id).values(report_id=report_id + 1000))
    assert cell_count(archive, report_id) == 200


def test_deleting_a_report_deletes_its_cells_only(archive: Archive) -> None:
    kept = archived_report(archive, "稷山县行政审批服务管理局")
    gone = archived_report(archive)
    with archive.session() as s:
        from storage.models import CheckResult, Correction
        s.execute(delete(CheckResult).where(CheckResult.report_id == gone))
        s.execute(delete(Correction).where(Correction.report_id == gone))
        s.execute(delete(Report).where(Report.id == gone))
    assert cell_count(archive, gone) == 0
    assert cell_count(archive, kept) == 200


def test_a_referenced_report_id_cannot_change(archive: Archive) -> None:
    report_id = archived_report(archive)
    with pytest.raises(IntegrityError, match="(?i)foreign key"), archive.session() as s:
        s.execute(update(Report).where(Report.id == report_id).values(id=report_id + 1000))
    assert cell_count(archive, report_id) == 200


def test_reports_cannot_be_truncated_under_their_cells(archive: Archive) -> None:
    if archive.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    report_id = archived_report(archive)
    with pytest.raises(DBAPIError, match="truncate"), archive.engine.begin() as conn:
        conn.execute(text("TRUNCATE reports CASCADE"))
    assert cell_count(archive, report_id) == 200
    with archive.engine.begin() as conn:
        conn.execute(text("TRUNCATE reports, cells CASCADE"))
    assert cell_count(archive, report_id) == 0
