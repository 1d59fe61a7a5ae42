from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.archive import Archive, FetchInfo
from storage.models import Blob, Cell, CheckResult, Fetch, Report
from storage.records import flatten_tables
from storage.warc import WarcWriter, read_record_payload

SEED_DIR = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "seeds"


def seed_record(n: int = 1) -> dict:
    path = sorted(SEED_DIR.glob("*.truth.json"))[n]
    return json.loads(path.read_text(encoding="utf-8"))


def test_same_bytes_are_one_blob(archive: Archive) -> None:
    a = archive.store_blob(b"%PDF-1.7 same bytes", "application/pdf")
    b = archive.store_blob(b"%PDF-1.7 same bytes", "application/pdf")
    assert a == b
    assert archive.count(Blob) == 1
    assert archive.read_blob(a) == b"%PDF-1.7 same bytes"
    stored = list(archive.blobs.keys())
    assert stored == [a]


def test_report_is_archived_with_cells_checks_and_versions(archive: Archive) -> None:
    unit = archive.ensure_unit("稷山县行政审批服务管理局")
    record = seed_record(1)
    record["checks"] = [{"rule": "applications.balance", "column": "total", "message": "0 + 0 != 1 + 0"}]
    record["provenance"] = {"applications/new_received/total": {"line": 57, "col": 8}}
    first = archive.archive_report(unit_id=unit, year=2023, data=b"document v1", record=record,
                                   parser_name="nianbao", parser_version="1", source_url="http://127.0.0.1/a")
    assert (first.status, first.version) == ("inserted", 1)

    again = archive.archive_report(unit_id=unit, year=2023, data=b"document v1", record=copy.deepcopy(record),
                                   parser_name="nianbao", parser_version="1")
    assert (again.status, again.report_id) == ("unchanged", first.report_id)

    changed = copy.deepcopy(record)
    changed["tables"]["active_disclosure"]["administrative_licensing"] = 9000
    second = archive.archive_report(unit_id=unit, year=2023, data=b"document v2", record=changed,
                                    parser_name="nianbao", parser_version="1")
    assert (second.status, second.version) == ("new_version", 2)

    with archive.session() as s:
        versions = s.scalars(select(Report).order_by(Report.version)).all()
        assert [(r.version, r.is_canonical, r.reason) for r in versions] == [
            (1, False, "new"), (2, True, "reissued")]
        assert s.scalar(select(Cell.value).where(
            Cell.report_id == first.report_id,
            Cell.cell_id == "active_disclosure/administrative_licensing")) == 8743
        assert len(s.scalars(select(CheckResult).where(CheckResult.report_id == first.report_id)).all()) == 1

    v1 = archive.report_record(first.report_id)
    assert flatten_tables(v1["tables"]) == flatten_tables(record["tables"])
    assert v1["tables"]["active_disclosure"]["administrative_fees"] == 0.0
    assert isinstance(v1["tables"]["active_disclosure"]["administrative_fees"], float)
    assert v1["tables"]["applications"]["carried_to_next_year"]["natural_person"] is None
    assert v1["checks"] == record["checks"]
    assert v1["provenance"] == record["provenance"]
    assert v1["source"]["url"] == "http://127.0.0.1/a"
    assert archive.report_record(second.report_id)["tables"]["active_disclosure"]["administrative_licensing"] == 9000


def test_same_bytes_read_differently_is_a_new_version(archive: Archive) -> None:
    unit = archive.ensure_unit("中卫市审批服务管理局")
    record = seed_record(2)
    first = archive.archive_report(unit_id=unit, year=2023, data=b"x", record=record, parser_version="1")
    better = copy.deepcopy(record)
    better["region"] = "宁夏回族自治区中卫市"
    second = archive.archive_report(unit_id=unit, year=2023, data=b"x", record=better, parser_version="2")
    assert second.status == "new_version"
    assert archive.get_report(second.report_id).reason == "reparsed"
    assert archive.get_report(first.report_id).is_canonical is False


def test_unit_area_comes_from_cpca(archive: Archive) -> None:
    unit = archive.find_unit(archive.ensure_unit("原州区审批服务管理局"))
    assert (unit.region_code, unit.region_name, unit.level, unit.kind) == ("640402", "原州区", "county", "department")
    gov = archive.find_unit(archive.ensure_unit("固原市人民政府"))
    assert (gov.region_code, gov.level, gov.kind) == ("640400", "city", "government")
    assert archive.ensure_unit("原州区审批服务管理局") == unit.id


def test_fetches_point_at_blobs_and_warc_records_that_validate(archive: Archive, tmp_path: Path) -> None:
    body = "<html><body>年度报告</body></html>".encode()
    with WarcWriter(tmp_path / "warc", prefix="test") as warc:
        loc = warc.write_exchange(url="http://127.0.0.1:1/a.html", request_headers={"User-Agent": "nianbao"},
                                  status=200, response_headers={"Content-Type": "text/html; charset=utf-8"},
                                  body=body)
        res = warc.write_resource(uri="file:///tmp/r.pdf", body=b"%PDF-1.4", media_type="application/pdf")
        archive.record_fetch(FetchInfo(url="http://127.0.0.1:1/a.html", status=200, media_type="text/html"),
                             body=body, warc=loc)
        archive.record_fetch(FetchInfo(url="http://127.0.0.1:1/missing", status=404, error_class="http_404"))
    assert read_record_payload(loc) == body
    assert read_record_payload(res) == b"%PDF-1.4"
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", loc.filename],
                           capture_output=True, text=True)
    if "No module named" in check.stderr:
        check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", "-v", loc.filename],
                               capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with archive.session() as s:
        fetches = s.scalars(select(Fetch).order_by(Fetch.id)).all()
        assert fetches[0].blob_sha256 is not None and fetches[0].warc_offset == loc.offset
        assert (fetches[1].status, fetches[1].error_class, fetches[1].blob_sha256) == (404, "http_404", None)
    latest = archive.latest_document_fetch("http://127.0.0.1:1/a.html")
    assert latest is not None and archive.read_blob(latest.blob_sha256) == body


def test_strings_are_not_cells(archive: Archive) -> None:
    unit = archive.ensure_unit("原州区人民政府")
    record = seed_record(0)
    record["tables"]["active_disclosure"]["administrative_licensing"] = "8743"
    with pytest.raises(ValueError, match="number or null"):
        archive.archive_report(unit_id=unit, year=2023, data=b"y", record=record)


def test_a_newer_parser_reading_the_same_record_is_unchanged_but_noted(archive: Archive) -> None:
    unit = archive.ensure_unit("中卫市审批服务管理局")
    record = seed_record(2)
    first = archive.archive_report(unit_id=unit, year=2023, data=b"z", record=record,
                                   parser_name="nianbao", parser_version="1.0.0")
    again = archive.archive_report(unit_id=unit, year=2023, data=b"z", record=copy.deepcopy(record),
                                   parser_name="nianbao", parser_version="1.0.1")
    assert (again.status, again.report_id, again.version) == ("unchanged", first.report_id, 1)
    report = archive.get_report(first.report_id)
    assert report.parser_version == "1.0.1"
    assert archive.report_record(first.report_id)["tables"] == record["tables"]
