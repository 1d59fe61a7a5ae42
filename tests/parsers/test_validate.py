"""Every check rule of REPORT_FORMAT.md, each with a record that breaks it and one that does not."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from parsers.validate import validate

SEEDS = Path("/work/shared/corpus/seeds")
COLS = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
        "legal_service_org", "other_org", "total")


def _row(*six: int) -> dict[str, int]:
    return dict(zip(COLS, [*six, sum(six)], strict=True))


def _record() -> dict[str, Any]:
    """A consistent 2021 record: 3 new + 1 carried = 3 answered + 1 carried on."""
    zero = _row(0, 0, 0, 0, 0, 0)
    apps = {k: dict(zero) for k in (
        "disclosed", "partially_disclosed", "not_disclosed.state_secret", "not_disclosed.prohibited_by_law",
        "not_disclosed.security_stability", "not_disclosed.third_party_rights", "not_disclosed.internal_affairs",
        "not_disclosed.process_information", "not_disclosed.enforcement_files",
        "not_disclosed.administrative_query", "unable.not_held", "unable.needs_creation",
        "unable.unclear_after_correction", "not_processed.complaint", "not_processed.duplicate",
        "not_processed.publication", "not_processed.excessive", "not_processed.confirm_or_reissue",
        "other.no_correction", "other.fee_unpaid", "other.other")}
    apps["new_received"] = _row(2, 1, 0, 0, 0, 0)
    apps["carried_over"] = _row(1, 0, 0, 0, 0, 0)
    apps["disclosed"] = _row(2, 0, 0, 0, 0, 0)
    apps["unable.not_held"] = _row(0, 1, 0, 0, 0, 0)
    apps["total"] = _row(2, 1, 0, 0, 0, 0)
    apps["carried_to_next_year"] = _row(1, 0, 0, 0, 0, 0)
    group = {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2}
    return {
        "format": "nianbao.report/1", "agency": "某局", "region": None, "year": 2023, "template": "2021",
        "published": None,
        "tables": {
            "active_disclosure": {"regulations": {"issued": 0, "repealed": 0, "in_force": 0},
                                  "normative_documents": {"issued": 1, "repealed": 7, "in_force": 0},
                                  "administrative_licensing": 5, "administrative_penalty": 0,
                                  "administrative_coercion": 0, "administrative_fees": 0.0},
            "applications": apps,
            "review_litigation": {"reconsideration": dict(group), "litigation_direct": dict(group),
                                  "litigation_after_reconsideration": dict(group)},
        },
        "checks": [],
    }


def _rules(checks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(c["rule"], c.get("column") or c.get("row") or c.get("group") or c.get("cell") or "") for c in checks]


def test_consistent_record_passes_every_rule() -> None:
    assert validate(_record()) == []


def test_balance() -> None:
    rec = _record()
    rec["tables"]["applications"]["carried_to_next_year"]["natural_person"] = 2
    rec["tables"]["applications"]["carried_to_next_year"]["total"] = 3
    got = _rules(validate(rec))
    assert ("applications.balance", "natural_person") in got
    assert ("applications.balance", "total") in got
    assert all("message" in c and c["message"] for c in validate(rec))


def test_total_row() -> None:
    rec = _record()
    rec["tables"]["applications"]["disclosed"]["commercial_enterprise"] = 1
    rec["tables"]["applications"]["disclosed"]["total"] = 3
    got = _rules(validate(rec))
    assert ("applications.total_row", "commercial_enterprise") in got
    assert ("applications.total_row", "total") in got


def test_total_column() -> None:
    rec = _record()
    rec["tables"]["applications"]["not_processed.duplicate"]["total"] = 4
    got = _rules(validate(rec))
    assert ("applications.total_column", "not_processed.duplicate") in got


def test_review_total() -> None:
    rec = _record()
    rec["tables"]["review_litigation"]["litigation_direct"]["total"] = 5
    assert _rules(validate(rec)) == [("review_litigation.total", "litigation_direct")]


def test_null_or_missing_cells_are_not_checked() -> None:
    rec = _record()
    rec["tables"]["applications"]["carried_to_next_year"]["natural_person"] = None
    rec["tables"]["applications"]["carried_to_next_year"]["total"] = 7  # breaks total_column... with a null
    rec["tables"]["review_litigation"]["reconsideration"]["total"] = None
    del rec["tables"]["review_litigation"]["litigation_direct"]["pending"]
    rec["tables"]["review_litigation"]["litigation_direct"]["total"] = 9
    got = _rules(validate(rec))
    assert ("applications.total_column", "carried_to_next_year") not in got
    assert not any(r == "review_litigation.total" for r, _ in got)
    assert ("applications.balance", "total") in got  # the total column itself is still stated


def test_cross_year_carry_over_needs_the_previous_record() -> None:
    rec = _record()
    prev = _record()
    prev["year"] = 2022
    prev["tables"]["applications"]["carried_to_next_year"] = _row(2, 0, 0, 0, 0, 0)
    assert not any(c["rule"] == "cross_year.carry_over" for c in validate(rec))
    got = _rules(validate(rec, previous=prev))
    assert ("cross_year.carry_over", "natural_person") in got and ("cross_year.carry_over", "total") in got
    prev["year"] = 2020  # not the year before: not comparable
    assert not any(c["rule"] == "cross_year.carry_over" for c in validate(rec, previous=prev))


@pytest.mark.parametrize("text, cell", [
    ("2023年，本机关共收到政府信息公开申请5件，均已按期答复。", "applications/new_received/total"),
    ("全年共收到公民政府信息公开申请4件、法人和其他组织政府信息公开申请1件。", "applications/new_received/natural_person"),
    ("2023年我局未收到政府信息公开申请。", "applications/new_received/total"),
    ("依申请公开方面，全年共收到申请2件。", "applications/new_received/total"),
    ("收到申请3件，结转至2024年2件。", "applications/carried_to_next_year/total"),
    ("本年度清理工作中废止行政规范性文件3件，现行有效0件。", "active_disclosure/normative_documents/repealed"),
    ("2023年未发生因政府信息公开引起的行政复议、行政诉讼。", "review_litigation/reconsideration/total"),
    ("全年因政府信息公开引发行政复议6件。", "review_litigation/reconsideration/total"),
])
def test_narrative_mismatch(text: str, cell: str) -> None:
    checks = validate(_record(), text=text)
    assert [c["cell"] for c in checks if c["rule"] == "narrative.mismatch"][:1] == [cell]


@pytest.mark.parametrize("text", [
    "2023年，本机关共收到政府信息公开申请3件。",  # agrees
    "收到政府信息公开申请4件（含上年结转）。",  # new + carried over
    "全区共收到政府信息公开申请17件。",  # another scope
    "区政府办受理17件。",  # another body, no 申请 counted
    "2022年共收到政府信息公开申请9件。",  # another year
    "制发政策性文件3件，废止2件。",  # not 行政规范性文件
    "政务大厅办件量达38367件，网上办件量52140件。",  # counts something else (seed 000)
    "全年未收到因政府信息公开申请引起的投诉举报。",  # not about the number of applications
    "全年因政府信息公开引发行政复议2件。",  # agrees
    "依申请公开方面，收到行政复议申请5件。",  # counts other matters
    "全年受理行政许可申请120件，均已公开办理结果。",
])
def test_prose_about_something_else_is_not_a_mismatch(text: str) -> None:
    assert [c for c in validate(_record(), text=text) if c["rule"] == "narrative.mismatch"] == []


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_truth_records_and_texts_raise_no_check(seed: Path) -> None:
    truth = json.loads(seed.with_name(seed.name.replace(".txt", ".truth.json")).read_text(encoding="utf-8"))
    assert validate(copy.deepcopy(truth), text=seed.read_text(encoding="utf-8")) == []
