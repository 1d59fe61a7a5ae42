"""The auditor's questions, answered from the archive; shared by ``nianbao query``, export and the web app.

Every function takes an :class:`~storage.archive.Archive`, builds SQLAlchemy selects (values are
bound parameters, never pasted into SQL), and returns plain JSON-ready dicts.  Lists come back as a
:class:`Page` (``limit`` at most :data:`MAX_LIMIT`).  Only canonical report versions are counted
unless a function says otherwise.  Bad arguments raise :class:`QueryError` (a ``UserError``: one
line on the CLI, 422 on the web).

Questions (issue 5):

1. :func:`agency_years`: one unit across years, year-on-year changes, cross-year carry-over rule.
2. :func:`region_reports` + :func:`coverage`: a region's reports of a year, totals, missing/late units.
3. :func:`violations`: every failed check, by rule, region, year, level.
4. :func:`cell_provenance`: where a number came from (source, page+bbox / xpath, fetch, sha256).
5. :func:`version_diff`: what changed between two versions of a report.
6. :func:`ranking`, :func:`repeated_text`: rankings across units; text copied from last year.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import pickle
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Integer,
    Numeric,
    Row,
    Select,
    SmallInteger,
    and_,
    bindparam,
    case,
    cast,
    func,
    null,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased, defer

from nianbao.errors import UserError
from parsers.templates import labels
from storage.archive import Archive
from storage.cell_keys import FIGURE_KEYS, KEY_OF, cell_id_of
from storage.coverage import deadline, unit_state  # the harvest's own rules: both judge alike
from storage.models import AnyRow, Blob, Cell, CheckResult, Correction, Coverage, CrawlRun, Report, Unit
from storage.records import cell_value_from_db, flatten_tables
from storage.regions import region_by_code, resolve_region
from storage.sentences import repeated, split_digests

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
RULES = (
    "applications.balance",
    "applications.total_row",
    "applications.total_column",
    "review_litigation.total",
    "cross_year.carry_over",
    "narrative.mismatch",
)
LEVELS = ("province", "city", "county")
APPLICATION_COLUMNS = labels.APPLICANT_COLUMNS  # six applicant columns + total
NOT_DISCLOSED_TOTALS = tuple(
    f"applications/not_disclosed.{k}/total"
    for k in (
        "state_secret",
        "prohibited_by_law",
        "security_stability",
        "third_party_rights",
        "internal_affairs",
        "process_information",
        "enforcement_files",
        "administrative_query",
    )
)
# Figures shown for every report in region lists and summed as the region's totals.
KEY_CELLS = {
    "new_received": "applications/new_received/total",
    "carried_over": "applications/carried_over/total",
    "processed": "applications/total/total",
    "carried_to_next_year": "applications/carried_to_next_year/total",
    "reconsideration": "review_litigation/reconsideration/total",
    "litigation_direct": "review_litigation/litigation_direct/total",
    "litigation_after_reconsideration": "review_litigation/litigation_after_reconsideration/total",
}
# Ranking metrics: a name -> (description, cell ids summed as numerator, denominator cell or None)
METRICS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "applications_received": ("本年新收申请数量", ("applications/new_received/total",), None),
    "applications_processed": ("办理结果总计", ("applications/total/total",), None),
    "disclosed_share": ("予以公开占办理总数的比例", ("applications/disclosed/total",), "applications/total/total"),
    "not_disclosed_share": ("不予公开占办理总数的比例", NOT_DISCLOSED_TOTALS, "applications/total/total"),
    "not_held_share": ("本机关不掌握占办理总数的比例", ("applications/unable.not_held/total",), "applications/total/total"),
    "reconsiderations": ("行政复议总数", ("review_litigation/reconsideration/total",), None),
    "lawsuits": (
        "行政诉讼总数",
        ("review_litigation/litigation_direct/total", "review_litigation/litigation_after_reconsideration/total"),
        None,
    ),
    "corrected_in_review": (
        "复议诉讼结果纠正数",
        (
            "review_litigation/reconsideration/corrected",
            "review_litigation/litigation_direct/corrected",
            "review_litigation/litigation_after_reconsideration/corrected",
        ),
        None,
    ),
}
CELL_ID_RE = re.compile(r"^(active_disclosure|applications|review_litigation)(/[a-z_.]{1,60}){1,2}$")


class QueryError(UserError):
    """An argument the archive cannot answer (bad year, unknown rule, malformed region...)."""


@dataclass(frozen=True)
class Page:
    """One page of a list: ``items`` plus where it sits in the whole (``total`` matching rows)."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "total": self.total, "limit": self.limit, "offset": self.offset}

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def prev_offset(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None


# ------------------------------------------------------------------ argument checking


def check_page(limit: int | None, offset: int | None) -> tuple[int, int]:
    limit = DEFAULT_LIMIT if limit is None else int(limit)
    offset = 0 if offset is None else int(offset)
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise QueryError(f"offset must be 0 or more, not {offset}")
    return limit, offset


def check_year(year: int | None) -> int | None:
    if year is None:
        return None
    return require_year(year)


def require_year(year: int | None) -> int:
    if year is None:
        raise QueryError("a year is required")
    if not 2000 <= int(year) <= 2100:
        raise QueryError(f"year must be between 2000 and 2100, not {year}")
    return int(year)


def check_level(level: str | None) -> str | None:
    if level in (None, ""):
        return None
    if level not in LEVELS:
        raise QueryError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    return level


def check_rule(rule: str | None) -> str | None:
    if rule in (None, ""):
        return None
    if rule not in RULES:
        raise QueryError(f"unknown rule {rule!r}; rules are {', '.join(RULES)}")
    return rule


def check_cell_id(cell_id: str) -> str:
    if not CELL_ID_RE.match(cell_id or ""):
        raise QueryError(f"not a cell id: {cell_id!r} (e.g. applications/new_received/total)")
    return cell_id


def region_code_of(region: str | None) -> str | None:
    """A 行政区划代码 from a code (``640500``) or a name (``中卫市``); None for no filter."""
    if region is None or not str(region).strip():
        return None
    region = str(region).strip()
    if region.isdigit():
        if len(region) not in (2, 4, 6, 9, 12):
            raise QueryError(f"a 行政区划代码 has 6 digits (or a 2/4-digit prefix), not {region!r}")
        if len(region) in (2, 4):
            region = region.ljust(6, "0")
        found = region_by_code(region[:6])
        if found is None:
            raise QueryError(f"unknown 行政区划代码 {region!r}")
        return found.code
    if len(region) > 60:
        raise QueryError("a region name is at most 60 characters")
    named = resolve_region(region)
    if named is None:
        raise QueryError(f"unknown region {region!r}: give a name such as 中卫市 or a 6-digit code")
    return named.code


def region_prefix(code: str) -> str:
    """The code prefix shared by an area and its subordinate areas: 640000 -> 64, 640500 -> 6405."""
    code = code[:6]
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def _region_test(region_lo: Any, region_hi: Any, region_like: Any) -> ColumnElement[bool]:
    """Units of an area and its subordinate areas: a range on the code (index-friendly) plus the prefix
    (values from :func:`_region_bounds`, or bind parameters of those names)."""
    return and_(Unit.region_code >= region_lo, Unit.region_code < region_hi,
                Unit.region_code.like(region_like, escape="/"))


# for statements built once: the region's bounds are given when they run
_IN_BOUND_REGION = _region_test(bindparam("region_lo"), bindparam("region_hi"), bindparam("region_like"))


def _bound_scope(stmt: Select[*tuple[Any, ...]], in_region: bool, by_level: bool) -> Select[*tuple[Any, ...]]:
    """``stmt`` (of units) narrowed to the region and the level given when it runs (``region_lo``,
    ``region_hi``, ``region_like`` and ``level`` parameters), as asked."""
    if in_region:
        stmt = stmt.where(_IN_BOUND_REGION)
    if by_level:
        stmt = stmt.where(Unit.level == bindparam("level"))
    return stmt


def _region_bounds(code: str) -> dict[str, str]:
    """The values of :func:`_region_test` for ``code``."""
    prefix = region_prefix(code)
    escaped = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return {"region_lo": prefix, "region_hi": prefix[:-1] + chr(ord(prefix[-1]) + 1), "region_like": escaped + "%"}


def _in_region(code: str | None) -> Any:
    """:func:`_region_test` for ``code``; every unit when ``code`` is None."""
    return true() if code is None else _region_test(**_region_bounds(code))


# ------------------------------------------------------------------ rows


def _num(value: Decimal | None, is_decimal: bool = False) -> int | float | None:
    return cell_value_from_db(value, is_decimal)


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def report_row(report: Report, unit: Unit) -> dict[str, Any]:
    return _listed(report, unit, unit.id, unit.name)


def listed_row(row: Row[Any]) -> dict[str, Any]:
    """:func:`report_row` of a row of :func:`_report_list_select`."""
    return _listed(row, row, row.unit_id, row.name)


def _listed(report: Any, unit: Any, unit_id: int, unit_name: str) -> dict[str, Any]:
    return {
        "id": report.id,
        "unit_id": unit_id,
        "unit": unit_name,
        "region_code": unit.region_code or None,
        "region": unit.region_name,
        "level": unit.level,
        "kind": unit.kind,
        "year": report.year,
        "version": report.version,
        "canonical": report.is_canonical,
        "reason": report.reason,
        "template": report.template,
        "published": _iso(report.published),
        "form": report.form,
        "checks_failed": report.checks_failed,
        "parse_error": report.parse_error,
    }


_REPORT_LIST_COLUMNS = (
    Report.id, Report.unit_id, Unit.name, Unit.region_code, Unit.region_name, Unit.level, Unit.kind, Report.year,
    Report.version, Report.is_canonical, Report.reason, Report.template, Report.published, Report.form,
    Report.checks_failed, Report.parse_error,
)


def _report_list_select() -> Select[*tuple[Any, ...]]:
    """What a list shows of each report and its unit, as plain columns: a page of 50 reports costs no ORM objects."""
    return select(*_REPORT_LIST_COLUMNS).join(Unit, Unit.id == Report.unit_id)


def _report_unit_select() -> Select[Report, Unit]:
    # the plain text (tens of kB per report) is loaded only where it is read (diff, repeated text)
    return select(Report, Unit).join(Unit, Unit.id == Report.unit_id).options(defer(Report.text))


_generation_scope: ContextVar[dict[str, tuple[int, int, int]] | None] = ContextVar("generation_scope", default=None)


@contextmanager
def one_generation() -> Iterator[None]:
    """Inside this block (one web request), every kept answer is of one archive state, read once."""
    token, rows = _generation_scope.set({}), _region_years.set({})
    try:
        yield
    finally:
        _region_years.reset(rows)
        _generation_scope.reset(token)


class GenerationMemo:
    """Answers kept per archive and question until the archive changes.

    Report versions, coverage rows and units are only ever added (new ids; a new report version takes
    ``is_canonical`` from the previous one in the same transaction), so their largest ids name the
    archive's state (:meth:`generation`): whatever is computed from them stays right while it is
    unchanged.  Least recently used answers go first.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._pending: dict[tuple[Any, ...], threading.Event] = {}
        self._lock = threading.Lock()

    @staticmethod
    def generation(s: Session) -> tuple[int, int, int]:
        """The archive's state: largest report, coverage and unit ids (each only ever grows); read once per
        database inside :func:`one_generation` (a web request asks several kept questions)."""
        scope = _generation_scope.get()
        if scope is not None:
            url = str(s.get_bind().engine.url)
            if url not in scope:
                scope[url] = GenerationMemo._read_generation(s)
            return scope[url]
        return GenerationMemo._read_generation(s)

    @staticmethod
    def _read_generation(s: Session) -> tuple[int, int, int]:
        row = s.execute(_GENERATION).one()
        return (int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))

    def get(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """The kept answer for ``key``, else ``compute()``; concurrent askers of one key wait for a single
        computation (twenty clients asking for a cold year-wide ranking start one query, not twenty).

        Answers are kept pickled and every asker gets its own copy (callers may change what they get):
        unpickling a region's coverage costs a fraction of ``copy.deepcopy``.
        """
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return pickle.loads(self._answers[key])
            running = self._pending.get(key)
            if running is None:
                self._pending[key] = threading.Event()
        if running is not None:
            running.wait()
            with self._lock:
                if key in self._answers:
                    return pickle.loads(self._answers[key])
            return compute()  # the computation it waited for failed: try on its own
        try:
            answer = compute()
            kept = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
            with self._lock:
                self._answers[key] = kept
                while len(self._answers) > self.size:
                    self._answers.popitem(last=False)
            return answer
        finally:
            with self._lock:
                self._pending.pop(key).set()


_GENERATION = select(
    select(func.max(Report.id)).scalar_subquery(),
    select(func.max(Coverage.id)).scalar_subquery(),
    select(func.max(Unit.id)).scalar_subquery(),
)
_COUNTS = GenerationMemo(4096)
_AGGREGATES = GenerationMemo(512)
_Answer = TypeVar("_Answer")


def kept_per_generation(
    memo: GenerationMemo, *, ignore: tuple[str, ...] = ()
) -> Callable[[Callable[..., _Answer]], Callable[..., _Answer]]:
    """Keep the answers of an aggregate question (``fn(archive, **keywords)``) in ``memo`` until the
    archive changes; keywords named in ``ignore`` only save work and do not change the answer."""

    def wrap(fn: Callable[..., _Answer]) -> Callable[..., _Answer]:
        @functools.wraps(fn)
        def kept(archive: Archive, **keywords: Any) -> _Answer:
            with archive.session() as s:
                generation = GenerationMemo.generation(s)
            key = (archive.url, generation, fn.__qualname__,
                   tuple(sorted((k, v) for k, v in keywords.items() if k not in ignore)))
            answer: _Answer = memo.get(key, lambda: fn(archive, **keywords))
            return answer

        return kept

    return wrap


def _count(s: Session, stmt: Select[*tuple[Any, ...]], question: tuple[Any, ...],
           params: dict[str, Any] | None = None) -> int:
    """Rows matching ``stmt`` (a list's ``total``; ``params`` its bound values), ``question`` naming the filter
    (the asking function and its arguments): counting a broad filter scans the archive, so totals are kept
    until the archive changes."""
    key = (str(s.get_bind().engine.url), GenerationMemo.generation(s), question)
    return int(_COUNTS.get(key, lambda: s.scalar(
        select(func.count()).select_from(stmt.order_by(None).subquery()), params) or 0))


# ------------------------------------------------------------------ search and one report


@kept_per_generation(GenerationMemo(1024))
def search_reports(
    archive: Archive,
    *,
    text: str | None = None,
    region: str | None = None,
    year: int | None = None,
    level: str | None = None,
    unit_id: int | None = None,
    all_versions: bool = False,
    limit: int | None = None,
    offset: int | None = None,
) -> Page:
    """Reports whose unit or agency name contains ``text``, in a region (with its subordinate units).

    A name search reads every report name of the year (no index serves ``LIKE '%...%'``): pages are kept
    until the archive changes, as the aggregates are.
    """
    limit, offset = check_page(limit, offset)
    year, level = check_year(year), check_level(level)
    code = region_code_of(region)
    if text is not None and len(text) > 100:
        raise QueryError("search text is at most 100 characters")
    stmt = _report_list_select().where(_in_region(code))
    if not all_versions:
        stmt = stmt.where(Report.is_canonical.is_(True))
    if text and text.strip():
        needle = "".join(text.split())
        stmt = stmt.where(
            or_(Unit.name.contains(needle, autoescape=True), Report.agency.contains(needle, autoescape=True))
        )
    if year is not None:
        stmt = stmt.where(Report.year == year)
    if level is not None:
        stmt = stmt.where(Unit.level == level)
    if unit_id is not None:
        stmt = stmt.where(Report.unit_id == int(unit_id))
    with archive.session() as s:
        total = _count(s, stmt, ("search_reports", text, code, year, level, unit_id, all_versions))
        rows = s.execute(
            stmt.order_by(Report.year.desc(), Report.region_code.desc(), Report.unit_id, Report.version.desc())
            .limit(limit).offset(offset)
        ).all()
        return Page([listed_row(r) for r in rows], total, limit, offset)


_DETAIL_COLUMNS = (
    Report.title, Report.agency, Report.region, Report.source_url, Report.document_url, Report.blob_sha256,
    Report.fetched_at, Report.parser_name, Report.parser_version, Report.parse_message, Report.portal_id,
)


def report_detail(archive: Archive, report_id: int, *, with_provenance: bool = True) -> dict[str, Any]:
    """One report version: its row, REPORT_FORMAT record (with source), checks, corrections, versions.

    ``with_provenance=False`` leaves the record's per-cell provenance out (a page that shows the
    numbers does not need two hundred positions decoded)."""
    with archive.session() as s:
        versions = s.execute(_VERSIONS, {"report_id": report_id}).all()  # of this report's unit and year
        report = next((v for v in versions if v.id == report_id), None)
        if report is None:
            raise NotFound(f"no report with id {report_id}")
        row = listed_row(report)
        row.update(
            title=report.title,
            agency=report.agency,
            region_named=report.region,
            source_url=report.source_url,
            document_url=report.document_url,
            sha256=report.blob_sha256,
            fetched_at=_iso(report.fetched_at),
            parser=f"{report.parser_name or ''} {report.parser_version or ''}".strip() or None,
            parse_message=report.parse_message,
        )
        row["versions"] = [listed_row(v) for v in versions]
        row["corrections"] = [correction_row(c) for c in s.execute(_CORRECTIONS, {"report_id": report_id})] \
            if report.corrections else []
        row["record"] = archive.record_of(s, report, with_provenance=with_provenance)
    return row


_CORRECTION_COLUMNS = (Correction.id, Correction.report_id, Correction.cell_id, Correction.value, Correction.author,
                       Correction.reason, Correction.created_at)
_CORRECTIONS = select(*_CORRECTION_COLUMNS).where(Correction.report_id == bindparam("report_id")).order_by(Correction.id)
_THIS_REPORT = select(Report.unit_id, Report.year).where(Report.id == bindparam("report_id")).subquery()
_VERSIONS = (
    # with the number of the asked report's corrections: the page reads them only when there are some
    _report_list_select().add_columns(
        *_DETAIL_COLUMNS,
        select(func.count()).where(Correction.report_id == bindparam("report_id")).scalar_subquery()
        .label("corrections"))
    .join(_THIS_REPORT, and_(Report.unit_id == _THIS_REPORT.c.unit_id, Report.year == _THIS_REPORT.c.year))
    .order_by(Report.version)
)


def correction_row(c: Correction | AnyRow) -> dict[str, Any]:
    return {
        "id": c.id,
        "report_id": c.report_id,
        "cell_id": c.cell_id,
        "value": None if c.value is None else (int(c.value) if c.value == c.value.to_integral_value() else float(c.value)),
        "author": c.author,
        "reason": c.reason,
        "created_at": _iso(c.created_at),
    }


class NotFound(QueryError):
    """The thing asked for is not in the archive (404 on the web)."""


# ------------------------------------------------------------------ 1. one agency across years


_UNIT_REPORTS = (
    # the unit, and its canonical reports by year (none: one row of the unit with a null report)
    select(Unit.id.label("unit_id"), Unit.name, Unit.region_code, Unit.region_name, Unit.level, Unit.kind,
           Report.id, Report.year, Report.version, Report.template, Report.published, Report.checks_failed)
    .outerjoin(Report, and_(Report.unit_id == Unit.id, Report.is_canonical.is_(True)))
    .where(Unit.id == bindparam("unit_id")).order_by(Report.year)
)
# cells by their SMALLINT key and as floats: a thousand values are read without a Decimal or a key name each
_CELL_KEY = type_coerce(Cell.__table__.c.cell_key, SmallInteger)
_UNIT_CELLS = (
    select(Cell.report_id, _CELL_KEY, cast(Cell.value, Float), Cell.is_decimal)
    .where(Cell.report_id.in_(bindparam("report_ids", expanding=True))).order_by(Cell.report_id, _CELL_KEY)
)
_UNIT_CHECKS = select(CheckResult.report_id, CheckResult.rule).where(
    CheckResult.report_id.in_(bindparam("report_ids", expanding=True)))


def agency_years(archive: Archive, unit_id: int, *, cells: list[str] | None = None) -> dict[str, Any]:
    """A unit's canonical reports side by side: every cell per year, year-on-year change, carry-over rule."""
    wanted_ids = [check_cell_id(c) for c in cells] if cells else None
    with archive.session() as s:
        conn = s.connection()  # plain rows: no ORM objects for a thousand cells
        found = conn.execute(_UNIT_REPORTS, {"unit_id": int(unit_id)}).all()
        if not found:
            raise NotFound(f"no unit with id {unit_id}")
        unit = found[0]
        reports = [r for r in found if r.id is not None]
        ids = [r.id for r in reports]
        rows_of_cells = conn.execute(_UNIT_CELLS, {"report_ids": ids}).all() if ids else []
        failing = [r.id for r in reports if r.checks_failed]
        check_rows = conn.execute(_UNIT_CHECKS, {"report_ids": failing}).all() if failing else []
    unit_row = {"id": unit.unit_id, "name": unit.name, "region_code": unit.region_code or None,
                "region": unit.region_name, "level": unit.level, "kind": unit.kind}
    carry_keys = {KEY_OF[f"applications/{row}/{col}"] for row in ("carried_over", "carried_to_next_year")
                  for col in APPLICATION_COLUMNS}
    wanted = {KEY_OF.get(c, 0) for c in wanted_ids} if wanted_ids else None
    by_report: dict[int, dict[int, int | float | None]] = {rid: {} for rid in ids}
    order: dict[int, None] = {}  # cell keys in the order they first appear (an ordered set)
    for rid, key, value, is_decimal in rows_of_cells:
        if wanted is not None and key not in wanted and key not in carry_keys:
            continue
        by_report[rid][key] = value if value is None or is_decimal else int(value)
        if wanted is None or key in wanted:
            order[key] = None
    years = [r.year for r in reports]
    per_year = [by_report[r.id] for r in reports]
    consecutive = [cur == prev + 1 for prev, cur in zip(years, years[1:], strict=False)]
    rows = []
    for key in order:
        series = [values.get(key) for values in per_year]
        changes: dict[int, int | float | None] = {}
        for i, adjacent in enumerate(consecutive):
            a, b = series[i], series[i + 1]
            changes[years[i + 1]] = None if a is None or b is None or not adjacent else _round(b - a)
        rows.append({"cell_id": cell_id_of(key), "values": dict(zip(years, series, strict=True)), "changes": changes})
    rules: dict[int, list[str]] = {y: [] for y in years}
    year_of = {r.id: r.year for r in reports}
    for rid, rule in check_rows:
        rules[year_of[rid]].append(rule)
    values = {year: {cell_id_of(k): v for k, v in cells_of.items() if k in carry_keys}
              for year, cells_of in zip(years, per_year, strict=True)}
    return {
        "unit": unit_row,
        "years": years,
        "reports": [{"year": r.year, "id": r.id, "version": r.version, "template": r.template,
                     "published": _iso(r.published), "checks_failed": r.checks_failed,
                     "rules": sorted(set(rules[r.year]))} for r in reports],
        "cells": rows,
        "cross_year": _cross_year(years, values),
    }


def _round(x: float) -> int | float:
    return round(x, 4) if isinstance(x, float) else x


def _cross_year(years: list[int], values: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """This year's 上年结转 = last year's 结转下年度, per column, for consecutive years."""
    out = []
    for prev, cur in zip(years, years[1:], strict=False):
        if cur != prev + 1:
            continue
        for col in APPLICATION_COLUMNS:
            carried = values[cur].get(f"applications/carried_over/{col}")
            previous = values[prev].get(f"applications/carried_to_next_year/{col}")
            state = "unknown" if carried is None or previous is None else ("ok" if carried == previous else "mismatch")
            out.append({"year": cur, "column": col, "carried_over": carried,
                        "previous_carried_to_next_year": previous, "state": state})
    return out


# ------------------------------------------------------------------ 2. a region in a year


@kept_per_generation(_AGGREGATES, ignore=("coverage_summary",))
def region_reports(
    archive: Archive, *, region: str, year: int, level: str | None = None,
    limit: int | None = None, offset: int | None = None, coverage_summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The canonical reports of a region and its subordinate units for a year, key figures and totals.

    ``coverage_summary``: the region's :func:`coverage` summary for the year when the caller has it already.
    """
    limit, offset = check_page(limit, offset)
    year = require_year(year)
    level = check_level(level)
    code = region_code_of(region)
    if code is None:
        raise QueryError("a region and a year are required")
    units = _region_year(archive, code, year)
    # the region's units are in list order (region code, name, id), each with its canonical report if any
    reports = [u for u in units if u.id is not None and (level is None or u.level == level)]
    keys = [(name, FIGURE_KEYS[cid]) for name, cid in KEY_CELLS.items()]
    sums: dict[str, int | float] = {}
    for listed in reports:
        for name, key in keys:
            value = (listed.figures or {}).get(key)
            if value is not None:
                sums[name] = sums.get(name, 0) + value
    items = []
    for listed in reports[offset:offset + limit]:
        row = listed_row(listed)
        figures = listed.figures or {}
        for name, key in keys:
            row[name] = figures.get(key)
        items.append(row)
    region_info = region_by_code(code)
    totals = {name: int(sums[name]) if name in sums else None for name in KEY_CELLS}  # as whole numbers
    failing = sum(1 for r in reports if r.checks_failed)
    return {
        "region": {"code": code, "name": region_info.full_name if region_info else None, "prefix": region_prefix(code)},
        "year": year,
        "reports": Page(items, len(reports), limit, offset).as_dict(),
        "totals": totals | {"reports": len(reports), "reports_failing_checks": failing},
        "coverage": coverage_summary if coverage_summary is not None
        else coverage(archive, region=code, year=year, limit=1)["summary"],
    }


@functools.lru_cache(maxsize=2)
def _region_year_statement(in_region: bool) -> Select[*tuple[Any, ...]]:
    """The one statement behind :func:`coverage` and :func:`region_reports`, built once (region bounds and
    year as parameters): each unit of the region, in list order, with the row of the newest harvest run
    that looked at it for the year (``cov_`` columns) and its canonical report of the year (the list's
    columns, ``parse_message`` and ``figures``; null when there is none)."""
    where = _IN_BOUND_REGION if in_region else true()
    newest = (
        select(Coverage.unit_id, Coverage.run_id, Coverage.state, Coverage.detail, Coverage.report_id,
               func.row_number().over(partition_by=Coverage.unit_id,
                                      order_by=(Coverage.run_id.desc(), Coverage.id.desc())).label("n"))
        .where(Coverage.year == bindparam("year"), Coverage.unit_id.in_(select(Unit.id).where(where)))
        .subquery()
    )
    return (
        select(Unit.id.label("unit_id"), Unit.name, Unit.region_code, Unit.region_name, Unit.level, Unit.kind,
               newest.c.run_id.label("cov_run_id"), newest.c.state.label("cov_state"),
               newest.c.detail.label("cov_detail"), newest.c.report_id.label("cov_report_id"),
               Report.id, Report.year, Report.version, Report.is_canonical, Report.reason, Report.template,
               Report.published, Report.form, Report.checks_failed, Report.parse_error, Report.parse_message,
               Report.figures)
        .outerjoin(newest, and_(newest.c.unit_id == Unit.id, newest.c.n == 1))
        .outerjoin(Report, and_(Report.unit_id == Unit.id, Report.year == bindparam("year"),
                                Report.is_canonical.is_(True)))
        .where(where).order_by(Unit.region_code, Unit.name, Unit.id)
    )


# inside one_generation() (a web request): the region-years already read, so that a page showing a region's
# coverage and its reports reads them once
_region_years: ContextVar[dict[tuple[str, str | None, int], list[Any]] | None] = ContextVar(
    "region_years", default=None)


def _region_year(archive: Archive, code: str | None, year: int) -> list[Any]:
    """The rows of :func:`_region_year_statement` for a region (None: every unit) and year."""
    seen = _region_years.get()
    key = (archive.url, code, year)
    if seen is not None and key in seen:
        return seen[key]
    which = (_region_bounds(code) if code is not None else {}) | {"year": year}
    with archive.session() as s:
        rows = list(s.connection().execute(_region_year_statement(code is not None), which).all())
    if seen is not None:
        seen[key] = rows
    return rows


@kept_per_generation(_AGGREGATES)
def coverage(
    archive: Archive, *, region: str | None, year: int, states: tuple[str, ...] | None = None,
    limit: int | None = None, offset: int | None = None,
) -> dict[str, Any]:
    """Per unit of a region: found, late, missing (or what the latest harvest run recorded) for a year.

    A unit's state is the one the newest harvest run that looked at it recorded for this year
    (found, late, invalid, missing, blocked, unreachable); a unit no run looked at is judged from
    the archive by the harvest's rules (:func:`storage.coverage.unit_state`): an unreadable report or
    one breaking checks is ``invalid``, one published after the deadline ``late``, none ``missing``.
    """
    limit, offset = check_page(limit, offset)
    year = require_year(year)
    code = region_code_of(region)
    units = _region_year(archive, code, year)
    run_ids = sorted({u.cov_run_id for u in units if u.cov_run_id is not None})
    run_info = None
    if run_ids:
        with archive.session() as s:
            run = s.execute(select(CrawlRun.flow, CrawlRun.started_at).where(CrawlRun.id == run_ids[-1])).first()
        run_info = {"id": run_ids[-1], "runs": run_ids, "flow": run.flow if run else None,
                    "started_at": _iso(run.started_at) if run else None}
    rows: list[dict[str, Any]] = []
    deadlines: dict[str, str] = {}  # by kind of unit
    for unit in units:
        due = deadlines.get(unit.kind)
        if due is None:
            due = deadlines[unit.kind] = deadline(year, unit.kind).isoformat()
        report = unit if unit.id is not None else None  # the row carries the unit's report, if any
        detail: str | None
        if unit.cov_run_id is not None:
            state, detail, basis = unit.cov_state, unit.cov_detail, "harvest"
        else:
            state, detail, _rid, _published = unit_state(unit, year, report, None)
            basis = "archive"
            if report is None:
                detail = "no report archived"
        rows.append({
            "unit_id": unit.unit_id, "unit": unit.name, "region_code": unit.region_code or None,
            "level": unit.level, "kind": unit.kind, "state": state, "detail": detail, "basis": basis,
            "deadline": due,
            "report_id": unit.id if report else unit.cov_report_id,
            "published": _iso(unit.published),
        })
    summary: dict[str, Any] = {"units": len(rows), "run": run_info}
    for row in rows:
        summary[row["state"]] = summary.get(row["state"], 0) + 1
    summary["missing_or_late"] = [
        {k: r[k] for k in ("unit_id", "unit", "state", "detail", "report_id")}
        for r in rows if r["state"] in ("missing", "late")
    ]
    chosen = [r for r in rows if states is None or r["state"] in states]
    return {"year": year, "region_code": code, "summary": summary,
            "units": Page(chosen[offset:offset + limit], len(chosen), limit, offset).as_dict()}


# ------------------------------------------------------------------ 3. violations


@kept_per_generation(_AGGREGATES)
def violations(
    archive: Archive, *, rule: str | None = None, region: str | None = None, year: int | None = None,
    level: str | None = None, limit: int | None = None, offset: int | None = None,
) -> Page:
    """Every failed check of a canonical report, newest year first."""
    limit, offset = check_page(limit, offset)
    rule, year, level = check_rule(rule), check_year(year), check_level(level)
    code = region_code_of(region)
    stmt = (
        select(Report.id, Report.unit_id, Unit.name, Unit.region_code, Unit.level, Report.year, Report.version,
               CheckResult.rule, CheckResult.locator, CheckResult.message)
        .join(Report, Report.id == CheckResult.report_id)
        .join(Unit, Unit.id == Report.unit_id)
        .where(Report.is_canonical.is_(True), _in_region(code))
    )
    if rule:
        stmt = stmt.where(CheckResult.rule == rule)
    if year is not None:
        stmt = stmt.where(Report.year == year)
    if level:
        stmt = stmt.where(Unit.level == level)
    with archive.session() as s:
        total = _count(s, stmt, ("violations", rule, code, year, level))
        rows = s.execute(
            stmt.order_by(Report.year.desc(), Unit.name, Report.id, CheckResult.id).limit(limit).offset(offset)
        ).all()
        items = [
            {"report_id": r.id, "unit_id": r.unit_id, "unit": r.name, "region_code": r.region_code or None,
             "level": r.level, "year": r.year, "version": r.version, "rule": r.rule,
             "locator": r.locator or {}, "where": _locator_text(r.locator), "message": r.message}
            for r in rows
        ]
    return Page(items, total, limit, offset)


def _locator_text(locator: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in (locator or {}).items())


def cells_of_check(rule: str, locator: dict[str, Any] | None, template: str | None) -> set[str]:
    """The cell ids a failed check concerns (to highlight them on the report page)."""
    loc = locator or {}
    rows = ["new_received", "carried_over", "total", "carried_to_next_year"]
    if rule == "applications.balance" and "column" in loc:
        return {f"applications/{r}/{loc['column']}" for r in rows}
    if rule == "applications.total_row" and "column" in loc:
        from nianbao.export.labels import cell_ids

        return {c for c in cell_ids(template or "2021") if c.startswith("applications/") and c.endswith("/" + loc["column"])
                and c.split("/")[1] not in ("new_received", "carried_over", "carried_to_next_year")}
    if rule == "applications.total_column" and "row" in loc:
        return {f"applications/{loc['row']}/{c}" for c in APPLICATION_COLUMNS}
    if rule == "review_litigation.total" and "group" in loc:
        return {f"review_litigation/{loc['group']}/{c}" for c in ("upheld", "corrected", "other", "pending", "total")}
    if rule == "cross_year.carry_over" and "column" in loc:
        return {f"applications/carried_over/{loc['column']}"}
    if "cell" in loc:
        return {str(loc["cell"])}
    return set()


# ------------------------------------------------------------------ 4. provenance of one cell


def cell_provenance(archive: Archive, report_id: int, cell_id: str) -> dict[str, Any]:
    """Where one number came from: value, provenance (page+bbox, xpath, ...), source and fetch, corrections."""
    check_cell_id(cell_id)
    with archive.session() as s:
        found = s.execute(_PROVENANCE, {"report_id": report_id, "cell_id": cell_id}).first()
        if found is None:
            raise NotFound(f"no report with id {report_id}")
        if found.cell_found is None:
            raise NotFound(f"report {report_id} has no cell {cell_id}")
        corrections = s.execute(_CELL_CORRECTIONS, {"report_id": report_id, "cell_id": cell_id}).all()
    prov = found.provenance or {}
    return {
        "report_id": found.id,
        "unit": found.name,
        "year": found.year,
        "version": found.version,
        "cell_id": cell_id,
        "value": _num(found.value, found.is_decimal),
        "provenance": prov,
        "kind": provenance_kind(prov),
        "source": {
            "portal": found.portal_id,
            "url": found.source_url,
            "document_url": found.document_url,
            "fetched_at": _iso(found.fetched_at),
            "sha256": found.blob_sha256,
            "media_type": found.media_type,
            "size": found.size,
            "form": found.form,
        },
        "corrections": [correction_row(c) for c in corrections],
    }


# built once: the provenance view is the page auditors open most, one statement with the cell joined in
_PROVENANCE = (
    select(Report.id, Unit.name, Report.year, Report.version, Report.portal_id, Report.source_url,
           Report.document_url, Report.fetched_at, Report.blob_sha256, Report.form, Blob.media_type, Blob.size,
           Cell.report_id.label("cell_found"), Cell.value, Cell.is_decimal, Cell.provenance)
    .join(Unit, Unit.id == Report.unit_id)
    .outerjoin(Blob, Blob.sha256 == Report.blob_sha256)
    .outerjoin(Cell, and_(Cell.report_id == Report.id, Cell.cell_id == bindparam("cell_id")))
    .where(Report.id == bindparam("report_id"))
)
_CELL_CORRECTIONS = (
    select(*_CORRECTION_COLUMNS)
    .where(Correction.report_id == bindparam("report_id"), Correction.cell_id == bindparam("cell_id"))
    .order_by(Correction.id)
)


def provenance_kind(prov: dict[str, Any] | None) -> str | None:
    """pdf (page+bbox), html (xpath), docx (table/row/col), text (line) or None."""
    prov = prov or {}
    if "page" in prov and "bbox" in prov:
        return "pdf"
    if "xpath" in prov:
        return "html"
    if "table" in prov and "row" in prov:
        return "docx"
    if "line" in prov:
        return "text"
    return None


# ------------------------------------------------------------------ 5. two versions


_A_AND_B: list[BindParameter[Any]] = [bindparam("a"), bindparam("b")]  # the two report versions compared
_DIFF_REPORTS = _report_list_select().add_columns(
    Report.text, Report.blob_sha256, Report.document_url, Report.fetched_at).where(Report.id.in_(_A_AND_B))
_DIFF_CELLS = (select(Cell.report_id, Cell.cell_id, Cell.value, Cell.is_decimal)
               .where(Cell.report_id.in_(_A_AND_B)).order_by(Cell.report_id, Cell.cell_id))
_DIFF_CHECKS = select(CheckResult.report_id, CheckResult.rule).where(CheckResult.report_id.in_(_A_AND_B))


def version_diff(archive: Archive, a: int, b: int) -> dict[str, Any]:
    """Cell by cell and text differences between two report versions (usually of one unit and year)."""
    with archive.session() as s:
        found = {r.id: r for r in s.execute(_DIFF_REPORTS, {"a": a, "b": b})}
        for rid in (a, b):
            if rid not in found:
                raise NotFound(f"no report with id {rid}")
        cells: dict[int, dict[str, Any]] = {rid: {} for rid in (a, b)}
        for rid, cid, value, is_dec in s.execute(_DIFF_CELLS, {"a": a, "b": b}):
            cells[rid][cid] = _num(value, is_dec)
        rules: dict[int, set[str]] = {a: set(), b: set()}
        for rid, rule in s.execute(_DIFF_CHECKS, {"a": a, "b": b}):
            rules[rid].add(rule)
    checks = {rid: sorted(rules[rid]) for rid in (a, b)}
    texts = {rid: found[rid].text or "" for rid in (a, b)}
    meta = {rid: listed_row(found[rid]) | {"sha256": found[rid].blob_sha256, "document_url": found[rid].document_url,
                                           "fetched_at": _iso(found[rid].fetched_at)}
            for rid in (a, b)}
    order = list(cells[a]) + [c for c in cells[b] if c not in cells[a]]
    changed = [
        {"cell_id": cid, "a": cells[a].get(cid), "b": cells[b].get(cid),
         "state": "added" if cid not in cells[a] else "removed" if cid not in cells[b] else "changed"}
        for cid in order
        if cells[a].get(cid, "absent") != cells[b].get(cid, "absent")
    ]
    text_diff = list(
        difflib.unified_diff(texts[a].splitlines(), texts[b].splitlines(),
                             fromfile=f"report {a}", tofile=f"report {b}", lineterm="", n=1)
    )
    fields = ("template", "published", "form", "checks_failed", "sha256", "document_url")
    return {
        "a": meta[a],
        "b": meta[b],
        "same_report": meta[a]["unit_id"] == meta[b]["unit_id"] and meta[a]["year"] == meta[b]["year"],
        "metadata": [{"field": f, "a": meta[a][f], "b": meta[b][f]} for f in fields if meta[a][f] != meta[b][f]],
        "cells": changed,
        "cells_compared": len(order),
        "checks": {"a": checks[a], "b": checks[b]},
        "text_diff": text_diff,
    }


# ------------------------------------------------------------------ 6. rankings, aggregates, repeated text


@functools.lru_cache(maxsize=64)
def _ranking_statement(numerators: tuple[str, ...], denominator: str | None, in_region: bool,
                       by_level: bool) -> Select[*tuple[Any, ...]]:
    """:func:`ranking`'s one pass, built once per metric and filter shape (year, region and level as parameters):
    each chosen report with the sums of its numerator and denominator cells, read through the
    (report_id, cell) key.  Ranking and paging happen in Python, and the answer is kept per archive state."""
    wanted = [*numerators, *([denominator] if denominator else [])]
    num_sum = func.sum(case((Cell.cell_id.in_(list(numerators)), Cell.value)))
    den_sum = func.sum(case((Cell.cell_id == denominator, Cell.value))) if denominator else cast(null(), Numeric(20, 4))
    stmt = (
        # with what the list shows of each report (they depend on the grouped keys): no second read of the page
        select(*_REPORT_LIST_COLUMNS, num_sum.label("num"), den_sum.label("den"))
        .join(Unit, Unit.id == Report.unit_id)
        .outerjoin(Cell, and_(Cell.report_id == Report.id, Cell.cell_id.in_(wanted)))
        .where(Report.year == bindparam("year"), Report.is_canonical.is_(True))
        .group_by(Report.id, Unit.id)
    )
    return _bound_scope(stmt, in_region, by_level)


@functools.lru_cache(maxsize=4)
def _figure_ranking_statement(in_region: bool, by_level: bool) -> Select[*tuple[Any, ...]]:
    """:func:`ranking`'s pass for a metric of figure cells, built once: each chosen report's list columns and
    figures (year, region and level as parameters)."""
    stmt = select(*_REPORT_LIST_COLUMNS, Report.figures).join(Unit, Unit.id == Report.unit_id).where(
        Report.year == bindparam("year"), Report.is_canonical.is_(True))
    return _bound_scope(stmt, in_region, by_level)


@kept_per_generation(GenerationMemo(256))
def ranking(
    archive: Archive, *, year: int, metric: str = "applications_received", region: str | None = None,
    level: str | None = None, ascending: bool = False, limit: int | None = None, offset: int | None = None,
) -> dict[str, Any]:
    """Units ranked by a metric (see :data:`METRICS`, or any cell id) in a year, with the aggregate.

    A year-wide ranking reads one or two cells of every report of the year, so answers are kept
    (per archive, per question) until the archive changes.
    """
    limit, offset = check_page(limit, offset)
    year, level = require_year(year), check_level(level)
    code = region_code_of(region)
    if metric in METRICS:
        label, numerators, denominator = METRICS[metric]
    else:
        check_cell_id(metric)
        label, numerators, denominator = metric, (metric,), None
    which = (_region_bounds(code) if code is not None else {}) | {"year": year, "level": level}
    on_report_rows = all(c in FIGURE_KEYS for c in (*numerators, *([denominator] if denominator else [])))
    # each chosen report with the sums of its numerator and denominator cells: from the report rows'
    # figures when the metric's cells are figures, else from the cells (a ranking by any cell id)
    chosen: list[tuple[AnyRow, Any, Any]]
    with archive.session() as s:
        if on_report_rows:
            rows = s.connection().execute(_figure_ranking_statement(code is not None, level is not None),
                                          which).all()
        else:
            rows = s.connection().execute(
                _ranking_statement(tuple(numerators), denominator, code is not None, level is not None), which).all()
    if on_report_rows:
        num_keys = [FIGURE_KEYS[c] for c in numerators]
        den_key = FIGURE_KEYS[denominator] if denominator else None
        chosen = []
        for row in rows:
            figures = row.figures or {}
            parts = [figures[k] for k in num_keys if k in figures]
            chosen.append((row, sum(parts) if parts else None, figures.get(den_key) if den_key else None))
    else:
        chosen = [(row, row.num, row.den) for row in rows]

    def score(num: Any, den: Any) -> Any:
        if not denominator:
            return num
        return None if num is None or not den else Decimal(num) / Decimal(den)

    scored = [(score(num, den), row, num, den) for row, num, den in chosen]
    present = [x for x in scored if x[0] is not None]
    sign = 1 if ascending else -1  # ties by unit name, then id
    present.sort(key=lambda x: (sign * x[0], x[1].name, x[1].id))
    absent = sorted((x for x in scored if x[0] is None), key=lambda x: (x[1].name, x[1].id))
    on_page = (present + absent)[offset:offset + limit]
    items = []
    for rank, (sc, row, num, den) in enumerate(on_page, start=offset + 1):
        items.append(listed_row(row) | {
            "rank": rank,
            "value": None if sc is None else (round(float(sc), 4) if denominator else _num(sc)),
            "numerator": _num(num), "denominator": _num(den),
        })
    nums = [num for _row, num, _den in chosen if num is not None]
    dens = [den for _row, _num, den in chosen if den is not None]
    num_total, den_total = (sum(nums) if nums else None), (sum(dens) if dens else None)
    total = len(nums)
    if denominator:
        value = round(float(num_total) / float(den_total), 4) if num_total is not None and den_total else None
    else:
        value = _num(num_total)
    aggregate = {"reports": total, "numerator_sum": _num(num_total), "denominator_sum": _num(den_total), "value": value}
    return {"metric": metric, "label": label, "year": year, "region_code": code, "is_share": bool(denominator),
            "aggregate": aggregate, "ranking": Page(items, total, limit, offset).as_dict()}


REPEATED_SORT_MAX = 5000


@functools.lru_cache(maxsize=4)
def _repeated_text_statement(in_region: bool, by_level: bool) -> Select[*tuple[Any, ...]]:
    """:func:`repeated_text`'s statement, built once: each canonical report of the year with last year's
    canonical report of its unit, and both versions' sentence digests (year, region and level as parameters)."""
    prev = aliased(Report)
    stmt = (
        select(Report.id, Report.unit_id, Unit.name, Unit.region_code, prev.id.label("prev_id"),
               Report.sentence_digests, prev.sentence_digests.label("prev_digests"))
        .join(Unit, Unit.id == Report.unit_id)
        .join(prev, and_(prev.unit_id == Report.unit_id, prev.year == bindparam("year") - 1,
                         prev.is_canonical.is_(True)))
        .where(Report.year == bindparam("year"), Report.is_canonical.is_(True))
        .order_by(Unit.name, Report.id)
    )
    return _bound_scope(stmt, in_region, by_level)


@kept_per_generation(_AGGREGATES)
def repeated_text(
    archive: Archive, *, year: int, region: str | None = None, level: str | None = None,
    limit: int | None = None, offset: int | None = None,
) -> Page:
    """Per canonical report of a year, the share of its sentences copied from last year's report.

    Ranked by share (highest first) when at most :data:`REPEATED_SORT_MAX` reports match; a larger
    set is listed by unit name with shares computed for the page only.  Sentences are compared by
    the digests kept with each version (:mod:`storage.sentences`), not by splitting the texts again.
    """
    limit, offset = check_page(limit, offset)
    year, level = require_year(year), check_level(level)
    code = region_code_of(region)
    stmt = _repeated_text_statement(code is not None, level is not None)
    which = (_region_bounds(code) if code is not None else {}) | {"year": year, "level": level}
    with archive.session() as s:
        # up to REPEATED_SORT_MAX reports are all read and ranked here, and counted as read; a larger set
        # is counted by the database and read a page at a time
        rows = s.connection().execute(stmt.limit(bindparam("cap", type_=Integer)),
                                      which | {"cap": REPEATED_SORT_MAX + 1}).all()
        ranked = len(rows) <= REPEATED_SORT_MAX
        if ranked:
            total = len(rows)
        else:
            total = _count(s, stmt, ("repeated_text", year, code, level), which)
            rows = s.connection().execute(stmt.limit(bindparam("cap", type_=Integer)).offset(bindparam("skip", type_=Integer)),
                                          which | {"cap": limit, "skip": offset}).all()
    items = [
        {"report_id": r.id, "previous_report_id": r.prev_id, "unit_id": r.unit_id, "unit": r.name,
         "region_code": r.region_code or None, "year": year}
        | repeated(split_digests(r.sentence_digests), set(split_digests(r.prev_digests)))
        for r in rows
    ]
    if ranked:
        items.sort(key=lambda x: (-(x["share"] if x["share"] is not None else -1), x["unit"]))
        items = items[offset:offset + limit]
    return Page(items, total, limit, offset)


def report_cells(report: dict[str, Any]) -> dict[str, Any]:
    """The flat ``{cell_id: value}`` of a detail's record (for templates and exports)."""
    return flatten_tables(report["record"].get("tables"))


# ------------------------------------------------------------------ export


def iter_canonical_reports(
    archive: Archive, *, year: int, region: str | None = None, batch: int = 500
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Every canonical report of a year (in a region) as (row, {cell_id: value}), fetched in batches."""
    year_checked = check_year(year)
    code = region_code_of(region)
    last_id = 0
    while True:
        stmt = (
            _report_unit_select()
            .where(Report.year == year_checked, Report.is_canonical.is_(True), _in_region(code), Report.id > last_id)
            .order_by(Report.id)
            .limit(batch)
        )
        with archive.session() as s:
            rows = s.execute(stmt).all()
            if not rows:
                return
            ids = [r.id for r, _ in rows]
            cells: dict[int, dict[str, Any]] = {rid: {} for rid in ids}
            for rid, cid, value, is_dec in s.execute(
                select(Cell.report_id, Cell.cell_id, Cell.value, Cell.is_decimal).where(Cell.report_id.in_(ids))
            ):
                cells[rid][cid] = _num(value, is_dec)
            out = []
            for report, unit in rows:
                row = report_row(report, unit) | {
                    "agency": report.agency, "source_url": report.source_url, "document_url": report.document_url,
                    "sha256": report.blob_sha256, "fetched_at": _iso(report.fetched_at),
                }
                out.append((row, cells[report.id]))
        yield from out
        last_id = ids[-1]
