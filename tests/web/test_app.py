"""The web app and JSON API (FastAPI test client) over the demo-portal archive."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from lxml import html as lxml_html
from PIL import Image
from sqlalchemy import func, select

from nianbao.web import create_app
from storage import queries as q
from storage.models import Cell, Correction, Report
from tests.query.demo_archive import REISSUED, DemoArchive

TOKEN = "s3cret-token"
CELL = "applications/new_received/total"


@pytest.fixture(scope="module")
def client(demo: DemoArchive) -> Iterator[TestClient]:
    settings = dataclasses.replace(demo.settings, correction_token=TOKEN)
    with TestClient(create_app(settings)) as c:
        yield c


# ------------------------------------------------------------------ API


def test_openapi_documents_every_api_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/reports", "/api/reports/{report_id}", "/api/reports/{report_id}/provenance",
            "/api/units/{unit_id}/years", "/api/regions/{region}/reports", "/api/coverage", "/api/violations",
            "/api/diff", "/api/rankings", "/api/repeated-text", "/api/reports/{report_id}/corrections"} <= paths
    assert all(p.startswith("/api/") for p in paths)  # pages are not in the API spec
    params = {p["name"] for p in spec["paths"]["/api/reports"]["get"]["parameters"]}
    assert {"limit", "offset", "q", "region", "year"} <= params


def test_api_answers_the_same_as_the_queries(client: TestClient, demo: DemoArchive) -> None:
    a = demo.archive
    assert client.get("/api/reports", params={"q": "审批", "year": 2023}).json() == _json(
        q.search_reports(a, text="审批", year=2023).as_dict())
    assert client.get(f"/api/units/{demo.units['中卫市审批服务管理局']}/years").json()["years"] == [2022, 2023]
    region = client.get("/api/regions/原州区/reports", params={"year": 2023}).json()
    assert region["totals"] == q.region_reports(a, region="原州区", year=2023)["totals"]
    viol = client.get("/api/violations", params={"rule": "applications.balance"}).json()
    assert {v["report_id"] for v in viol["items"]} == {demo.report_id("hw-czj-2023")}
    rid = demo.report_id("trs-gov-2023")
    prov = client.get(f"/api/reports/{rid}/provenance", params={"cell": CELL}).json()
    assert prov["kind"] == "pdf" and prov["source"]["sha256"] == demo.outcomes["trs-gov-2023"].sha256
    record = client.get(f"/api/reports/{rid}/record").json()
    assert record == _json(a.report_record(rid))
    diff = client.get("/api/diff", params={"a": demo.report_id(REISSUED), "b": demo.report_id(REISSUED + "#1")}).json()
    assert "active_disclosure/administrative_penalty" in {c["cell_id"] for c in diff["cells"]}
    ranking = client.get("/api/rankings", params={"year": 2023, "metric": "not_disclosed_share", "limit": 2}).json()
    assert ranking["ranking"]["limit"] == 2 and len(ranking["ranking"]["items"]) <= 2
    cov = client.get("/api/coverage", params={"year": 2023, "region": "640402", "state": "late"}).json()
    assert [u["unit"] for u in cov["units"]["items"]] == ["原州区教育局"]
    rep = client.get("/api/repeated-text", params={"year": 2023}).json()
    assert rep["total"] >= 1


def _json(value: object) -> object:
    import json

    return json.loads(json.dumps(value, default=str))


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/api/reports/999999", 404, "no report"),
        ("/api/reports/abc", 422, "report_id"),
        ("/api/reports?year=abc", 422, "year"),
        ("/api/reports?limit=100000", 422, "limit"),
        ("/api/reports?level=town", 422, "level"),
        ("/api/violations?rule=nonsense", 422, "unknown rule"),
        ("/api/reports/1/provenance?cell=..%2F..%2Fetc", 422, "cell id"),
        ("/api/regions/nowhere/reports?year=2023", 422, "unknown region"),
        ("/api/rankings", 422, "year"),
        ("/api/diff?a=1", 422, "b"),
        ("/api/units/999999/years", 404, "no unit"),
    ],
)
def test_api_errors_are_404_or_422_with_a_message(client: TestClient, url: str, status: int, words: str) -> None:
    r = client.get(url)
    assert r.status_code == status
    assert words in r.json()["detail"]


def test_sql_like_input_is_harmless(client: TestClient, demo: DemoArchive) -> None:
    with demo.archive.session() as s:
        before = s.scalar(select(func.count()).select_from(Report))
    for text in ["'; DROP TABLE reports; --", "1 OR 1=1", "%' UNION SELECT sha256 FROM blobs --"]:
        r = client.get("/api/reports", params={"q": text})
        assert r.status_code == 200 and r.json()["total"] == 0
        assert client.get("/", params={"q": text}).status_code == 200
    assert client.get("/api/reports", params={"region": "640500; DELETE FROM units"}).status_code == 422
    with demo.archive.session() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == before


def test_writes_other_than_corrections_are_refused(client: TestClient, demo: DemoArchive) -> None:
    rid = demo.report_id("trs-gov-2023")
    for method in ("put", "delete", "patch"):
        assert getattr(client, method)(f"/api/reports/{rid}").status_code == 405
    assert client.post("/api/reports", json={}).status_code == 405


def test_correction_needs_the_token_and_never_changes_the_cell(client: TestClient, demo: DemoArchive) -> None:
    rid = demo.report_id("hw-spj-2023")
    body = {"cell_id": CELL, "value": 12345, "author": "审计员甲", "reason": "原件第3页为12345"}
    with demo.archive.session() as s:
        original = s.scalar(select(Cell.value).where(Cell.report_id == rid, Cell.cell_id == CELL))
        corrections_before = s.scalar(select(func.count()).select_from(Correction))
    assert client.post(f"/api/reports/{rid}/corrections", json=body).status_code == 403
    r = client.post(f"/api/reports/{rid}/corrections", json=body, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 403 and "token" in r.json()["detail"]
    with demo.archive.session() as s:
        assert s.scalar(select(func.count()).select_from(Correction)) == corrections_before

    r = client.post(f"/api/reports/{rid}/corrections", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 201, r.text
    saved = r.json()
    assert saved["value"] == 12345 and saved["author"] == "审计员甲" and saved["cell_id"] == CELL
    with demo.archive.session() as s:
        assert s.scalar(select(Cell.value).where(Cell.report_id == rid, Cell.cell_id == CELL)) == original
    listed = client.get(f"/api/reports/{rid}/corrections").json()
    assert saved in listed
    prov = client.get(f"/api/reports/{rid}/provenance", params={"cell": CELL}).json()
    assert prov["value"] == (None if original is None else int(original)) and saved in prov["corrections"]
    page = client.get(f"/reports/{rid}/provenance", params={"cell": CELL}).text
    assert "审计员甲" in page and "12345" in page

    bad = client.post(f"/api/reports/{rid}/corrections", json=body | {"value": "lots"},
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert bad.status_code == 422
    missing = client.post(f"/api/reports/{rid}/corrections", json=body | {"cell_id": "applications/nope/total"},
                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert missing.status_code == 404


def test_what_a_started_server_holds_is_kept_out_of_full_collections(demo: DemoArchive) -> None:
    import gc

    with TestClient(create_app(demo.settings)) as c:
        assert c.get("/api/reports").status_code == 200
        assert gc.get_freeze_count() > 10_000  # modules, region tables, the app: never walked again
    assert gc.get_freeze_count() == 0  # handed back when the server stops


def test_corrections_are_refused_when_no_token_is_configured(demo: DemoArchive) -> None:
    with TestClient(create_app(demo.settings)) as c:
        rid = demo.report_id("hw-spj-2023")
        r = c.post(f"/api/reports/{rid}/corrections", headers={"Authorization": "Bearer anything"},
                   json={"cell_id": CELL, "value": 1, "author": "x", "reason": "y"})
        assert r.status_code == 403 and "disabled" in r.json()["detail"]


def test_correction_form_on_the_provenance_page(client: TestClient, demo: DemoArchive) -> None:
    rid = demo.report_id("hw-gov-2023")
    form = {"cell_id": "applications/total/total", "value": "7", "author": "审计员乙", "reason": "form test", "token": TOKEN}
    r = client.post(f"/reports/{rid}/corrections", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/reports/{rid}/provenance")
    assert "审计员乙" in client.get(r.headers["location"]).text
    r = client.post(f"/reports/{rid}/corrections", data=form | {"token": "nope"})
    assert r.status_code == 403 and "token" in r.text


# ------------------------------------------------------------------ pages


def test_unknown_report_is_a_404_page_and_bad_parameters_a_422_page(client: TestClient) -> None:
    r = client.get("/reports/999999")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "no report with id 999999" in r.text
    r = client.get("/reports/notanumber")
    assert r.status_code == 422 and "text/html" in r.headers["content-type"] and "report_id" in r.text
    r = client.get("/coverage", params={"region": "原州区", "year": "20x3"})
    assert r.status_code == 422 and "year" in r.text
    assert client.get("/no/such/page").status_code == 404


def test_report_page_lays_out_the_tables_and_highlights_failed_checks(client: TestClient, demo: DemoArchive) -> None:
    rid = demo.report_id("hw-czj-2023")  # breaks applications.balance
    doc = lxml_html.fromstring(client.get(f"/reports/{rid}").text)
    assert len(doc.xpath("//section[@class='report-table']")) == 3
    failed = {a.get("data-cell") for a in doc.xpath("//td[contains(@class,'failed')]/a")}
    columns = {c["column"] for c in demo.archive.report_record(rid)["checks"] if c["rule"] == "applications.balance"}
    assert failed == {f"applications/{row}/{col}" for col in columns
                      for row in ("new_received", "carried_over", "total", "carried_to_next_year")}
    assert doc.xpath("//ul[@class='checks']/li[contains(., 'applications.balance')]")
    links = doc.xpath("//a[@class='cell']/@href")
    assert len(links) == 200 and all(h.startswith(f"/reports/{rid}/provenance?cell=") for h in links)
    clean = next(r for r in q.search_reports(demo.archive, limit=q.MAX_LIMIT).items
                 if r["checks_failed"] == 0 and r["template"] == "2021")
    ok = lxml_html.fromstring(client.get(f"/reports/{clean['id']}").text)
    assert not ok.xpath("//td[contains(@class,'failed')]") and ok.xpath("//p[@class='ok']")


def test_pdf_provenance_page_shows_the_page_with_the_box(client: TestClient, demo: DemoArchive) -> None:
    rid = demo.report_id("trs-gov-2023")
    page = lxml_html.fromstring(client.get(f"/reports/{rid}/provenance", params={"cell": CELL}).text)
    src = page.xpath("//img[@id='pdf-page']/@src")[0]
    assert demo.outcomes["trs-gov-2023"].sha256 in page.text_content()
    png = client.get(src)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content)).convert("RGB")
    x0, top, x1, bottom = q.cell_provenance(demo.archive, rid, CELL)["provenance"]["bbox"]
    scale = 2.0
    # the red box is drawn just outside the cell's bbox; inside the cell the page is not red
    edge = _rgb(image, (x0 + x1) / 2 * scale, top * scale - 4)
    assert edge[0] > 180 and edge[1] < 80 and edge[2] < 80
    centre = _rgb(image, (x0 + x1) / 2 * scale, (top + bottom) / 2 * scale)
    assert not (centre[0] > 180 and centre[1] < 80)


def _rgb(image: Image.Image, x: float, y: float) -> tuple[int, int, int]:
    pixel = image.getpixel((int(x), int(y)))
    assert isinstance(pixel, tuple)
    return pixel[0], pixel[1], pixel[2]


def test_html_provenance_is_the_snapshot_with_the_cell_marked(client: TestClient, demo: DemoArchive) -> None:
    rid = demo.report_id("hw-spj-2023")
    page = lxml_html.fromstring(client.get(f"/reports/{rid}/provenance", params={"cell": CELL}).text)
    frame = page.xpath("//iframe[@id='html-snapshot']")[0]
    assert frame.get("sandbox") is not None
    snap = client.get(frame.get("src"))
    assert "sandbox" in snap.headers["content-security-policy"]
    doc = lxml_html.fromstring(snap.text)
    marked = doc.xpath("//*[@id='nianbao-cell']")
    assert len(marked) == 1 and marked[0].text_content().strip() == str(q.cell_provenance(demo.archive, rid, CELL)["value"])
    assert not doc.xpath("//script")


def test_unit_diff_coverage_violations_rankings_pages(client: TestClient, demo: DemoArchive) -> None:
    unit = client.get(f"/units/{demo.units['中卫市审批服务管理局']}").text
    assert "<svg" in unit and "<polyline" in unit and "mismatch" in unit
    a, b = demo.report_id(REISSUED), demo.report_id(REISSUED + "#1")
    diff = lxml_html.fromstring(client.get("/diff", params={"a": a, "b": b}).text)
    assert diff.xpath("//tr[@class='changed-cell']") and diff.xpath("//pre[@class='diff']/span[@class='add']")
    cov = lxml_html.fromstring(client.get("/coverage", params={"region": "原州区", "year": 2023}).text)
    states = {tr.xpath("td[1]")[0].text_content(): tr.xpath("td[3]")[0].text_content()
              for tr in cov.xpath("//table[@id='coverage-table']/tr[td]")}
    assert states["原州区民政局"] == "missing" and states["原州区教育局"] == "late"
    viol = client.get("/violations", params={"rule": "applications.balance"}).text
    assert "原州区财政局" in viol
    rank = lxml_html.fromstring(client.get("/rankings", params={"year": 2023, "metric": "not_disclosed_share"}).text)
    assert rank.xpath("//table[@id='ranking']/tr[td]") and rank.xpath("//table[@id='repeated']/tr[td]")
    search = lxml_html.fromstring(client.get("/", params={"q": "审批", "limit": 1}).text)
    assert len(search.xpath("//table[@id='results']/tbody/tr")) == 1 and search.xpath("//a[@rel='next']")


@pytest.mark.parametrize("cell", [CELL, "applications/carried_over/natural_person", "review_litigation/litigation_direct/pending"])
def test_docx_provenance_marks_the_table_cell(client: TestClient, demo: DemoArchive, cell: str) -> None:
    rid = demo.report_id("hw-czj-2023")  # a DOCX report
    info = q.cell_provenance(demo.archive, rid, cell)
    assert info["kind"] == "docx"
    page = lxml_html.fromstring(client.get(f"/reports/{rid}/provenance", params={"cell": cell}).text)
    marked = page.xpath("//table[@id='docx-table']//td[@class='mark']")
    assert [td.text_content().strip() for td in marked] == [str(info["value"])]


def test_serve_refuses_an_uninitialised_archive_in_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from nianbao.cli import cli

    home = tmp_path / "empty"
    env = {"NIANBAO_HOME": str(home), "NIANBAO_DATABASE_URL": f"sqlite:///{home / 'archive.sqlite3'}"}
    result = CliRunner().invoke(cli, ["serve", "--port", "0"], env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith("nianbao: error: ") and "nianbao db upgrade" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Example:" in CliRunner().invoke(cli, ["serve", "--help"]).stdout


def test_a_page_reads_the_archive_through_one_connection(client: TestClient, demo: DemoArchive) -> None:
    from sqlalchemy import event

    from storage import db

    engine = db.get_read_engine(demo.archive.url)
    checkouts: list[int] = []

    def checked_out(*_: object) -> None:
        checkouts.append(1)

    event.listen(engine, "checkout", checked_out)
    try:
        # a region's coverage and reports: several questions, one GET
        page = client.get("/coverage", params={"region": "640500", "year": 2023})
    finally:
        event.remove(engine, "checkout", checked_out)
    assert page.status_code == 200 and "coverage-table" in page.text
    assert len(checkouts) == 1
