"""The harvest and recrawl flows, run for real against the demo portal."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select

from storage.models import Blob, Coverage, CrawlRun, Report, Unit

YEAR = 2023
# The demo portal's coverage for 2023 (nianbao.demo_portal.catalog), unit -> state.
EXPECTED_COVERAGE = {
    "中卫市人民政府": "found",
    "中卫市审批服务管理局": "found",
    "中卫市教育局": "found",
    "原州区人民政府": "found",
    "原州区审批服务管理局": "found",
    "原州区教育局": "late",  # department, published 2024-02-20 > 31 January
    "原州区民政局": "missing",  # portal reached, no 2023 report
    "原州区财政局": "invalid",  # breaks applications.balance
    "新华区人民政府": "found",
    "新华区政务服务和大数据管理局": "found",
    "新华区卫生健康委员会": "invalid",  # not in the registry; its 2023 PDF on the portal is corrupt
    "沙坡头区人民政府": "blocked",  # every page answers 412
    "中宁县人民政府": "unreachable",  # nothing listens on its port
}
CORRUPT_UNIT = "新华区卫生健康委员会"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def snapshot(archive: Any) -> list[tuple[Any, ...]]:
    """Every report version: unit, year, version, canonical, blob, parsed-record digest."""
    with archive.session() as s:
        rows = s.execute(
            select(Unit.name, Report.year, Report.version, Report.is_canonical, Report.blob_sha256,
                   Report.record_sha256, Report.parse_error)
            .join(Unit, Unit.id == Report.unit_id).order_by(Unit.name, Report.year, Report.version)
        ).all()
    return [tuple(r) for r in rows]


def expected_reports(demo: Any, site: str | None = None) -> dict[str, str]:
    """unit -> sha256 of the 2023 document the demo portal serves (reports a crawl must archive)."""
    return {r.unit: sha(demo.document(r.key)) for r in demo.expected_reports(YEAR, site)}


def stored_coverage(archive: Any, run_id: int) -> dict[str, str]:
    with archive.session() as s:
        rows = s.execute(
            select(Unit.name, Coverage.state).join(Unit, Unit.id == Coverage.unit_id).where(Coverage.run_id == run_id)
        ).all()
    return dict(rows)


def test_harvest_archives_the_demo_and_reports_coverage_exactly(demo: Any, archive: Any, prefect_server: str) -> None:
    from prefect import get_client

    from flows.harvest import harvest

    result = harvest(year=YEAR, crawl_retries=0, fast=True)

    # the coverage report: returned, stored under the run, and published as an artifact
    assert {r["unit"]: r["state"] for r in result["coverage"]} == EXPECTED_COVERAGE
    assert stored_coverage(archive, result["run_id"]) == EXPECTED_COVERAGE
    late = next(r for r in result["coverage"] if r["unit"] == "原州区教育局")
    assert late["published"] == "2024-02-20" and "2024-01-31" in late["detail"]
    blocked = next(r for r in result["coverage"] if r["state"] == "blocked")
    assert "412" in blocked["detail"]
    assert result["portals"]["demo-unreachable"]["outcome"] == "unreachable"
    with get_client(sync_client=True) as client:
        artifact = client.read_latest_artifacts()
        markdown = [a for a in artifact if a.key == f"coverage-{YEAR}"]
    assert markdown and "| 原州区民政局 | 640402 | demo-hanweb | missing |" in str(markdown[0].data)

    # the archive: exactly the documents the portal serves, one version each
    reports = snapshot(archive)
    by_unit = {name: blob for name, year, _v, _c, blob, _d, _e in reports if name != CORRUPT_UNIT}
    assert by_unit == expected_reports(demo)
    assert all(version == 1 and canonical for _n, _y, version, canonical, *_ in reports)
    corrupt = [r for r in reports if r[0] == CORRUPT_UNIT]
    assert len(corrupt) == 1 and corrupt[0][6] == "corrupt_pdf"
    with archive.session() as s:
        run = s.get(CrawlRun, result["run_id"])
        assert run is not None and run.flow == "harvest" and run.outcome == "partial"
        assert run.prefect_flow_run_id and run.counts["coverage"]["found"] == 7
    blobs_before = archive.count(Blob)

    # a second harvest adds nothing
    again = harvest(year=YEAR, crawl_retries=0, fast=True)
    assert snapshot(archive) == reports
    assert archive.count(Blob) == blobs_before
    assert set(again["counts"]["documents"]) == {"unchanged"}
    assert again["counts"]["documents"]["unchanged"] == len(reports)
    assert stored_coverage(archive, again["run_id"]) == EXPECTED_COVERAGE


def test_recrawl_after_a_reissue_adds_version_2_only_there(demo: Any, archive: Any) -> None:
    from flows.harvest import harvest
    from flows.recrawl import recrawl

    harvest(year=YEAR, portals=["demo-hanweb"], crawl_retries=0, fast=True)
    before = snapshot(archive)
    assert {r[0] for r in before} == {u for u in expected_reports(demo, "hanweb")}

    demo.reissue("hw-spj-2023")
    new_sha = sha(demo.document("hw-spj-2023"))
    result = recrawl(region="640402", year=YEAR, crawl_retries=0, fast=True)

    after = snapshot(archive)
    versions_before = {(r[0], r[2]) for r in before}
    added = [r for r in after if (r[0], r[2]) not in versions_before]
    assert [(r[0], r[2], r[3], r[4]) for r in added] == [("原州区审批服务管理局", 2, True, new_sha)]
    untouched = [r for r in before if r[0] != "原州区审批服务管理局"]
    assert [r for r in after if r[0] != "原州区审批服务管理局"] == untouched
    old = [r for r in after if r[0] == "原州区审批服务管理局" and r[2] == 1]
    assert len(old) == 1 and old[0][3] is False  # the first version stays, no longer canonical
    assert len(after) == len(before) + 1
    assert result["counts"]["documents"].get("new_version") == 1
    with archive.session() as s:
        run = s.get(CrawlRun, result["run_id"])
        assert run is not None and run.flow == "recrawl" and run.parameters["force"] is True
        assert s.scalar(select(func.count()).select_from(Report).where(Report.run_id == result["run_id"])) == 1
