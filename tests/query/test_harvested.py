"""End to end: the archive filled by the real harvest flow crawling the demo portal, then queried.

``nianbao harvest`` (Prefect ephemeral mode, Scrapy crawls in subprocesses) harvests 2022 and 2023
from :class:`~nianbao.demo_portal.server.DemoPortal` on 127.0.0.1; one report is re-issued and
``nianbao recrawl`` picks up the new version.  The queries must then answer from the harvest's own
coverage rows, with the portal's URLs, fetch times and sha256 as provenance.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nianbao.demo_portal.catalog import report as catalog_report
from nianbao.settings import Settings
from storage import queries as q
from storage.archive import Archive
from storage.models import CrawlRun
from tests.query.demo_archive import sqlite_settings
from tests.subprocesses import run_nianbao

REISSUED = "hw-spj-2023"


def nianbao(env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    """Run a harvest command; its --json output is the run's coverage rows."""
    done = run_nianbao([*args, "--json"], env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def harvested(tmp_path_factory, pg_databases) -> Iterator[tuple[Archive, Any, dict[str, list[dict[str, Any]]]]]:  # type: ignore[no-untyped-def]
    from nianbao.demo_portal.server import DemoPortal

    home = tmp_path_factory.mktemp("harvested")
    if pg_databases is None:
        settings = sqlite_settings(home)
    else:
        settings = Settings.from_env({"NIANBAO_HOME": str(home), "NIANBAO_DATABASE_URL": pg_databases.new_database()})
    with DemoPortal() as portal:
        env = dict(os.environ, NIANBAO_HOME=str(home), NIANBAO_DATABASE_URL=settings.database_url,
                   NIANBAO_PORTALS_DIR=str(portal.registry_dir), PREFECT_HOME=str(home / "prefect"),
                   PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING")
        env.pop("PREFECT_API_URL", None)
        runs = {"2022": nianbao(env, "harvest", "--year", "2022", "--retries", "0"),
                "2023": nianbao(env, "harvest", "--year", "2023", "--retries", "0")}
        portal.reissue(REISSUED)
        runs["recrawl"] = nianbao(env, "recrawl", "--portal", "demo-hanweb", "--year", "2023", "--retries", "0")
        yield Archive.open(settings), portal, runs
    if pg_databases is not None:
        pg_databases.drop(settings.database_url)


def unit_id(archive: Archive, name: str) -> int:
    return archive.find_unit(name).id


def test_coverage_comes_from_the_latest_harvest_run(harvested) -> None:  # type: ignore[no-untyped-def]
    archive, _portal, runs = harvested
    expected = {r["unit"]: r["state"] for r in runs["2023"]}
    assert expected["原州区财政局"] == "invalid" and expected["沙坡头区人民政府"] == "blocked"
    data = q.coverage(archive, region=None, year=2023, limit=q.MAX_LIMIT)
    # the recrawl of one portal is the newest run for its units; the others keep the harvest's state
    recrawled = {r["unit"]: r["state"] for r in runs["recrawl"]}
    assert recrawled and set(recrawled) < set(expected)
    got = {u["unit"]: u for u in data["units"]["items"]}
    assert {u: got[u]["state"] for u in expected} == expected | recrawled
    assert all(got[u]["basis"] == "harvest" for u in expected)
    with archive.session() as s:
        newest = s.scalar(select(func.max(CrawlRun.id)).where(CrawlRun.flow == "recrawl"))
    assert data["summary"]["run"]["id"] == newest and len(data["summary"]["run"]["runs"]) == 2
    assert data["summary"]["blocked"] == 1 and data["summary"]["unreachable"] == 1
    region = q.region_reports(archive, region="640402", year=2023)
    assert {u["unit"]: u["state"] for u in region["coverage"]["missing_or_late"]} == {
        u: s for u, s in recrawled.items() if s in ("missing", "late")}


def test_provenance_names_the_portal_fetch_and_bytes(harvested) -> None:  # type: ignore[no-untyped-def]
    archive, portal, _runs = harvested
    for key, kind in (("trs-gov-2023", "pdf"), ("hw-gov-2023", "pdf")):
        report = archive.canonical_report(unit_id(archive, catalog_report(key).unit), 2023)
        assert report is not None
        info = q.cell_provenance(archive, report.id, "applications/new_received/total")
        assert info["kind"] == kind
        assert info["source"]["sha256"] == hashlib.sha256(portal.document(key)).hexdigest()
        assert info["source"]["document_url"].startswith(portal.origin) and info["source"]["fetched_at"]


def test_agency_years_and_version_diff_after_the_recrawl(harvested) -> None:  # type: ignore[no-untyped-def]
    archive, _portal, _runs = harvested
    spj = unit_id(archive, "原州区审批服务管理局")
    data = q.agency_years(archive, spj)
    assert data["years"] == [2022, 2023]
    assert {c["state"] for c in data["cross_year"]} <= {"ok", "mismatch", "unknown"} and data["cross_year"]
    versions = q.search_reports(archive, unit_id=spj, year=2023, all_versions=True).items
    assert sorted(v["version"] for v in versions) == [1, 2]
    old, new = sorted(versions, key=lambda v: v["version"])
    diff = q.version_diff(archive, old["id"], new["id"])
    penalty = {c["cell_id"]: c for c in diff["cells"]}["active_disclosure/administrative_penalty"]
    assert penalty["b"] == penalty["a"] + 1  # the demo portal's re-issue adds one penalty decision


def test_every_harvested_report_page_renders(harvested) -> None:  # type: ignore[no-untyped-def]
    from nianbao.web import create_app

    archive, _portal, _runs = harvested
    with TestClient(create_app(archive.settings, archive=archive)) as client:
        page = q.search_reports(archive, all_versions=True, limit=q.MAX_LIMIT)
        assert page.total >= 15
        for row in page.items:
            assert client.get(f"/reports/{row['id']}").status_code == 200
        assert client.get("/coverage", params={"region": "640000", "year": 2023}).status_code == 200

