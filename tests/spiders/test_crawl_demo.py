"""Real crawls (one Scrapy process each) of the demo portal, checked against its request log and truth."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from sqlalchemy import func, select

from nianbao.demo_portal import DemoPortal
from nianbao.demo_portal.catalog import report
from nianbao.demo_portal.server import LoggedRequest
from spiders.run import CrawlResult, crawl_in_subprocess

pytestmark = pytest.mark.slow

YEARS = [2022, 2023]
SITES = {"trs": "demo-trs", "hanweb": "demo-hanweb", "gen": "demo-generic"}


@dataclass
class Crawled:
    portal: DemoPortal
    home: Path
    url: str
    first: dict[str, CrawlResult]
    first_log: list[LoggedRequest]
    second: dict[str, CrawlResult] = field(default_factory=dict)
    second_log: list[LoggedRequest] = field(default_factory=list)
    blobs_after: tuple[int, int] = (0, 0)
    reissued: CrawlResult | None = None
    auto: CrawlResult | None = None
    forced: CrawlResult | None = None
    forced_log: list[LoggedRequest] = field(default_factory=list)
    sha_before: dict[str, str] = field(default_factory=dict)

    def archive(self) -> Any:
        from storage.archive import Archive
        from tests.conftest import make_settings

        return Archive.open(make_settings(self.home, self.url))

    def fetches(self, **where: Any) -> list[Any]:
        from storage.models import Fetch

        with self.archive().session() as s:
            q = select(Fetch)
            for k, v in where.items():
                q = q.where(getattr(Fetch, k) == v)
            # in time order: on SQLite the first fetch of a block takes the block's top id (spiders.batch)
            return list(s.scalars(q.order_by(Fetch.started_at, Fetch.id)))


def path_of(url: str) -> str:
    return unquote(urlsplit(url).path)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, pg_databases: Any) -> Iterator[Crawled]:
    from storage import db
    from storage.models import Blob

    home = tmp_path_factory.mktemp("crawl-home")
    if pg_databases is None:
        url = f"sqlite:///{home / 'archive.sqlite3'}"
        db.upgrade(url)
    else:
        url = pg_databases.new_database()
    out = tmp_path_factory.mktemp("crawl-out")
    with DemoPortal(port=0, slow_seconds=0.5) as portal:
        env = {"NIANBAO_HOME": str(home), "NIANBAO_DATABASE_URL": url,
               "NIANBAO_PORTALS_DIR": str(portal.registry_dir)}

        def crawl(pid: str, stage: str, **kw: Any) -> CrawlResult:
            return crawl_in_subprocess(pid, YEARS, output_dir=out / stage, settings_env=env, fast=True,
                                       timeout=180, **kw)

        ids = [*SITES.values(), "demo-blocked", "demo-unreachable"]
        with ThreadPoolExecutor(3) as pool:
            first = dict(zip(ids, pool.map(lambda p: crawl(p, "first"), ids), strict=True))
        c = Crawled(portal, home, url, first, portal.request_log)
        sha_before = {r.key: hashlib.sha256(portal.document(r.key)).hexdigest() for r in portal.expected_reports(YEARS)}
        c.sha_before = sha_before
        n = len(portal.request_log)
        archive = c.archive()
        blobs_before = archive.count(Blob)
        with ThreadPoolExecutor(3) as pool:
            c.second = dict(zip(SITES.values(), pool.map(lambda p: crawl(p, "second"), SITES.values()), strict=True))
        c.second_log = portal.request_log[n:]
        c.blobs_after = (blobs_before, archive.count(Blob))
        portal.reissue("hw-spj-2023")
        c.reissued = crawl("demo-hanweb", "third")
        c.auto = crawl_in_subprocess(None, 2023, url=portal.start_url("hanweb"), family="auto",
                                     output_dir=out / "auto", settings_env=env, fast=True, timeout=180)
        n = len(portal.request_log)
        c.forced = crawl("demo-generic", "forced", force=True)
        c.forced_log = portal.request_log[n:]
        yield c
    if pg_databases is not None:
        pg_databases.drop(url)


def test_crawls_ran(crawled: Crawled) -> None:
    for pid, result in {**crawled.first, **crawled.second}.items():
        assert result.returncode == 0, (pid, result.stderr_tail[-2000:])
    assert {p: r.summary["outcome"] for p, r in crawled.first.items()} == {
        "demo-trs": "ok", "demo-hanweb": "ok", "demo-generic": "ok",
        "demo-blocked": "blocked", "demo-unreachable": "unreachable"}


def test_every_expected_report_archived_once_with_sources(crawled: Crawled) -> None:
    archive = crawled.archive()
    for site, pid in SITES.items():
        items = crawled.first[pid].items
        expected = crawled.portal.expected_reports(YEARS, site)
        for r in expected:
            path = crawled.portal.document_path(r.key)
            found = [i for i in items if path_of(i["document_url"]) == path]
            assert len(found) == 1, (r.key, [i["document_url"] for i in items])
            item = found[0]
            assert item["portal"] == pid and item["year"] == r.year and item["unit"] == r.unit
            assert item["reissue"] is r.reissue and item["unchanged"] is False
            assert item["url"].startswith("http://127.0.0.1:") and item["document_url"].startswith("http://127.0.0.1:")
            assert item["sha256"] == crawled.sha_before[r.key]
            assert archive.read_blob(item["sha256"]) == report_bytes(crawled, r.key)
            (row,) = crawled.fetches(id=item["fetch_id"])
            assert row.blob_sha256 == item["sha256"] and row.status == 200 and row.portal_id == pid
            if r.form.startswith("html"):
                assert item["document_url"] == item["url"] and item["form"] == "html"
            else:
                assert item["document_url"] != item["url"] and item["form"] == r.extension
        extra = [i for i in items if path_of(i["document_url"]) not in
                 {crawled.portal.document_path(r.key) for r in expected}]
        assert [(i["unit"], i["error_class"]) for i in extra] == (
            [("新华区卫生健康委员会", "corrupt_document")] if site == "gen" else [])


def report_bytes(crawled: Crawled, key: str) -> bytes:
    from nianbao.demo_portal.documents import document_bytes

    return document_bytes(report(key), 0)


def test_published_dates_from_list_or_article(crawled: Crawled) -> None:
    items = {path_of(i["document_url"]): i for i in crawled.first["demo-hanweb"].items}
    for r in crawled.portal.expected_reports(YEARS, "hanweb"):
        assert items[crawled.portal.document_path(r.key)]["published"] == r.published


def test_decoy_and_offsite_never_requested(crawled: Crawled) -> None:
    log = crawled.first_log + crawled.second_log
    assert log, "the server saw nothing"
    assert not [r for r in log if r.path.startswith("/trs/search/")]
    assert not [r for r in log if r.path.startswith("/mirror/") or not r.host.startswith("127.0.0.1:")]
    trs = crawled.first["demo-trs"].summary
    assert trs["offsite"] == [f"http://localhost:{crawled.portal.port}/mirror/zw2023.pdf"]
    assert trs["errors"]["offsite"] == 1 and trs["errors"]["robots_disallowed"] == 1
    (offsite,) = crawled.fetches(error_class="offsite", portal_id="demo-trs")[:1]
    assert offsite.status is None and "localhost" in offsite.url
    robots = crawled.fetches(error_class="robots_disallowed")
    assert robots and all("/trs/search/decoy.html" in f.url for f in robots)


def test_500_is_retried_and_archived(crawled: Crawled) -> None:
    path = "/trs/zwgk/zfxxgkndbg/202401/t20240125_1006.html"
    first = [r.status for r in crawled.first_log if r.path == path]
    assert first == [500, 200]
    rows = [f for f in crawled.fetches(portal_id="demo-trs") if path_of(f.url) == path]
    assert [(f.status, f.error_class) for f in rows[:2]] == [(500, "http_500"), (200, None)]
    assert rows[1].blob_sha256 == crawled.sha_before["trs-jyj-2023"]


def test_each_fault_recorded_with_its_error_class(crawled: Crawled) -> None:
    expected = {
        "/trs/zwgk/zfxxgkndbg/202401/t20240115_1099.html": ("demo-trs", 404, "http_404"),
        "/gen/zwgk/ndbg/2024/fgw2023.html": ("demo-generic", 200, "soft_404"),
        "/gen/uploads/2024/01/zjj2023ndbg.docx": ("demo-generic", 200, "empty_body"),
        "/gen/uploads/2024/01/wjw2023ndbg.pdf": ("demo-generic", 200, "corrupt_document"),
        "/blocked/zwgk/ndbg/index.html": ("demo-blocked", 412, "blocked_412"),
        "/zwgk/ndbg/": ("demo-unreachable", None, "connection_refused"),
    }
    for path, (pid, status, error_class) in expected.items():
        rows = [f for f in crawled.fetches(portal_id=pid) if path_of(f.url) == path]
        assert rows and (rows[0].status, rows[0].error_class) == (status, error_class), path
    # blocked is never evaded: one request to the blocked site, no retry
    assert [r.status for r in crawled.first_log if r.path.startswith("/blocked/")] == [412]
    assert crawled.first["demo-blocked"].summary["error_class"] == "blocked_412"
    assert crawled.first["demo-unreachable"].summary["error_class"] == "connection_refused"
    # the slow page was waited for
    assert "/trs/zwgk/zfxxgkndbg/index_1.html" in {r.path for r in crawled.first_log}


def test_gbk_pages_decoded(crawled: Crawled) -> None:
    items = crawled.first["demo-trs"].items
    assert {i["unit"] for i in items} == {"中卫市人民政府", "中卫市审批服务管理局", "中卫市教育局"}
    inline = [i for i in items if i["form"] == "html"]
    assert inline
    for i in inline:
        page = crawled.archive().read_blob(i["sha256"]).decode("gbk")
        assert i["title"] in page


def test_hanweb_post_paging_followed(crawled: Crawled) -> None:
    posts = [r for r in crawled.first_log if r.method == "POST"]
    assert [unquote(r.path).split("?")[0] for r in posts] == ["/hanweb/module/web/jpage/dataproxy.jsp"]
    paths = {path_of(i["document_url"]) for i in crawled.first["demo-hanweb"].items}
    # these two are only listed in the records the POST returns
    assert crawled.portal.document_path("hw-spj-2022") in paths
    assert crawled.portal.document_path("hw-spj-2022r") in paths


def test_second_run_downloads_nothing_new(crawled: Crawled) -> None:
    documents = {crawled.portal.document_path(r.key) for r in crawled.portal.expected_reports(YEARS)}
    for pid, result in crawled.second.items():
        assert result.items and all(i["unchanged"] for i in result.items), pid
        assert len(result.items) == len(crawled.first[pid].items)
    downloaded = [r for r in crawled.second_log if unquote(r.path) in documents and r.status == 200]
    assert downloaded == []
    assert any(r.status == 304 for r in crawled.second_log)
    before, after = crawled.blobs_after
    assert after == before


def test_changed_document_is_downloaded_again(crawled: Crawled) -> None:
    assert crawled.reissued is not None
    new = crawled.reissued.new_items
    assert [path_of(i["document_url"]) for i in new] == [crawled.portal.document_path("hw-spj-2023")]
    assert new[0]["sha256"] == hashlib.sha256(crawled.portal.document("hw-spj-2023")).hexdigest()
    assert new[0]["sha256"] != crawled.sha_before["hw-spj-2023"]


def test_forced_recrawl_downloads_again(crawled: Crawled) -> None:
    assert crawled.forced is not None and crawled.forced.returncode == 0
    assert crawled.forced.items and not any(i["unchanged"] for i in crawled.forced.items)
    documents = {crawled.portal.document_path(r.key) for r in crawled.portal.expected_reports(YEARS, "gen")}
    fetched = {unquote(r.path.split("?")[0]) for r in crawled.forced_log if r.status == 200}
    assert documents <= fetched
    assert not any("If-None-Match" in r.headers for r in crawled.forced_log)


def test_polite_user_agent_and_robots_first(crawled: Crawled) -> None:
    for r in crawled.first_log:
        assert r.user_agent.startswith("nianbao/") and "+http" in r.user_agent
    assert crawled.first_log[0].path == "/robots.txt"


def test_warc_records_match_blobs(crawled: Crawled) -> None:
    from storage.warc import WarcLocation, read_record_payload

    rows = [f for f in crawled.fetches(portal_id="demo-hanweb") if f.blob_sha256][:6]
    archive = crawled.archive()
    for f in rows:
        loc = WarcLocation(f.warc_file, f.warc_offset, f.warc_length, f.warc_record_id)
        assert read_record_payload(loc) == archive.read_blob(f.blob_sha256)


def test_crawl_by_url_detects_the_family(crawled: Crawled) -> None:
    auto = crawled.auto
    assert auto is not None and auto.returncode == 0
    assert auto.summary["family"] == "hanweb" and auto.summary["outcome"] == "ok"
    assert auto.summary["portal"].startswith("adhoc-127-0-0-1")
    found = {path_of(i["document_url"]) for i in auto.items}
    assert found == {crawled.portal.document_path(r.key) for r in crawled.portal.expected_reports(2023, "hanweb")}


def test_crawl_run_rows(crawled: Crawled) -> None:
    from storage.models import CrawlRun

    with crawled.archive().session() as s:
        outcomes = list(s.scalars(select(CrawlRun.outcome)))
        n = s.scalar(select(func.count()).select_from(CrawlRun))
    assert n == len(outcomes) >= 10
    assert {"ok", "blocked", "unreachable"} <= set(outcomes)
