from __future__ import annotations

import copy
import json
from pathlib import Path

from storage.archive import Archive
from storage.bulk import BulkReport, bulk_insert_reports
from storage.models import Cell, Report
from storage.records import flatten_tables

SEEDS = sorted((Path(__file__).resolve().parents[3] / "shared" / "corpus" / "seeds").glob("*.truth.json"))


def test_bulk_load_round_trips_and_defers_existing_reports(archive: Archive) -> None:
    records = [json.loads(p.read_text(encoding="utf-8")) for p in SEEDS]
    records[0]["provenance"] = {"applications/total/total": {"page": 3, "bbox": [90.0, 400.5, 120.0, 412.0]},
                                "applications/disclosed/total": {"xpath": '//td[@title="a\\b\t总计"]'}}
    records[0]["checks"] = [{"rule": "applications.total_row", "column": "total", "message": "a\tb"}]
    items = []
    for i, rec in enumerate(records):
        unit = archive.ensure_unit(rec["agency"], region_code=None)
        sha = archive.store_blob(f"doc {i}".encode(), "text/plain")
        items.append(BulkReport(unit_id=unit, year=rec["year"], blob_sha256=sha, record=rec,
                                source={"portal": "p", "url": f"http://127.0.0.1/{i}"}, parser_version="1"))
    counts = bulk_insert_reports(archive, items)
    assert counts.as_dict()["inserted"] == 5
    assert archive.count(Report) == 5
    assert archive.count(Cell) == sum(len(flatten_tables(r["tables"])) for r in records)
    with archive.session() as s:
        ids = [r.id for r in s.query(Report).order_by(Report.id)]
    first = archive.report_record(ids[0])
    assert flatten_tables(first["tables"]) == flatten_tables(records[0]["tables"])
    assert first["provenance"] == records[0]["provenance"]
    assert first["checks"] == records[0]["checks"]
    assert first["source"]["url"] == "http://127.0.0.1/0"

    again = bulk_insert_reports(archive, [copy.deepcopy(items[1])])
    assert again.as_dict() == {"inserted": 0, "unchanged": 1, "new_version": 0}
    assert archive.count(Report) == 5
