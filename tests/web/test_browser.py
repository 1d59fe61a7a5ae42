"""Headless Chromium clicks through the web app: search -> report -> cell provenance -> version diff -> coverage.

Uses Debian's /usr/bin/chromium through playwright (never ``playwright install``); the app is served
by uvicorn on 127.0.0.1.  Screenshots go to ``$NIANBAO_TEST_OUTPUT/screenshots`` (default
``test-output/screenshots``).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.query.demo_archive import DemoArchive

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("NIANBAO_TEST_OUTPUT", "test-output")) / "screenshots"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium at /usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(demo: DemoArchive) -> Iterator[str]:
    import uvicorn

    from nianbao.web import create_app

    port = free_port()
    config = uvicorn.Config(create_app(demo.settings), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def page(server: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server)
                      else route.abort())  # nothing leaves 127.0.0.1
        pg = context.new_page()
        yield pg
        context.close()
        browser.close()


def test_search_report_provenance_diff_coverage(page, demo: DemoArchive) -> None:  # type: ignore[no-untyped-def]
    # search
    page.goto("/")
    page.fill("input[name=q]", "中卫市人民政府")
    page.fill("input[name=year]", "2023")
    page.click("#search-button")
    page.wait_for_selector("#results")
    assert "q=" in page.url
    page.screenshot(path=str(SHOTS / "01-search.png"), full_page=True)

    # report (a PDF report): three tables laid out like the template
    page.click("#results a:has-text('中卫市人民政府 2023')")
    page.wait_for_selector("#table-applications")
    assert page.url.endswith(f"/reports/{demo.report_id('trs-gov-2023')}")
    assert page.locator("section.report-table").count() == 3
    page.screenshot(path=str(SHOTS / "02-report.png"), full_page=True)

    # provenance of one cell: the PDF page rendered with the box drawn on it
    page.click("a.cell[data-cell='applications/new_received/total']")
    page.wait_for_selector("#pdf-page")
    page.wait_for_function("document.querySelector('#pdf-page').complete && "
                           "document.querySelector('#pdf-page').naturalWidth > 500")
    assert demo.outcomes["trs-gov-2023"].sha256 in page.inner_text("#provenance-meta")
    page.screenshot(path=str(SHOTS / "03-provenance-pdf.png"), full_page=True)

    # a report with two versions -> version diff
    page.goto("/?q=中卫市审批服务管理局&year=2023")
    page.click("#results a:has-text('中卫市审批服务管理局 2023')")
    page.wait_for_selector("#versions")
    page.screenshot(path=str(SHOTS / "04-report-versions.png"), full_page=True)
    page.click("a.diff-link")
    page.wait_for_selector("#cell-diff")
    assert page.locator("tr.changed-cell").count() >= 1
    assert "行政处罚" in page.inner_text("#cell-diff")
    page.screenshot(path=str(SHOTS / "05-diff.png"), full_page=True)

    # coverage of a region and year
    page.click("#nav-coverage")
    page.fill("input[name=region]", "原州区")
    page.fill("input[name=year]", "2023")
    page.click("#coverage-button")
    page.wait_for_selector("#coverage-table")
    table = page.inner_text("#coverage-table")
    assert "原州区民政局" in table and "missing" in table and "late" in table
    page.screenshot(path=str(SHOTS / "06-coverage.png"), full_page=True)


def test_html_snapshot_and_unit_chart(page, demo: DemoArchive) -> None:  # type: ignore[no-untyped-def]
    rid = demo.report_id("hw-spj-2023")
    page.goto(f"/reports/{rid}/provenance?cell=applications/new_received/total")
    frame = page.frame_locator("#html-snapshot")
    marked = frame.locator("#nianbao-cell")
    marked.wait_for()
    assert marked.inner_text().strip() != ""
    page.screenshot(path=str(SHOTS / "07-provenance-html.png"), full_page=True)

    page.goto(f"/units/{demo.units['中卫市审批服务管理局']}")
    page.wait_for_selector("svg.chart polyline")
    page.screenshot(path=str(SHOTS / "08-unit-chart.png"), full_page=True)

    page.goto("/reports/999999")
    assert "404" in page.inner_text("h1")
