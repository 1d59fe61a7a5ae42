"""The auditor queries (storage.queries) against an archive built by the real pipeline from the demo portal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from nianbao.demo_portal.catalog import REPORTS, report
from nianbao.demo_portal.documents import document_bytes
from storage import queries as q
from storage.blobs import sha256_hex
from storage.models import Report
from storage.records import flatten_tables
from storage.sentences import repeated_share, sentences
from tests.query.demo_archive import REISSUED, DemoArchive, article_url, document_url

ZW_SPJ = "中卫市审批服务管理局"


def cells_of(demo: DemoArchive, report_id: int) -> dict[str, object]:
    return flatten_tables(demo.archive.report_record(report_id)["tables"])


# ------------------------------------------------------------------ search


def test_search_finds_canonical_reports_by_name_year_and_region(demo: DemoArchive) -> None:
    page = q.search_reports(demo.archive, text="审批", year=2023)
    assert {r["unit"] for r in page.items} == {ZW_SPJ, "原州区审批服务管理局"}
    assert all(r["canonical"] and r["year"] == 2023 for r in page.items)
    zw = next(r for r in page.items if r["unit"] == ZW_SPJ)
    assert zw["version"] == 2 and zw["id"] == demo.report_id(REISSUED + "#1")

    by_region = q.search_reports(demo.archive, region="640500", limit=q.MAX_LIMIT)
    assert by_region.total > 0
    assert all(r["region_code"].startswith("6405") for r in by_region.items)
    names = q.search_reports(demo.archive, region="中卫市", limit=q.MAX_LIMIT)
    assert [r["id"] for r in names.items] == [r["id"] for r in by_region.items]

    everything = q.search_reports(demo.archive, all_versions=True, limit=q.MAX_LIMIT)
    canonical = q.search_reports(demo.archive, limit=q.MAX_LIMIT)
    with demo.archive.session() as s:
        assert everything.total == s.scalar(select(func.count()).select_from(Report))
        assert canonical.total == s.scalar(select(func.count()).select_from(Report).where(Report.is_canonical))
    assert everything.total > canonical.total  # re-issued versions exist


def test_pages_cover_the_list_without_overlap(demo: DemoArchive) -> None:
    whole = q.search_reports(demo.archive, limit=q.MAX_LIMIT)
    seen: list[int] = []
    offset = 0
    while True:
        page = q.search_reports(demo.archive, limit=4, offset=offset)
        assert page.total == whole.total and len(page.items) <= 4
        seen += [r["id"] for r in page.items]
        if page.next_offset is None:
            break
        offset = page.next_offset
    assert seen == [r["id"] for r in whole.items]


@pytest.mark.parametrize("text", ["'; DROP TABLE reports; --", "%", "_", "\" OR 1=1 --", "审批%' OR '1'='1"])
def test_sql_like_search_text_is_only_text(demo: DemoArchive, text: str) -> None:
    before = q.search_reports(demo.archive, limit=1).total
    assert q.search_reports(demo.archive, text=text).total == 0
    assert q.search_reports(demo.archive, limit=1).total == before


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a: q.search_reports(a, year=1800), "year"),
        (lambda a: q.search_reports(a, limit=0), "limit"),
        (lambda a: q.search_reports(a, limit=q.MAX_LIMIT + 1), "limit"),
        (lambda a: q.search_reports(a, offset=-1), "offset"),
        (lambda a: q.search_reports(a, level="town"), "level"),
        (lambda a: q.search_reports(a, region="9999"), "区划"),
        (lambda a: q.search_reports(a, region="' OR 1=1"), "region"),
        (lambda a: q.violations(a, rule="drop table"), "rule"),
        (lambda a: q.cell_provenance(a, 1, "../../etc/passwd"), "cell id"),
        (lambda a: q.ranking(a, year=2023, metric="1; select 1"), "cell id"),
    ],
)
def test_bad_arguments_are_one_clear_error(demo: DemoArchive, call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(q.QueryError, match=message):
        call(demo.archive)


def test_unknown_ids_are_not_found(demo: DemoArchive) -> None:
    with pytest.raises(q.NotFound):
        q.report_detail(demo.archive, 10**6)
    with pytest.raises(q.NotFound):
        q.agency_years(demo.archive, 10**6)
    with pytest.raises(q.NotFound):
        q.version_diff(demo.archive, demo.report_id("trs-gov-2023"), 10**6)
    with pytest.raises(q.NotFound):
        q.cell_provenance(demo.archive, demo.report_id("trs-gov-2023"), "applications/no_such_row/total")


# ------------------------------------------------------------------ 1. one agency across years


def test_agency_years_side_by_side_with_changes_and_carry_over(demo: DemoArchive) -> None:
    unit_id = demo.units[ZW_SPJ]
    data = q.agency_years(demo.archive, unit_id)
    assert data["unit"]["name"] == ZW_SPJ
    assert data["years"] == [2022, 2023]
    ids = {r["year"]: r["id"] for r in data["reports"]}
    assert ids == {2022: demo.report_id("trs-spj-2022"), 2023: demo.report_id(REISSUED + "#1")}
    values = {y: cells_of(demo, rid) for y, rid in ids.items()}
    rows = {row["cell_id"]: row for row in data["cells"]}
    assert set(rows) == set(values[2022]) | set(values[2023])
    for cid, row in rows.items():
        assert row["values"] == {2022: values[2022].get(cid), 2023: values[2023].get(cid)}
        a, b = values[2022].get(cid), values[2023].get(cid)
        expected = None if a is None or b is None else pytest.approx(b - a)  # type: ignore[operator]
        assert row["changes"][2023] == expected
    # the cross-year rule, per column, agrees with the validator's cross_year.carry_over checks
    mismatched = {c["column"] for c in data["cross_year"] if c["state"] == "mismatch"}
    for c in data["cross_year"]:
        assert c["carried_over"] == values[2023].get(f"applications/carried_over/{c['column']}")
        assert c["previous_carried_to_next_year"] == values[2022].get(f"applications/carried_to_next_year/{c['column']}")
    flagged = {v["locator"]["column"] for v in q.violations(demo.archive, rule="cross_year.carry_over",
                                                             limit=q.MAX_LIMIT).items if v["unit_id"] == unit_id}
    assert mismatched and mismatched == flagged


def test_agency_years_limited_to_some_cells_keeps_the_carry_over_rule(demo: DemoArchive) -> None:
    wanted = ["applications/new_received/total"]
    data = q.agency_years(demo.archive, demo.units[ZW_SPJ], cells=wanted)
    assert [row["cell_id"] for row in data["cells"]] == wanted
    full = q.agency_years(demo.archive, demo.units[ZW_SPJ])
    assert data["cross_year"] == full["cross_year"]


# ------------------------------------------------------------------ 2. a region in a year


def test_region_reports_with_subordinate_units_totals_and_missing_or_late(demo: DemoArchive) -> None:
    data = q.region_reports(demo.archive, region="原州区", year=2023)
    items = data["reports"]["items"]
    expected = {r.unit for r in REPORTS if r.site == "hanweb" and r.year == 2023}
    assert {r["unit"] for r in items} == expected
    assert data["totals"]["reports"] == len(expected)
    for name, cid in q.KEY_CELLS.items():
        values = [cells_of(demo, r["id"]).get(cid) for r in items]
        known = [v for v in values if v is not None]
        assert data["totals"][name] == (sum(known) if known else None)  # type: ignore[arg-type]
        assert [r[name] for r in items] == values
    assert data["totals"]["reports_failing_checks"] == sum(1 for r in items if r["checks_failed"])
    states = {u["unit"]: u["state"] for u in data["coverage"]["missing_or_late"]}
    assert states == {"原州区民政局": "missing", "原州区教育局": "late"}  # catalog: 2022 only; published 2024-02-20

    # a province prefix takes in its cities and counties; the level filter narrows it
    province = q.region_reports(demo.archive, region="640000", year=2023, limit=q.MAX_LIMIT)
    codes = {r["region_code"] for r in province["reports"]["items"]}
    assert {"640500", "640402"} <= codes and all(c.startswith("64") for c in codes)
    county = q.region_reports(demo.archive, region="640000", year=2023, level="county", limit=q.MAX_LIMIT)
    assert {r["level"] for r in county["reports"]["items"]} == {"county"}
    assert county["totals"]["reports"] < province["totals"]["reports"]


def test_region_totals_are_the_whole_regions_whatever_the_page(demo: DemoArchive) -> None:
    whole = q.region_reports(demo.archive, region="640000", year=2023, limit=q.MAX_LIMIT)
    count = whole["totals"]["reports"]
    assert count == len(whole["reports"]["items"]) > 2
    for offset in (0, 1, count - 1, count, count + 5):  # pages inside the region, and past its last report
        paged = q.region_reports(demo.archive, region="640000", year=2023, limit=1, offset=offset)
        assert paged["totals"] == whole["totals"]
        assert paged["reports"]["total"] == count
        assert paged["reports"]["items"] == whole["reports"]["items"][offset:offset + 1]


def test_coverage_judged_from_the_archive_uses_deadlines_by_kind(demo: DemoArchive) -> None:
    data = q.coverage(demo.archive, region="中卫市", year=2023)
    units = {u["unit"]: u for u in data["units"]["items"]}
    # 沙坡头区 (blocked portal) and 中宁县 (unreachable) are 中卫市's counties with no report archived
    assert units["沙坡头区人民政府"]["state"] == "missing" and units["中宁县人民政府"]["state"] == "missing"
    gov = units["中卫市人民政府"]
    assert gov["state"] == "found" and gov["deadline"] == "2024-03-31"  # a government: 31 March
    assert units[ZW_SPJ]["deadline"] == "2024-01-31"  # a department: 31 January
    assert data["summary"]["run"] is None and data["summary"]["units"] == len(units)
    only_missing = q.coverage(demo.archive, region="中卫市", year=2023, states=("missing",))
    assert {u["unit"] for u in only_missing["units"]["items"]} == {"沙坡头区人民政府", "中宁县人民政府"}


def test_coverage_of_the_newest_harvest_run_per_unit_decides(archive) -> None:  # type: ignore[no-untyped-def]
    from storage.coverage import CoverageRow, store_coverage

    a = archive.ensure_unit("原州区民政局", region_code="640402", kind="department")
    b = archive.ensure_unit("原州区人民政府", region_code="640402", kind="government")
    c = archive.ensure_unit("原州区教育局", region_code="640402", kind="department")
    old = archive.start_run("harvest", "test")
    store_coverage(archive, old, [CoverageRow(a, "原州区民政局", "640402", "department", "demo", 2023, "blocked"),
                                  CoverageRow(c, "原州区教育局", "640402", "department", "demo", 2023, "late")])
    new = archive.start_run("harvest", "test")
    store_coverage(archive, new, [CoverageRow(a, "原州区民政局", "640402", "department", "demo", 2023, "unreachable",
                                              detail="connection refused")])
    data = q.coverage(archive, region="640402", year=2023)
    units = {u["unit_id"]: u for u in data["units"]["items"]}
    assert data["summary"]["run"]["id"] == new
    assert units[a]["state"] == "unreachable" and units[a]["basis"] == "harvest"
    assert units[a]["detail"] == "connection refused"
    assert units[c]["state"] == "late" and units[c]["basis"] == "harvest"  # only the older run looked at it
    assert units[b]["state"] == "missing" and units[b]["basis"] == "archive"  # no run looked at it: judged here
    assert data["summary"]["run"]["runs"] == [old, new]
    assert q.coverage(archive, region="640402", year=2022)["summary"]["run"] is None


def test_deadline_by_kind() -> None:
    assert q.deadline(2023, "government") == dt.date(2024, 3, 31)
    assert q.deadline(2023, "department") == dt.date(2024, 1, 31)


# ------------------------------------------------------------------ 3. violations


def test_violations_by_rule_region_year_level(demo: DemoArchive) -> None:
    balance = q.violations(demo.archive, rule="applications.balance", limit=q.MAX_LIMIT)
    assert balance.total > 0
    assert {v["report_id"] for v in balance.items} == {demo.report_id("hw-czj-2023")}  # the catalog's violator
    assert {v["locator"]["column"] for v in balance.items} >= {"total"}

    everything = q.violations(demo.archive, limit=q.MAX_LIMIT)
    with demo.archive.session() as s:
        canonical_ids = set(s.scalars(select(Report.id).where(Report.is_canonical)))
    assert {v["report_id"] for v in everything.items} <= canonical_ids
    assert demo.report_id(REISSUED) not in {v["report_id"] for v in everything.items}  # superseded version
    assert sum(1 for _ in everything.items) == everything.total
    record_checks = sum(len(demo.archive.report_record(i)["checks"]) for i in {v["report_id"] for v in everything.items})
    assert record_checks == everything.total

    zw = q.violations(demo.archive, region="中卫市", limit=q.MAX_LIMIT)
    assert zw.total and all(v["region_code"].startswith("6405") for v in zw.items)
    assert all(v["year"] == 2023 for v in q.violations(demo.archive, year=2023, limit=q.MAX_LIMIT).items)
    county = q.violations(demo.archive, level="county", limit=q.MAX_LIMIT)
    assert all(v["level"] == "county" for v in county.items)
    assert q.violations(demo.archive, rule="applications.balance", region="中卫市").total == 0


# ------------------------------------------------------------------ 4. provenance


def test_cell_provenance_of_a_pdf_report_names_page_bbox_url_fetch_sha(demo: DemoArchive) -> None:
    r = report("trs-gov-2023")
    rid = demo.report_id(r.key)
    info = q.cell_provenance(demo.archive, rid, "applications/new_received/total")
    assert info["kind"] == "pdf"
    assert info["provenance"]["page"] >= 1 and len(info["provenance"]["bbox"]) == 4
    assert info["value"] == cells_of(demo, rid)["applications/new_received/total"]
    src = info["source"]
    assert src["sha256"] == sha256_hex(document_bytes(r))
    assert src["url"] == article_url(r) and src["document_url"] == document_url(r)
    assert src["fetched_at"].startswith("2024-04-01") and src["media_type"] == "application/pdf"


def test_cell_provenance_of_an_html_report_is_an_xpath(demo: DemoArchive) -> None:
    info = q.cell_provenance(demo.archive, demo.report_id("hw-spj-2023"), "applications/new_received/total")
    assert info["kind"] == "html" and info["provenance"]["xpath"].startswith("/html")


# ------------------------------------------------------------------ 5. versions


def test_version_diff_cell_by_cell_and_text(demo: DemoArchive) -> None:
    a, b = demo.report_id(REISSUED), demo.report_id(REISSUED + "#1")
    diff = q.version_diff(demo.archive, a, b)
    assert diff["same_report"] and diff["a"]["version"] == 1 and diff["b"]["version"] == 2
    before, after = cells_of(demo, a), cells_of(demo, b)
    expected = {c for c in set(before) | set(after) if before.get(c, "absent") != after.get(c, "absent")}
    assert {c["cell_id"] for c in diff["cells"]} == expected
    # the re-issue changed the penalty count by one (nianbao.demo_portal.documents.truth_record)
    penalty = next(c for c in diff["cells"] if c["cell_id"] == "active_disclosure/administrative_penalty")
    assert penalty["b"] == penalty["a"] + 1
    assert {m["field"] for m in diff["metadata"]} >= {"published", "sha256"}
    assert any(line.startswith("+") for line in diff["text_diff"])
    same = q.version_diff(demo.archive, a, a)
    assert same["cells"] == [] and same["text_diff"] == [] and same["metadata"] == []


# ------------------------------------------------------------------ 6. rankings, repeated text


def test_ranking_by_count_and_share_with_aggregate(demo: DemoArchive) -> None:
    data = q.ranking(demo.archive, year=2023, metric="applications_received", limit=q.MAX_LIMIT)
    items = data["ranking"]["items"]
    assert items and [r["rank"] for r in items] == list(range(1, len(items) + 1))
    values = [r["value"] for r in items]
    assert values == sorted(values, reverse=True)
    for r in items:
        assert r["value"] == cells_of(demo, r["id"])["applications/new_received/total"]
    assert data["aggregate"]["value"] == sum(values)

    share = q.ranking(demo.archive, year=2023, metric="not_disclosed_share", region="640000", limit=q.MAX_LIMIT)
    for r in share["ranking"]["items"]:
        cells = cells_of(demo, r["id"])
        num = sum(v for k, v in cells.items() if k in q.NOT_DISCLOSED_TOTALS and v is not None)  # type: ignore[misc]
        den = cells["applications/total/total"]
        assert r["value"] == (pytest.approx(num / den, abs=1e-4) if den else None)  # type: ignore[operator]
        assert r["region_code"].startswith("64")
    lowest = q.ranking(demo.archive, year=2023, metric="applications_received", ascending=True, limit=1)
    assert lowest["ranking"]["items"][0]["value"] == min(values)
    page2 = q.ranking(demo.archive, year=2023, metric="applications_received", limit=2, offset=2)
    assert [r["id"] for r in page2["ranking"]["items"]] == [r["id"] for r in items[2:4]]
    assert page2["ranking"]["items"][0]["rank"] == 3


def test_repeated_text_against_last_year(demo: DemoArchive) -> None:
    page = q.repeated_text(demo.archive, year=2023, limit=q.MAX_LIMIT)
    assert page.total > 0
    shares = [x["share"] for x in page.items if x["share"] is not None]
    assert shares == sorted(shares, reverse=True) and all(0 <= s <= 1 for s in shares)
    zw = next(x for x in page.items if x["unit"] == ZW_SPJ)
    assert zw["previous_report_id"] == demo.report_id("trs-spj-2022")
    with demo.archive.session() as s:
        texts = dict(s.execute(select(Report.id, Report.text).where(Report.id.in_([zw["report_id"], zw["previous_report_id"]]))).all())
    now, before = sentences(texts[zw["report_id"]]), set(sentences(texts[zw["previous_report_id"]]))
    assert zw["sentences"] == len(now) and zw["repeated"] == sum(1 for x in now if x in before)


def test_repeated_share_counts_sentences() -> None:
    last = "本机关坚持公开为常态。全年主动公开信息120条。\n表格\t1\t2"
    this = "本机关坚持公开为常态。全年主动公开信息150条。新增政策解读专栏一个。"
    assert repeated_share(this, last) == {"sentences": 3, "repeated": 1, "share": pytest.approx(1 / 3, abs=1e-4)}
    assert repeated_share(this, this)["share"] == 1.0
    assert repeated_share(this, None)["share"] is None


def test_repeated_text_of_a_large_set_is_listed_by_name_a_page_at_a_time(
        demo: DemoArchive, monkeypatch: pytest.MonkeyPatch) -> None:
    ranked = q.repeated_text(demo.archive, year=2023, limit=q.MAX_LIMIT)
    assert ranked.total >= 3
    monkeypatch.setattr(q, "REPEATED_SORT_MAX", 1)  # every set is "large" now
    counted: list[tuple[object, ...]] = []
    count = q._count
    monkeypatch.setattr(q, "_count", lambda s, stmt, question, params=None: counted.append(question)
                        or count(s, stmt, question, params))
    by_name = sorted(ranked.items, key=lambda x: (x["unit"], x["report_id"]))
    for offset in (0, 1, ranked.total - 1):
        page = q.repeated_text(demo.archive, year=2023, limit=1, offset=offset)
        assert page.total == ranked.total
        assert page.items == by_name[offset:offset + 1]
    assert len(counted) == 3  # counted by the database, not read whole


def test_every_region_figure_and_metric_cell_is_kept_on_the_report_row() -> None:
    from storage.cell_keys import FIGURE_CELLS

    metric_cells = {c for _label, nums, den in q.METRICS.values() for c in (*nums, *([den] if den else []))}
    assert set(q.KEY_CELLS.values()) | metric_cells <= set(FIGURE_CELLS)


def test_a_ranking_by_any_cell_reads_the_cells(demo: DemoArchive) -> None:
    cell = "active_disclosure/administrative_fees"  # not a figure cell
    data = q.ranking(demo.archive, year=2023, metric=cell, limit=q.MAX_LIMIT)
    with demo.archive.session() as s:
        canonical = s.execute(select(Report.id).where(Report.year == 2023, Report.is_canonical.is_(True))).scalars()
        expected = {rid: cells_of(demo, rid).get(cell) for rid in canonical}
    got = {r["id"]: r["numerator"] for r in data["ranking"]["items"]}
    assert {rid: v for rid, v in got.items() if v is not None} == {
        rid: int(v) for rid, v in expected.items() if v is not None}


def test_a_page_with_a_regions_coverage_and_reports_reads_the_region_once(demo: DemoArchive) -> None:
    from sqlalchemy import event

    from storage import db
    from storage.archive import one_read

    statements: list[str] = []

    def executed(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.get_read_engine(demo.archive.url)
    event.listen(engine, "before_cursor_execute", executed)
    try:
        with one_read(), q.one_generation():  # one web request
            summary = q.coverage(demo.archive, region="640500", year=2022, limit=100, offset=1)["summary"]
            page = q.region_reports(demo.archive, region="640500", year=2022, limit=2, coverage_summary=summary)
    finally:
        event.remove(engine, "before_cursor_execute", executed)
    assert sum("row_number" in s for s in statements) == 1
    assert page["reports"]["total"] >= 1
