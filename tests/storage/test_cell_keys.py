"""Cell ids are stored as small keys (storage.cell_keys): every template cell has one, the database
names every key, and migrating an archive keeps every cell it holds."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from nianbao.export.labels import all_cell_ids
from storage import db
from storage.archive import Archive
from storage.cell_keys import CELL_IDS, KEY_OF, UnknownCellId, check_cell_ids
from storage.models import Cell
from tests.storage.test_cell_reference import archived_report


def test_every_template_cell_has_a_key() -> None:
    # a template that gains a cell fails here until CELL_IDS (and a migration) add it
    assert all_cell_ids() <= set(CELL_IDS)
    assert len(set(CELL_IDS)) == len(CELL_IDS)
    assert KEY_OF[CELL_IDS[0]] == 1
    with pytest.raises(UnknownCellId, match="applications/nope"):
        check_cell_ids([CELL_IDS[0], "applications/nope"])


def test_the_database_names_every_key(archive: Archive) -> None:
    with archive.engine.connect() as conn:
        named = dict(conn.execute(text("SELECT id, cell_id FROM cell_keys")).all())
    assert named == {n: c for c, n in KEY_OF.items()}


def test_cells_read_back_as_ids_and_the_view_shows_them(archive: Archive) -> None:
    report_id = archived_report(archive)
    cell = "applications/new_received/total"
    with archive.session() as s:
        value = s.scalar(select(Cell.value).where(Cell.report_id == report_id, Cell.cell_id == cell))
        ids = set(s.scalars(select(Cell.cell_id).where(Cell.report_id == report_id)))
        # an id no template has matches nothing rather than failing
        assert s.scalar(select(Cell.value).where(Cell.cell_id == "applications/nope/total")) is None
    assert len(ids) == 200 and ids <= set(CELL_IDS)
    with archive.engine.connect() as conn:
        viewed = conn.execute(text("SELECT value FROM cell_values WHERE report_id = :r AND cell_id = :c"),
                              {"r": report_id, "c": cell}).scalar()
        keyed = conn.execute(text("SELECT count(*) FROM cells WHERE report_id = :r AND cell_key = :k"),
                             {"r": report_id, "k": KEY_OF[cell]}).scalar()
    assert viewed == value and keyed == 1


def test_a_record_with_a_cell_no_template_has_is_refused(archive: Archive) -> None:
    import json

    from tests.storage.test_cell_reference import SEED

    unit = archive.ensure_unit("原州区人民政府")
    record = json.loads(SEED.read_text(encoding="utf-8"))
    record["tables"]["applications"]["invented_row"] = {"total": 3}
    with pytest.raises(UnknownCellId, match="applications/invented_row/total"):
        archive.archive_report(unit_id=unit, year=2023, data=b"z", record=record)
    assert archive.count(Cell) == 0


def test_migrating_an_archive_keeps_every_cell(empty_database_url: str) -> None:
    """An archive at revision 0002 (cell ids as text, one no template has) upgrades and downgrades whole."""
    db.upgrade(empty_database_url, "0002")
    engine = db.get_engine(empty_database_url)
    stray = "applications/handwritten_row/total"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO units (id, name, region_code, kind, created_at) "
                          "VALUES (1, '中卫市审批服务管理局', '640500', 'department', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO blobs (sha256, size, created_at) VALUES (:s, 1, CURRENT_TIMESTAMP)"),
                     {"s": "0" * 64})
        conn.execute(text("INSERT INTO reports (id, unit_id, year, version, is_canonical, blob_sha256, "
                          "checks_failed, created_at) VALUES (1, 1, 2023, 1, :t, :s, 0, CURRENT_TIMESTAMP)"),
                     {"s": "0" * 64, "t": True})
        for n, cell in enumerate(["applications/new_received/total", "active_disclosure/administrative_fees", stray]):
            conn.execute(text("INSERT INTO cells (report_id, cell_id, value, is_decimal, provenance) "
                              "VALUES (1, :c, :v, :d, :p)"),
                         {"c": cell, "v": n + 0.5, "d": True, "p": '{"page": 3}'})
    db.upgrade(empty_database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT cell_id, value FROM cell_values ORDER BY value")).all()
        assert [(c, float(v)) for c, v in rows] == [
            ("applications/new_received/total", 0.5), ("active_disclosure/administrative_fees", 1.5), (stray, 2.5)]
        keys = conn.execute(text("SELECT cell_key FROM cells ORDER BY value")).scalars().all()
    assert keys[:2] == [KEY_OF["applications/new_received/total"], KEY_OF["active_disclosure/administrative_fees"]]
    assert keys[2] >= 10_000  # kept under a key of its own, never one a template cell may take
    db.downgrade(empty_database_url, "0002")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT cell_id, value, provenance FROM cells ORDER BY value")).all()
    assert [(c, float(v)) for c, v, _ in rows] == [
        ("applications/new_received/total", 0.5), ("active_disclosure/administrative_fees", 1.5), (stray, 2.5)]
