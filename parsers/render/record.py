"""Realistic, internally consistent truth records (REPORT_FORMAT shape), random but deterministic.

``make_record`` draws the numbers of one report from a seeded generator so that every check rule of
/work/shared/REPORT_FORMAT.md holds, then (with ``violate=<rule>``) breaks exactly that one rule and
lists each failing instance in ``checks``, as the parser's validator must report it.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from parsers.templates import labels

# the REPORT_FORMAT keys, from the one place that defines them (the parser's label table)
COLUMNS = labels.APPLICANT_COLUMNS  # the six applicant columns + total
APPLICANT_COLUMNS = COLUMNS[:-1]
RESULT_ROWS = {"2021": labels.RESULT_ROWS_2021, "2019": labels.RESULT_ROWS_2019}
REVIEW_GROUPS = labels.REVIEW_GROUPS
REVIEW_COLUMNS = labels.REVIEW_FIELDS

# Rules make_record can break on its own (cross_year.carry_over needs last year's record).
VIOLABLE_RULES = (
    "applications.balance",
    "applications.total_row",
    "applications.total_column",
    "review_litigation.total",
    "narrative.mismatch",
)

# How often an outcome is chosen for one application (rough shape of real reports).
_RESULT_WEIGHTS = {
    "disclosed": 40,
    "partially_disclosed": 8,
    "not_disclosed.state_secret": 0.3,
    "not_disclosed.prohibited_by_law": 0.6,
    "not_disclosed.security_stability": 0.4,
    "not_disclosed.third_party_rights": 1,
    "not_disclosed.internal_affairs": 1.2,
    "not_disclosed.process_information": 1.5,
    "not_disclosed.enforcement_files": 0.8,
    "not_disclosed.administrative_query": 1,
    "unable.not_held": 18,
    "unable.needs_creation": 3,
    "unable.unclear_after_correction": 1.5,
    "not_processed.complaint": 4,
    "not_processed.duplicate": 3,
    "not_processed.publication": 0.5,
    "not_processed.excessive": 0.8,
    "not_processed.confirm_or_reissue": 0.7,
    "other.no_correction": 2,
    "other.fee_unpaid": 0.2,
    "other.other": 2.5,
    "other": 4,
}


def make_record(
    *,
    agency: str,
    region: str | None,
    year: int,
    template: str = "2021",
    seed: int = 0,
    published: str | None = None,
    violate: str | None = None,
) -> dict[str, Any]:
    """Return a truth record for one report; same arguments give the same record.

    ``published`` defaults to a date in January-March of the following year drawn from the seed.
    ``violate`` names one rule of REPORT_FORMAT.md (see ``VIOLABLE_RULES``) that the record breaks;
    ``checks`` then lists every failing instance of it.  The prose numbers the renderer writes are
    kept in ``record["narrative"]`` (a renderer hint, not part of the scored shape).
    """
    if template not in RESULT_ROWS:
        raise ValueError(f"template must be '2021' or '2019', not {template!r}")
    if violate is not None and violate not in VIOLABLE_RULES:
        raise ValueError(f"violate must be one of {', '.join(VIOLABLE_RULES)}, not {violate!r}")
    rng = random.Random(f"{agency}|{region}|{year}|{template}|{seed}")
    if published is None:
        day = dt.date(year + 1, 1, 10) + dt.timedelta(days=rng.randrange(0, 70))
        published = day.isoformat()
    else:
        dt.date.fromisoformat(published)  # raises ValueError on a bad date

    applications = _applications(rng, template, need_outcomes=violate == "applications.total_column")
    review = _review(rng)
    active = _active_2021(rng) if template == "2021" else _active_2019(rng)
    record: dict[str, Any] = {
        "format": "nianbao.report/1",
        "agency": agency,
        "region": region,
        "year": year,
        "template": template,
        "published": published,
        "tables": {
            "active_disclosure": active,
            "applications": applications,
            "review_litigation": review,
        },
        "checks": [],
    }
    record["narrative"] = _narrative_numbers(record)
    if violate is not None:
        record["checks"] = _violate(record, violate, rng)
    return record


# ------------------------------------------------------------------ tables


def _applications(rng: random.Random, template: str, need_outcomes: bool) -> dict[str, dict[str, int]]:
    scale = rng.choice([0, 3, 12, 40, 150, 600])
    new = {
        "natural_person": _around(rng, scale),
        "commercial_enterprise": _around(rng, scale * 0.08),
        "research_institution": _around(rng, scale * 0.005),
        "social_welfare_org": _around(rng, scale * 0.01),
        "legal_service_org": _around(rng, scale * 0.03),
        "other_org": _around(rng, scale * 0.02),
    }
    carried = {c: _around(rng, new[c] * 0.05) for c in APPLICANT_COLUMNS}
    # The total_column violation moves one application between two outcomes: make sure it can.
    if need_outcomes and new["natural_person"] + carried["natural_person"] < 4:
        new["natural_person"] += 4
    result_rows = RESULT_ROWS[template]
    rows: dict[str, dict[str, int]] = {r: dict.fromkeys(APPLICANT_COLUMNS, 0) for r in result_rows}
    next_year = {}
    weights = [_RESULT_WEIGHTS[r] for r in result_rows]
    for col in APPLICANT_COLUMNS:
        available = new[col] + carried[col]
        next_year[col] = min(available, _around(rng, available * 0.06))
        handled = available - next_year[col]
        if need_outcomes and col == "natural_person":
            rows["disclosed"][col] += 1
            rows["partially_disclosed"][col] += 1
            handled -= 2
        for row in rng.choices(result_rows, weights=weights, k=handled):
            rows[row][col] += 1
    table: dict[str, dict[str, int]] = {
        "new_received": _with_total(new),
        "carried_over": _with_total(carried),
    }
    for row in result_rows:
        table[row] = _with_total(rows[row])
    table["total"] = _with_total({c: sum(rows[r][c] for r in result_rows) for c in APPLICANT_COLUMNS})
    table["carried_to_next_year"] = _with_total(next_year)
    return table


def _review(rng: random.Random) -> dict[str, dict[str, int]]:
    out = {}
    for group, scale in zip(REVIEW_GROUPS, (3, 2, 1), strict=True):
        busy = rng.random() < 0.6
        counts = {
            "upheld": _around(rng, scale) if busy else 0,
            "corrected": _around(rng, scale * 0.3) if busy else 0,
            "other": _around(rng, scale * 0.3) if busy else 0,
            "pending": _around(rng, scale * 0.2) if busy else 0,
        }
        out[group] = {**counts, "total": sum(counts.values())}
    return out


def _active_2021(rng: random.Random) -> dict[str, Any]:
    rule_maker = rng.random() < 0.15
    issued = rng.randrange(0, 12)
    return {
        "regulations": {
            "issued": rng.randrange(0, 4) if rule_maker else 0,
            "repealed": rng.randrange(0, 3) if rule_maker else 0,
            "in_force": rng.randrange(5, 90) if rule_maker else 0,
        },
        "normative_documents": {
            "issued": issued,
            "repealed": rng.randrange(0, 8),
            "in_force": issued + rng.randrange(0, 120),
        },
        "administrative_licensing": _around(rng, rng.choice([0, 40, 900, 9000])),
        "administrative_penalty": _around(rng, rng.choice([0, 12, 300])),
        "administrative_coercion": _around(rng, rng.choice([0, 2, 20])),
        "administrative_fees": _money(rng, rng.choice([0, 0, 35, 1200])),
    }


def _active_2019(rng: random.Random) -> dict[str, Any]:
    def items(scale: float) -> dict[str, int]:
        prior = _around(rng, scale)
        change = rng.randrange(-min(prior, 5), 6) if prior else rng.randrange(0, 3)
        return {"prior_year_items": prior, "change": change, "decisions": _around(rng, scale * 20)}

    made = rng.randrange(0, 10)
    regulations_made = rng.randrange(0, 3) if rng.random() < 0.15 else 0
    return {
        "regulations": {
            "made": regulations_made,
            "published": regulations_made,
            "total_published": regulations_made + rng.randrange(0, 40),
        },
        "normative_documents": {
            "made": made,
            "published": made,
            "total_published": made + rng.randrange(0, 90),
        },
        "administrative_licensing": items(rng.choice([0, 15, 120])),
        "other_administrative_services": items(rng.choice([0, 5, 30])),
        "administrative_penalty": items(rng.choice([0, 20, 200])),
        "administrative_coercion": items(rng.choice([0, 3, 12])),
        "administrative_fees": {
            "prior_year_items": _around(rng, 3),
            "change": rng.randrange(-1, 2) if rng.random() < 0.3 else 0,
        },
        "government_procurement": {
            "items": _around(rng, rng.choice([0, 4, 25])),
            "amount": _money(rng, rng.choice([0, 80, 2500])),
        },
    }


def _with_total(counts: dict[str, int]) -> dict[str, int]:
    return {**counts, "total": sum(counts.values())}


def _around(rng: random.Random, mean: float) -> int:
    """A non-negative count near ``mean`` (often 0 when the mean is small)."""
    if mean <= 0:
        return 0
    if mean < 1:
        return 1 if rng.random() < mean else 0
    return max(0, round(rng.gauss(mean, mean * 0.35)))


def _money(rng: random.Random, mean: float) -> float:
    if mean <= 0:
        return 0.0
    return round(max(0.01, rng.gauss(mean, mean * 0.4)), 2)


# ------------------------------------------------------------------ prose numbers and violations


def _narrative_numbers(record: dict[str, Any]) -> dict[str, int]:
    """Numbers the prose states, each counting exactly one table cell (cell id -> value)."""
    tables = record["tables"]
    apps = tables["applications"]
    review = tables["review_litigation"]
    numbers = {
        "applications/new_received/total": apps["new_received"]["total"],
        "applications/carried_over/total": apps["carried_over"]["total"],
        "applications/disclosed/total": apps["disclosed"]["total"],
        "applications/carried_to_next_year/total": apps["carried_to_next_year"]["total"],
        "review_litigation/reconsideration/total": review["reconsideration"]["total"],
    }
    if record["template"] == "2021":
        numbers["active_disclosure/normative_documents/issued"] = tables["active_disclosure"][
            "normative_documents"
        ]["issued"]
    else:
        numbers["active_disclosure/normative_documents/made"] = tables["active_disclosure"][
            "normative_documents"
        ]["made"]
    return numbers


def _violate(record: dict[str, Any], rule: str, rng: random.Random) -> list[dict[str, str]]:
    apps = record["tables"]["applications"]
    delta = rng.randrange(1, 4)
    if rule == "applications.balance":
        # The document's new_received row is larger than what it accounts for.
        apps["new_received"]["natural_person"] += delta
        apps["new_received"]["total"] += delta
        record["narrative"]["applications/new_received/total"] = apps["new_received"]["total"]
        return [
            {
                "rule": rule,
                "column": col,
                "message": f"新收+上年结转 != 办理结果总计+结转下年度 in column {col}",
            }
            for col in ("natural_person", "total")
        ]
    if rule == "applications.total_row":
        apps["disclosed"]["natural_person"] += delta
        apps["disclosed"]["total"] += delta
        record["narrative"]["applications/disclosed/total"] = apps["disclosed"]["total"]
        return [
            {"rule": rule, "column": col, "message": f"(七)总计 != sum of result rows in column {col}"}
            for col in ("natural_person", "total")
        ]
    if rule == "applications.total_column":
        # One application moved between outcomes in the natural-person column only.
        apps["disclosed"]["natural_person"] += 1
        apps["partially_disclosed"]["natural_person"] -= 1
        return [
            {"rule": rule, "row": row, "message": f"总计 != sum of the six applicant columns in row {row}"}
            for row in ("disclosed", "partially_disclosed")
        ]
    if rule == "review_litigation.total":
        group = record["tables"]["review_litigation"]["reconsideration"]
        group["total"] += delta
        record["narrative"]["review_litigation/reconsideration/total"] = group["total"]
        return [
            {"rule": rule, "group": "reconsideration", "message": "行政复议 总计 != 维持+纠正+其他+尚未审结"}
        ]
    # narrative.mismatch: the prose states a different number of new applications than the table.
    cell = "applications/new_received/total"
    if delta == apps["carried_over"]["total"]:
        delta += 1  # new + carried-over is a sum reports also state; keep the mismatch unambiguous
    record["narrative"][cell] = apps["new_received"]["total"] + delta
    return [
        {
            "rule": rule,
            "cell": cell,
            "message": f"prose says {record['narrative'][cell]} new applications, the table says {apps['new_received']['total']}",
        }
    ]


def truth_view(record: dict[str, Any]) -> dict[str, Any]:
    """The record without renderer hints: exactly the REPORT_FORMAT shape (for *.truth.json)."""
    return {k: v for k, v in record.items() if k != "narrative"}
