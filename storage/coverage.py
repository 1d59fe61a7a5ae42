"""The coverage report of a harvest: for every publishing unit asked for, what became of its report.

=============  ===============================================================================
``found``      the unit's report of the year is archived, passes its checks, was on time
``late``       archived, but published after the deadline: 31 January of the next year for a
               department's report, 31 March for a people's government's report
``invalid``    archived, but the document could not be read or breaks consistency checks
``missing``    the unit's portal was reached and has no report of that year
``blocked``    the portal refused the crawler (412/521/captcha); recorded, never evaded
``unreachable`` the portal could not be fetched (connection error, timeout, crawl failure)
=============  ===============================================================================

Which units: those of the registry entries crawled and every unit of the same area (or
portal) that published a report for that year or an earlier one.  The rows are stored as
:class:`storage.models.Coverage` under the run's :class:`~storage.models.CrawlRun` and shown
as a markdown table (a Prefect artifact) and a terminal table.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from storage.archive import Archive
from storage.models import AnyRow, Coverage, Report, Unit

STATES = ("found", "late", "invalid", "missing", "blocked", "unreachable")
# a crawl outcome of the unit's portal -> the state of a unit without an archived report
_NO_REPORT_STATE = {"ok": "missing", "blocked": "blocked", "unreachable": "unreachable", "failed": "unreachable"}


def deadline(year: int, kind: str) -> dt.date:
    """The last day a report for ``year`` may be published (条例第五十条 and 国办 guidance)."""
    return dt.date(year + 1, 3, 31) if kind == "government" else dt.date(year + 1, 1, 31)


@dataclass(frozen=True)
class PortalOutcome:
    """How the crawl of one portal ended (from the crawl's summary)."""

    portal_id: str
    outcome: str  # ok | blocked | unreachable | failed
    error: str | None = None
    documents: int = 0

    def describe(self) -> str:
        return self.error or self.outcome


@dataclass(frozen=True)
class CoverageRow:
    unit_id: int
    unit: str
    region_code: str
    kind: str
    portal: str | None
    year: int
    state: str
    report_id: int | None = None
    published: str | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def region_prefix(code: str) -> str:
    """The code prefix shared by an area and everything inside it: 640500 -> 6405, 640000 -> 64."""
    code = code.strip()
    if len(code) != 6 or not code.isdigit():
        raise ValueError(f"not a 6-digit 行政区划代码: {code!r}")
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def in_regions(code: str | None, regions: Sequence[str] | None) -> bool:
    if not regions:
        return True
    return bool(code) and any(str(code).startswith(region_prefix(r)) for r in regions)


def units_in_scope(
    archive: Archive,
    year: int,
    registry_unit_ids: Iterable[int],
    *,
    regions: Sequence[str] | None = None,
    portals: Sequence[str] | None = None,
) -> list[Unit]:
    """The registry's units plus every unit of the asked area (or portals) that published a report
    for this year or an earlier one (a unit found on a portal counts even if the registry lacks it)."""
    ids = set(registry_unit_ids)
    with archive.session() as s:
        earlier = select(Unit).join(Report, Report.unit_id == Unit.id).where(Report.year <= year).distinct()
        for unit in s.scalars(earlier):
            if portals and unit.portal_id not in portals:
                continue
            if in_regions(unit.region_code, regions):
                ids.add(unit.id)
        units = list(s.scalars(select(Unit).where(Unit.id.in_(ids)))) if ids else []
        s.expunge_all()
    return sorted(units, key=lambda u: (u.region_code, u.kind != "government", u.name))


def unit_state(
    unit: Unit | AnyRow, year: int, report: Report | AnyRow | None, portal: PortalOutcome | None
) -> tuple[str, str, int | None, str | None]:
    """(state, detail, report id, published) of one unit; the rules of the module docstring.

    ``unit`` needs its ``kind``; ``report`` its ``id``, ``published``, ``parse_error``, ``parse_message`` and
    ``checks_failed`` (an ORM object or a row of those columns)."""
    if report is not None:
        published = report.published.isoformat() if report.published else None
        if report.parse_error:
            return "invalid", f"unreadable: {report.parse_error}: {report.parse_message or ''}".strip(), report.id, published
        if report.checks_failed:
            return "invalid", f"{report.checks_failed} check(s) fail", report.id, published
        if report.published is None:
            return "found", "publish date unknown", report.id, published
        due = deadline(year, unit.kind)
        if report.published > due:
            days = (report.published - due).days
            return "late", f"published {published}, {days} day(s) after {due.isoformat()}", report.id, published
        return "found", "", report.id, published
    if portal is None:
        return "missing", "no portal of this unit was crawled", None, None
    state = _NO_REPORT_STATE.get(portal.outcome, "unreachable")
    detail = f"portal {portal.portal_id} reached, no {year} report" if state == "missing" else portal.describe()
    return state, detail, None, None


def compute_coverage(
    archive: Archive, year: int, units: Sequence[Unit], portal_outcomes: Mapping[str, PortalOutcome]
) -> list[CoverageRow]:
    rows = []
    for unit in units:
        report = archive.canonical_report(unit.id, year)
        portal = portal_outcomes.get(unit.portal_id or "")
        state, detail, report_id, published = unit_state(unit, year, report, portal)
        rows.append(
            CoverageRow(
                unit_id=unit.id, unit=unit.name, region_code=unit.region_code, kind=unit.kind,
                portal=unit.portal_id, year=year, state=state, report_id=report_id,
                published=published, detail=detail,
            )
        )
    return rows


def store_coverage(archive: Archive, run_id: int, rows: Sequence[CoverageRow]) -> None:
    """Write the rows under the run (replacing any written earlier for the same run)."""
    with archive.session() as s:
        s.query(Coverage).filter(Coverage.run_id == run_id).delete()
        s.add_all(
            Coverage(run_id=run_id, unit_id=r.unit_id, year=r.year, state=r.state,
                     report_id=r.report_id, detail=r.detail or None)
            for r in rows
        )


def load_coverage(archive: Archive, run_id: int) -> list[CoverageRow]:
    """The coverage rows stored for a run (for ``nianbao`` commands and the web)."""
    with archive.session() as s:
        found = s.execute(
            select(Coverage, Unit).join(Unit, Unit.id == Coverage.unit_id).where(Coverage.run_id == run_id)
            .order_by(Coverage.id)
        ).all()
        rows = []
        for cov, unit in found:
            report = s.get(Report, cov.report_id) if cov.report_id else None
            rows.append(CoverageRow(
                unit_id=unit.id, unit=unit.name, region_code=unit.region_code, kind=unit.kind,
                portal=unit.portal_id, year=cov.year, state=cov.state, report_id=cov.report_id,
                published=report.published.isoformat() if report and report.published else None,
                detail=cov.detail or "",
            ))
    return rows


def state_counts(rows: Iterable[CoverageRow]) -> dict[str, int]:
    counts = Counter(r.state for r in rows)
    return {state: counts.get(state, 0) for state in STATES}


TABLE_COLUMNS = ("unit", "region_code", "portal", "state", "published", "report_id", "detail")


def coverage_markdown(rows: Sequence[CoverageRow], title: str) -> str:
    """The coverage report as a markdown table (the Prefect artifact)."""
    counts = state_counts(rows)
    lines = [f"# {title}", "", " · ".join(f"**{k}** {v}" for k, v in counts.items()), ""]
    lines.append("| " + " | ".join(TABLE_COLUMNS) + " |")
    lines.append("|" + "---|" * len(TABLE_COLUMNS))
    for r in rows:
        values = [str(getattr(r, c) if getattr(r, c) is not None else "") for c in TABLE_COLUMNS]
        lines.append("| " + " | ".join(v.replace("|", "\\|") for v in values) + " |")
    return "\n".join(lines) + "\n"
