"""Reports unlike the seeds parse to their hand-written truth: cells, metadata and every check with its locator.

The stress fixtures (tests/fixtures/reports/stress_*.txt, and stress_extra/ for a freeform report the
rendered-fixture set does not take) are seed-style text extractions edited the way other real reports
differ: the 2019 template (one 三(六) row, 第二十条 with 上一年项目数量/本年增/减), an applications table
without the 总计 column, many non-zero values with totals that do not add up, prose that contradicts the
tables, labels and values spread over several lines, full-width digits and thousands separators, layout
text and Markdown pipe tables, titles and dates in Chinese numerals, and agencies from a 街道办事处 to a
省级厅.  Below them, the smaller cases each fix was made for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import parsers
from parsers.validate import validate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
STRESS = sorted([*FIXTURES.glob("stress_*.txt"), *(FIXTURES / "stress_extra").glob("stress_*.txt")])
LOCATORS = ("column", "row", "group", "cell")


def _cells(tables: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tables.items():
        if isinstance(value, dict):
            out.update(_cells(value, f"{prefix}{key}/"))
        else:
            out[prefix + key] = value
    return out


def _checks(record: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["rule"], next(c[k] for k in LOCATORS if k in c)) for c in record["checks"]}


def test_the_stress_set_covers_templates_rules_and_agencies() -> None:
    truths = [json.loads(p.with_name(p.name[:-4] + ".truth.json").read_text(encoding="utf-8")) for p in STRESS]
    assert len(truths) >= 10
    assert {t["template"] for t in truths} == {"2021", "2019", "freeform"}
    assert {c["rule"] for t in truths for c in t["checks"]} == {
        "applications.balance", "applications.total_row", "applications.total_column",
        "review_litigation.total", "narrative.mismatch"}
    agencies = "".join(t["agency"] for t in truths)
    assert all(w in agencies for w in ("县人民政府办公室", "街道办事处", "管理委员会", "厅", "镇人民政府"))


@pytest.mark.parametrize("path", STRESS, ids=lambda p: p.name)
def test_stress_report_parses_to_its_truth(path: Path) -> None:
    truth = json.loads(path.with_name(path.name[:-4] + ".truth.json").read_text(encoding="utf-8"))
    record = parsers.parse_file(path).record
    for key in ("agency", "year", "template", "published"):
        assert record[key] == truth[key], key
    region, got = truth["region"], record["region"]
    assert region == got or (region and got and (region.endswith(got) or got.endswith(region)))
    want, have = _cells(truth["tables"]), _cells(record["tables"])
    wrong = {k: (v, have.get(k, "missing")) for k, v in want.items()
             if not (v == have.get(k) and (v is None) == (have.get(k) is None))}
    assert not wrong
    assert _checks(record) == _checks(truth)
    assert len(record["checks"]) == len(truth["checks"])  # one entry per failing instance


def test_an_applications_table_without_the_total_column_keeps_its_six_columns() -> None:
    record = parsers.parse_file(FIXTURES / "stress_2019_sixcol.txt").record
    apps = record["tables"]["applications"]
    assert apps["new_received"] == {"natural_person": 12, "commercial_enterprise": 3, "research_institution": 0,
                                    "social_welfare_org": 0, "legal_service_org": 1, "other_org": 0}
    assert all("total" not in row for row in apps.values())  # a column the document lacks is left out


def test_a_label_wrapped_over_three_lines_with_its_values_in_the_middle() -> None:
    record = parsers.parse_file(FIXTURES / "stress_2021_province.txt").record
    assert record["tables"]["applications"]["other.no_correction"]["natural_person"] == 1
    assert record["tables"]["applications"]["other.no_correction"]["total"] == 1


def _narrative_record() -> dict[str, Any]:
    return parsers.parse_file(FIXTURES / "stress_2021_county_cn.txt").record


@pytest.mark.parametrize("prose", [
    "12月份收到政府信息公开申请6件。",  # part of the year
    "第四季度收到政府信息公开申请9件。",
    "共清理规范性文件50件，其中废止3件、现行有效47件。",  # the cleanup's documents, not all in force
    "收到公民和法人政府信息公开申请39件，其中上年结转3件。",  # every applicant, with last year's 3
    "2023年共收到36件政府信息公开申请。",  # agrees
    "收到3件行政复议申请。",  # another matter
    "上年度结转的政府信息公开申请3件已全部办结。",  # agrees
])
def test_prose_about_something_else_is_no_mismatch(prose: str) -> None:
    record = _narrative_record()
    assert [c for c in validate(record, text=prose) if c["rule"] == "narrative.mismatch"] == []


@pytest.mark.parametrize("prose,cell", [
    ("2023年1月至12月，共收到政府信息公开申请40件。", "applications/new_received/total"),
    ("截至2023年12月31日，共收到政府信息公开申请40件。", "applications/new_received/total"),
    ("收到公民和法人政府信息公开申请40件。", "applications/new_received/total"),
    ("本年度废止行政规范性文件5件。", "active_disclosure/normative_documents/repealed"),
    ("2023年共收到40件政府信息公开申请。", "applications/new_received/total"),  # the number first
    ("本年度收到依申请公开40件。", "applications/new_received/total"),
    ("收到政府信息公开申请36件，上年结转申请5件。", "applications/carried_over/total"),
])
def test_prose_that_contradicts_the_table_is_reported_once_with_its_cell(prose: str, cell: str) -> None:
    record = _narrative_record()
    found = [c for c in validate(record, text=prose) if c["rule"] == "narrative.mismatch"]
    assert [c["cell"] for c in found] == [cell]


def test_signature_date_with_yuanyue() -> None:
    record = parsers.parse_file(FIXTURES / "stress_2023_town_pipes.txt").record
    assert record["published"] == "2024-01-15"
    text = (FIXTURES / "stress_2023_town_pipes.txt").read_text(encoding="utf-8").replace("元月", "一月")
    assert parsers.parse_bytes(text.encode("utf-8")).record["published"] == "2024-01-15"


def test_a_row_that_lost_its_tabs_inside_a_table_is_still_a_row() -> None:
    path = FIXTURES / "stress_2021_county_cn.txt"
    text = path.read_text(encoding="utf-8")
    row = "一、本年新收政府信息公开申请数量\t\t\t30\t4\t0\t1\t1\t0\t36"
    assert row in text
    record = parsers.parse_bytes(text.replace(row, "一、本年新收政府信息公开申请数量 30 4 0 1 1 0 36").encode()).record
    assert record["tables"] == parsers.parse_file(path).record["tables"]
    # a page number between table rows is not a row; prose after a table stays prose
    paged = text.replace(row, row + "\n- 3 -")
    assert parsers.parse_bytes(paged.encode()).record["tables"] == record["tables"]


def test_a_review_row_wrapped_over_two_lines_without_its_header() -> None:
    path = FIXTURES / "stress_2021_county_cn.txt"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("四、政府信息公开行政复议"), text.index("1\t0\t0\t0\t1\n")
    record = parsers.parse_bytes((text[:start] + text[end:]).encode()).record
    assert record["tables"]["review_litigation"] == parsers.parse_file(path).record["tables"]["review_litigation"]
    assert record["tables"]["review_litigation"]["reconsideration"]["upheld"] == 1
