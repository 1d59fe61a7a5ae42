"""reparse after a parser bump, and the fixity check, on a harvested demo archive."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from storage.models import Blob, Report
from storage.records import flatten_tables
from tests.flows.test_harvest import YEAR, snapshot


def _bump_first_cell(record: dict[str, Any]) -> str:
    """Add 1 to the first numeric cell of the record (what a changed parser might read); its id."""
    cells = flatten_tables(record["tables"])
    cell_id = next(k for k in sorted(cells) if isinstance(cells[k], int))
    node = record["tables"]
    *path, leaf = cell_id.split("/")
    for key in path:
        node = node[key]
    node[leaf] += 1
    return cell_id


def test_reparse_after_a_parser_bump_records_only_changed_reports(
    demo: Any, archive: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import parsers
    from flows.harvest import harvest
    from flows.reparse import reparse

    harvest(year=YEAR, portals=["demo-hanweb"], crawl_retries=0, fast=True)
    before = snapshot(archive)
    docx_units = {r.unit for r in demo.expected_reports(YEAR, "hanweb") if r.form == "docx"}
    assert len(docx_units) == 2 and len(before) == 4

    real_parse = parsers.parse_bytes
    bumped: set[str] = set()

    def parse_v2(data: bytes, **kwargs: Any) -> Any:
        result = real_parse(data, **kwargs)
        if result.form == "docx":  # the new release reads DOCX tables differently
            record = copy.deepcopy(result.record)
            bumped.add(_bump_first_cell(record))
            result.record.clear()
            result.record.update(record)
        return result

    monkeypatch.setattr(parsers, "parse_bytes", parse_v2)
    monkeypatch.setattr(parsers, "PARSER_VERSION", "99.0.0")
    monkeypatch.setattr("flows.reparse.REPARSE_BATCH_SIZE", 3)  # the four reports in two task runs
    result = reparse(year=YEAR)

    assert result["counts"]["reports"] == 4
    assert result["counts"]["new_version"] == 2 and result["counts"]["unchanged"] == 2
    after = snapshot(archive)
    versions_before = {(r[0], r[2]) for r in before}
    new = [r for r in after if (r[0], r[2]) not in versions_before]
    assert sorted(r[0] for r in new) == sorted(docx_units)
    assert all(r[2] == 2 and r[3] for r in new)  # version 2, canonical
    assert all(not r[3] for r in after if r[0] in docx_units and r[2] == 1)
    assert [r for r in after if r[0] not in docx_units] == [r for r in before if r[0] not in docx_units]
    (cell,) = bumped
    assert {c["unit"] for c in result["changes"]} == docx_units
    assert all(c["cells_changed"] == 1 and c["example"] == cell and c["version"] == "1->2" for c in result["changes"])
    with archive.session() as s:
        assert s.query(Report).filter(Report.reason == "reparsed").count() == 2

    # nothing changed since: a second reparse adds nothing
    again = reparse(year=YEAR)
    assert again["changes"] == [] and snapshot(archive) == after


def test_verify_fixity_catches_an_altered_and_a_missing_blob(demo: Any, archive: Any) -> None:
    from flows.harvest import harvest
    from flows.verify import verify_fixity
    from nianbao.cli import cli

    harvest(year=YEAR, portals=["demo-generic"], crawl_retries=0, fast=True)
    clean = verify_fixity()
    assert clean["problems"] == []
    assert clean["counts"]["blobs"] == archive.count(Blob) > 3
    assert clean["counts"]["warc_records"] > 0

    with archive.session() as s:
        shas = sorted({r.blob_sha256 for r in s.query(Report)})
    altered, missing = shas[0], shas[1]
    Path(archive.blobs.locate(altered)).write_bytes(b"not what was archived")
    Path(archive.blobs.locate(missing)).unlink()

    result = verify_fixity()
    problems = sorted((p["kind"], p["key"], p["problem"]) for p in result["problems"])
    assert problems == sorted([("blob", altered, "altered"), ("blob", missing, "missing")])
    assert result["counts"]["altered"] == 1 and result["counts"]["missing"] == 1

    # a WARC file a killed crawl left open, cut inside its last record: verify repairs it and says so
    from storage.warc import OPEN_SUFFIX

    finished = sorted(Path(archive.settings.warc_dir).rglob("*.warc.gz"))[0]
    data = finished.read_bytes()
    left_open = finished.with_name("killed-" + finished.name + OPEN_SUFFIX)
    left_open.write_bytes(data[: len(data) - 40])

    out = CliRunner().invoke(cli, ["verify"])
    assert out.exit_code == 1, out.output
    assert altered in out.output and "1 missing, 1 altered" in out.output
    assert f"repaired {finished.with_name('killed-' + finished.name)}" in out.output
    assert not left_open.exists() and finished.with_name("killed-" + finished.name).exists()
