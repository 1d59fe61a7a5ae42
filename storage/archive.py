"""Idempotent writes to the archive, keyed by sha256; versions are kept, never overwritten.

Archiving a document answers like an OpenStates importer: ``inserted`` (first report of this
unit and year), ``unchanged`` (these bytes, read the same way, are already archived: nothing
is written) or ``new_version`` (a re-issued document, or the same bytes read differently by a
newer parser: a new version becomes canonical, the old ones stay queryable).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from nianbao.errors import UserError
from nianbao.settings import Settings, get_settings
from storage import db
from storage.blobs import BlobStore, open_blob_store
from storage.cell_keys import check_cell_ids
from storage.models import AnyRow, Blob, Cell, CheckResult, CrawlRun, Fetch, Portal, Report, Unit, utcnow
from storage.records import (
    RECORD_FORMAT,
    cell_value_from_db,
    cell_value_to_db,
    figures_of,
    flatten_tables,
    record_digest,
    unflatten_cells,
)
from storage.regions import region_by_code, resolve_region
from storage.sentences import sentence_digests
from storage.warc import WarcLocation

CHECK_LOCATORS = ("column", "row", "group", "cell")

_T = TypeVar("_T")

# inside one_read(): the one session of each archive (by URL) that every Archive.session() shares
_one_read: ContextVar[dict[str, Session] | None] = ContextVar("archive_one_read", default=None)


@contextmanager
def one_read() -> Iterator[None]:
    """One read of the archive (a web page or API call): inside this block every :meth:`Archive.session`
    of an archive is the same read-only session (:func:`storage.db.get_read_engine`), on one pooled
    connection, closed at the end.

    A request asks several questions (the archive's state, a list and its total, a region's coverage and
    its reports); each used to check out a connection, ping it and commit on its own.  On PostgreSQL a
    write inside the block fails (read-only connection) instead of being silently dropped.
    """
    if _one_read.get() is not None:  # already inside one
        yield
        return
    sessions: dict[str, Session] = {}
    token = _one_read.set(sessions)
    try:
        yield
    finally:
        _one_read.reset(token)
        for session in sessions.values():
            session.close()


def run_read(question: Callable[[], _T]) -> _T:
    """``question()`` inside :func:`one_read`, asked once more on a fresh connection when the pooled one
    it got had been dropped (the database server restarted, an idle connection was cut).

    The read pool does not ping a connection at each checkout (a round trip per request); a dead one
    shows up as an error on first use instead, marks the pool's older connections invalid, and the
    second try reads on a new connection.  Inside a read already begun, ``question()`` is part of it.
    """
    if _one_read.get() is not None:
        return question()
    try:
        with one_read():
            return question()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with one_read():
        return question()


@dataclass
class FetchInfo:
    url: str
    method: str = "GET"
    status: int | None = None
    request_headers: dict[str, Any] = field(default_factory=dict)
    response_headers: dict[str, Any] = field(default_factory=dict)
    started_at: dt.datetime | None = None
    duration_ms: float | None = None
    error_class: str | None = None
    error_message: str | None = None
    portal_id: str | None = None
    run_id: int | None = None
    media_type: str | None = None


@dataclass(frozen=True)
class NumberedFetch:
    """An exchange waiting in a crawl's batch: its id is reserved, its body is in the blob store."""

    id: int
    info: FetchInfo
    blob_sha256: str | None = None
    blob_size: int | None = None
    warc: WarcLocation | None = None


@dataclass(frozen=True)
class KnownFetch:
    """What an incremental crawl needs of an earlier fetch of a URL."""

    id: int
    blob_sha256: str
    started_at: dt.datetime | None
    response_headers: dict[str, Any] | None
    media_type: str | None


_LATEST_DOCUMENT_FETCH = (
    select(Fetch.id, Fetch.blob_sha256, Fetch.started_at, Fetch.response_headers, Fetch.media_type)
    .where(Fetch.url == bindparam("url"), Fetch.blob_sha256.is_not(None), Fetch.status == 200)
    .order_by(Fetch.started_at.desc(), Fetch.id.desc())
    .limit(1)
)


@dataclass(frozen=True)
class ArchiveOutcome:
    status: str  # inserted | unchanged | new_version
    report_id: int
    version: int
    unit_id: int


@dataclass
class ArchiveCounts:
    """Tally of outcomes, printed by commands and stored on crawl runs."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, status: str) -> None:
        self.counts[status] += 1

    def as_dict(self) -> dict[str, int]:
        return {k: self.counts.get(k, 0) for k in ("inserted", "unchanged", "new_version")} | {
            k: v for k, v in self.counts.items() if k not in ("inserted", "unchanged", "new_version")
        }

    def __str__(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.as_dict().items())


def _insert_ignore_stmt(session: Session, model: type, key: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL (values given at execution)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing(index_elements=[key])
    if dialect == "sqlite":
        return sqlite.insert(model).on_conflict_do_nothing(index_elements=[key])
    raise NotImplementedError(dialect)  # pragma: no cover - other databases are not supported


def _fetch_values(info: FetchInfo, blob_sha256: str | None, warc: WarcLocation | None) -> dict[str, Any]:
    """The ``fetches`` row of one exchange."""
    return {
        "run_id": info.run_id, "portal_id": info.portal_id, "url": info.url, "method": info.method,
        "status": info.status, "request_headers": info.request_headers,
        "response_headers": info.response_headers, "started_at": info.started_at or utcnow(),
        "duration_ms": info.duration_ms, "error_class": info.error_class, "error_message": info.error_message,
        "blob_sha256": blob_sha256, "media_type": info.media_type,
        "warc_file": warc.filename if warc else None, "warc_offset": warc.offset if warc else None,
        "warc_length": warc.length if warc else None, "warc_record_id": warc.record_id if warc else None,
    }


def _insert_ignore(session: Session, model: type, values: dict[str, Any], key: str) -> None:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""
    session.execute(_insert_ignore_stmt(session, model, key).values(**values))


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


# what a record is read with (built once: a report page reads a record per request)
_RECORD_CELLS = select(Cell.cell_id, Cell.value, Cell.is_decimal).where(Cell.report_id == bindparam("report_id"))
_RECORD_CELLS_PROVENANCE = _RECORD_CELLS.add_columns(Cell.provenance)
_RECORD_CHECKS = (
    select(CheckResult.rule, CheckResult.locator, CheckResult.cells, CheckResult.message)
    .where(CheckResult.report_id == bindparam("report_id")).order_by(CheckResult.id)
)


class Archive:
    """The relational archive plus its blob store; one per process is plenty."""

    def __init__(self, settings: Settings, *, check: bool = True) -> None:
        self.settings = settings
        self.url = settings.database_url
        if check:
            db.check_schema(self.url)
        self.engine = db.get_engine(self.url)
        self._sessions = db.session_factory(self.url)
        self._read_sessions = db.session_factory(self.url, read_only=True)
        self.blobs: BlobStore = open_blob_store(settings.blob_store)

    @classmethod
    def open(cls, settings: Settings | None = None, *, check: bool = True) -> Archive:
        return cls(settings or get_settings(), check=check)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error (inside :func:`one_read`, the block's
        shared read-only session, which is neither committed nor closed here)."""
        shared = _one_read.get()
        if shared is not None:
            session = shared.get(self.url)
            if session is None:
                session = shared[self.url] = self._read_sessions()
            yield session
            return
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    # ------------------------------------------------------------------ blobs
    def store_blob(self, data: bytes, media_type: str | None = None, session: Session | None = None, *,
                   sync: bool = True) -> str:
        digest = self.blobs.put(data, sync=sync)
        values = {"sha256": digest, "size": len(data), "media_type": media_type, "created_at": utcnow()}
        if session is not None:
            _insert_ignore(session, Blob, values, "sha256")
        else:
            with self.session() as s:
                _insert_ignore(s, Blob, values, "sha256")
        return digest

    def read_blob(self, sha256: str) -> bytes:
        return self.blobs.get(sha256)

    # ------------------------------------------------------------------ runs
    def start_run(self, flow: str, started_by: str, parameters: dict[str, Any] | None = None) -> int:
        with self.session() as s:
            run = CrawlRun(flow=flow, started_by=started_by, parameters=parameters or {}, outcome="running")
            s.add(run)
            s.flush()
            return run.id

    def finish_run(self, run_id: int, outcome: str, counts: dict[str, Any] | None = None) -> None:
        with self.session() as s:
            run = s.get(CrawlRun, run_id)
            if run is None:
                raise KeyError(f"no crawl run {run_id}")
            run.outcome = outcome
            run.counts = counts or {}
            run.ended_at = utcnow()

    # ------------------------------------------------------------------ portals and units
    def upsert_portal(
        self,
        portal_id: str,
        *,
        name: str,
        family: str,
        region_code: str | None = None,
        start_urls: list[str] | None = None,
        domains: list[str] | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        with self.session() as s:
            portal = s.get(Portal, portal_id) or Portal(id=portal_id)
            portal.name, portal.family, portal.region_code = name, family, region_code
            portal.start_urls, portal.domains, portal.config = start_urls or [], domains or [], config or {}
            portal.updated_at = utcnow()
            s.add(portal)

    def ensure_unit(
        self,
        name: str,
        *,
        region_code: str | None = None,
        level: str | None = None,
        kind: str | None = None,
        parent: str | int | None = None,
        portal_id: str | None = None,
    ) -> int:
        """The id of the unit called ``name`` in that area, created when new.

        The area comes from ``region_code`` or, failing that, from the name itself (cpca);
        ``kind`` defaults to ``government`` for a 人民政府 and ``department`` otherwise.
        """
        name = "".join(name.split())
        if not name:
            raise UserError("a publishing unit needs a name")
        region = region_by_code(region_code) if region_code else resolve_region(name)
        if region_code and region is None:
            raise UserError(f"unknown 行政区划代码 {region_code!r} for unit {name!r}")
        code = region.code if region else ""
        kind = kind or ("government" if name.endswith("人民政府") or name.endswith("政府") else "department")
        with self.session() as s:
            unit = s.scalar(select(Unit).where(Unit.name == name, Unit.region_code == code))
            parent_id = self._parent_id(s, parent)
            if unit is None:
                unit = Unit(
                    name=name,
                    region_code=code,
                    region_name=region.name if region else None,
                    level=level or (region.level if region else None),
                    kind=kind,
                    parent_id=parent_id,
                    portal_id=portal_id,
                )
                s.add(unit)
                try:
                    s.flush()
                except IntegrityError:  # created concurrently by another worker
                    s.rollback()
                    found = s.scalar(select(Unit).where(Unit.name == name, Unit.region_code == code))
                    assert found is not None
                    return found.id
            else:
                if portal_id and unit.portal_id != portal_id:
                    unit.portal_id = portal_id
                if level and unit.level != level:
                    unit.level = level
                if parent_id and unit.parent_id != parent_id:
                    unit.parent_id = parent_id
            return unit.id

    @staticmethod
    def _parent_id(s: Session, parent: str | int | None) -> int | None:
        if parent is None or isinstance(parent, int):
            return parent
        found = s.scalars(select(Unit.id).where(Unit.name == parent)).first()
        return found

    def find_unit(self, name_or_id: str | int) -> Unit:
        """A unit by id or exact name (whitespace ignored); a unique error if ambiguous or unknown."""
        with self.session() as s:
            if isinstance(name_or_id, int) or str(name_or_id).isdigit():
                unit = s.get(Unit, int(name_or_id))
                if unit is None:
                    raise UserError(f"unknown unit id {name_or_id}")
                return unit
            name = "".join(str(name_or_id).split())
            units = list(s.scalars(select(Unit).where(Unit.name == name)))
            if not units:
                raise UserError(
                    f"unknown unit {name!r}: list them with `nianbao units list`, add one with `nianbao units add`"
                )
            if len(units) > 1:
                codes = ", ".join(u.region_code or "?" for u in units)
                raise UserError(f"unit {name!r} exists in several areas ({codes}): give its id instead")
            return units[0]

    # ------------------------------------------------------------------ fetches
    def record_fetch(
        self, info: FetchInfo, body: bytes | None = None, warc: WarcLocation | None = None
    ) -> int:
        """Store one HTTP exchange; its body becomes a content-addressed blob."""
        return self.record_fetch_reserving(info, 0, body=body, warc=warc)[0]

    def record_fetch_reserving(self, info: FetchInfo, count: int, body: bytes | None = None,
                               warc: WarcLocation | None = None, *, sync_blob: bool = True) -> list[int]:
        """Store one exchange now, like :meth:`record_fetch`, and reserve ``count`` more fetch ids
        for :meth:`record_fetches`; returns ``[its id, *reserved ids]``.

        PostgreSQL hands out the reserved ids from the table's sequence.  SQLite has no sequence
        (a new rowid is the largest one plus one), so the row written now takes the id at the top
        of the block, which keeps every other writer's new rows above the block.  Ids reserved but
        never used are gaps, as a rolled-back insert leaves on PostgreSQL.  ``sync_blob=False`` when the
        caller has made the bytes durable otherwise (a synced WARC record, see ``spiders.batch``).
        """
        with self.session() as s:
            sha = self.store_blob(body, info.media_type, session=s, sync=sync_blob) if body is not None else None
            values = _fetch_values(info, sha, warc)
            if s.get_bind().dialect.name == "postgresql":
                fetch_id = s.execute(insert(Fetch).values(**values).returning(Fetch.id)).scalar_one()
                seq = "SELECT nextval(pg_get_serial_sequence('fetches', 'id')) FROM generate_series(1, :n)"
                reserved = sorted(s.scalars(text(seq), {"n": count})) if count else []
                return [fetch_id, *reserved]
            top = select(func.coalesce(func.max(Fetch.id), 0) + count + 1).scalar_subquery()
            fetch_id = s.execute(insert(Fetch).values(id=top, **values).returning(Fetch.id)).scalar_one()
            return [fetch_id, *range(fetch_id - count, fetch_id)]

    def record_fetches(self, fetches: Sequence[NumberedFetch]) -> None:
        """Store exchanges numbered in advance (ids from :meth:`record_fetch_reserving`) whose bodies
        are already in the blob store: one transaction, one executemany for blobs and one for fetches."""
        if not fetches:
            return
        now = utcnow()
        blobs = {f.blob_sha256: {"sha256": f.blob_sha256, "size": f.blob_size, "media_type": f.info.media_type,
                                 "created_at": now} for f in fetches if f.blob_sha256 is not None}
        with self.session() as s:
            if blobs:  # in key order, so two writers of the same new blobs cannot deadlock
                s.execute(_insert_ignore_stmt(s, Blob, "sha256"), [blobs[k] for k in sorted(blobs)])
            s.execute(insert(Fetch), [{"id": f.id, **_fetch_values(f.info, f.blob_sha256, f.warc)}
                                      for f in fetches])

    def recorded_fetch_ids(self, ids: Sequence[int]) -> set[int]:
        """Those of ``ids`` that have a fetch row (a crawl killed mid-batch names ids it never wrote)."""
        found: set[int] = set()
        wanted = sorted(set(ids))
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), 500):
                found.update(conn.scalars(select(Fetch.id).where(Fetch.id.in_(wanted[i:i + 500]))))
        return found

    def latest_document_fetch(self, url: str) -> KnownFetch | None:
        """The newest successful fetch of ``url`` that captured a body (for incremental crawls).

        A crawl asks once per article and document link, so this is one plain query on a pooled
        connection (a tenth of the CPU of an ORM session)."""
        with self.engine.connect() as conn:
            row = conn.execute(_LATEST_DOCUMENT_FETCH, {"url": url}).first()
        return KnownFetch(*row) if row is not None else None

    # ------------------------------------------------------------------ reports
    def archive_report(
        self,
        *,
        unit_id: int,
        year: int,
        data: bytes | None = None,
        blob_sha256: str | None = None,
        media_type: str | None = None,
        record: dict[str, Any] | None = None,
        parser_name: str | None = None,
        parser_version: str | None = None,
        text: str | None = None,
        form: str | None = None,
        parse_error: str | None = None,
        parse_message: str | None = None,
        title: str | None = None,
        portal_id: str | None = None,
        source_url: str | None = None,
        document_url: str | None = None,
        fetch_id: int | None = None,
        fetched_at: dt.datetime | None = None,
        run_id: int | None = None,
        published: dt.date | str | None = None,
    ) -> ArchiveOutcome:
        """Archive one report document and what was read from it (idempotent, versioned)."""
        if data is None and blob_sha256 is None:
            raise ValueError("archive_report needs the document bytes or their sha256")
        if data is not None:
            blob_sha256 = self.store_blob(data, media_type)
        assert blob_sha256 is not None
        digest = record_digest(record) if record is not None else f"error:{parse_error}"
        for attempt in range(3):
            try:
                with self.session() as s:
                    return self._archive_report(
                        s,
                        unit_id=unit_id,
                        year=year,
                        blob_sha256=blob_sha256,
                        digest=digest,
                        record=record,
                        parser_name=parser_name,
                        parser_version=parser_version,
                        text=text,
                        form=form,
                        parse_error=parse_error,
                        parse_message=parse_message,
                        title=title,
                        portal_id=portal_id,
                        source_url=source_url,
                        document_url=document_url,
                        fetch_id=fetch_id,
                        fetched_at=fetched_at,
                        run_id=run_id,
                        published=published,
                    )
            except IntegrityError:  # another worker wrote a version of this report at the same moment
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _archive_report(self, s: Session, *, unit_id: int, year: int, blob_sha256: str, digest: str,
                        record: dict[str, Any] | None, published: dt.date | str | None,
                        **meta: Any) -> ArchiveOutcome:
        versions = list(
            s.scalars(select(Report).where(Report.unit_id == unit_id, Report.year == year).order_by(Report.version))
        )
        canonical = next((r for r in versions if r.is_canonical), versions[-1] if versions else None)
        if canonical is not None and canonical.blob_sha256 == blob_sha256 and canonical.record_sha256 == digest:
            # a newer parser read the same bytes the same way: note who read it last, so the
            # next run skips it, but the report (its numbers, its version) is untouched
            if meta.get("parser_version") and canonical.parser_version != meta["parser_version"]:
                canonical.parser_name = meta.get("parser_name") or canonical.parser_name
                canonical.parser_version = meta["parser_version"]
            return ArchiveOutcome("unchanged", canonical.id, canonical.version, unit_id)
        if canonical is not None and canonical.blob_sha256 != blob_sha256:
            # the same bytes already archived as an earlier version: the portal still serves an old copy
            earlier = next((r for r in versions if r.blob_sha256 == blob_sha256 and r.record_sha256 == digest), None)
            if earlier is not None:
                return ArchiveOutcome("unchanged", earlier.id, earlier.version, unit_id)
        if canonical is None:
            reason = "new"
        elif canonical.blob_sha256 == blob_sha256:
            reason = "reparsed"
        else:
            reason = "reissued"
        version = (versions[-1].version + 1) if versions else 1
        if versions:
            s.execute(
                update(Report).where(Report.unit_id == unit_id, Report.year == year).values(is_canonical=False)
            )
        rec = record or {}
        region_name = rec.get("region")
        region = resolve_region(region_name) if region_name else None
        unit = s.get(Unit, unit_id)
        if unit is None:
            raise UserError(f"unknown unit id {unit_id}")
        checks = rec.get("checks") or []
        cells = flatten_tables(rec.get("tables"))
        check_cell_ids(cells)
        report = Report(
            unit_id=unit_id,
            year=year,
            version=version,
            is_canonical=True,
            agency=rec.get("agency"),
            region=region_name,
            region_code=(region.code if region else None) or unit.region_code or None,
            template=rec.get("template"),
            published=_as_date(rec.get("published")) or _as_date(published),
            blob_sha256=blob_sha256,
            record_sha256=digest,
            checks_failed=len(checks),
            reason=reason,
            sentence_digests=sentence_digests(meta.get("text")),
            figures=figures_of(cells),
            **meta,
        )
        s.add(report)
        s.flush()
        provenance = rec.get("provenance") or {}
        cell_rows = []
        for cell_id, value in cells.items():
            number, is_decimal = cell_value_to_db(value)
            cell_rows.append(
                {
                    "report_id": report.id,
                    "cell_id": cell_id,
                    "value": number,
                    "is_decimal": is_decimal,
                    "provenance": provenance.get(cell_id),
                }
            )
        if cell_rows:
            s.execute(insert(Cell), cell_rows)
        check_rows = [
            {
                "report_id": report.id,
                "rule": c.get("rule", "?"),
                "locator": {k: c[k] for k in CHECK_LOCATORS if k in c},
                "cells": c.get("cells", []),
                "message": c.get("message", ""),
            }
            for c in checks
        ]
        if check_rows:
            s.execute(insert(CheckResult), check_rows)
        return ArchiveOutcome("inserted" if reason == "new" else "new_version", report.id, version, unit_id)

    # ------------------------------------------------------------------ reading back
    def get_report(self, report_id: int) -> Report:
        with self.session() as s:
            report = s.get(Report, report_id)
            if report is None:
                raise UserError(f"no report with id {report_id}")
            return report

    def canonical_report(self, unit_id: int, year: int) -> Report | None:
        with self.session() as s:
            return s.scalars(
                select(Report).where(Report.unit_id == unit_id, Report.year == year, Report.is_canonical)
            ).first()

    def report_record(self, report_id: int, *, with_source: bool = True, with_provenance: bool = True) -> dict[str, Any]:
        """The REPORT_FORMAT record of one archived report version, with ``source``."""
        with self.session() as s:
            report = s.get(Report, report_id)
            if report is None:
                raise UserError(f"no report with id {report_id}")
            return self.record_of(s, report, with_source=with_source, with_provenance=with_provenance)

    @staticmethod
    def record_of(s: Session, report: Report | AnyRow, *, with_source: bool = True,
                  with_provenance: bool = True) -> dict[str, Any]:
        """:meth:`report_record` of a report already read in session ``s`` (a ``Report``, or a row with
        its ``id``, ``agency``, ``region``, ``year``, ``template``, ``published``, ``checks_failed`` and,
        ``with_source``, ``portal_id``, ``source_url``, ``document_url``, ``blob_sha256``, ``fetched_at``)."""
        which = {"report_id": report.id}
        cells = s.execute(_RECORD_CELLS_PROVENANCE if with_provenance else _RECORD_CELLS, which).all()
        # a report's check rows are written with it, one per failed check (``checks_failed``): most have none
        checks = s.execute(_RECORD_CHECKS, which).all() if report.checks_failed else []
        record: dict[str, Any] = {
            "format": RECORD_FORMAT,
            "agency": report.agency,
            "region": report.region,
            "year": report.year,
            "template": report.template,
            "published": report.published.isoformat() if report.published else None,
            "tables": unflatten_cells({c.cell_id: cell_value_from_db(c.value, c.is_decimal) for c in cells}),
            "checks": [
                {"rule": c.rule, **(c.locator or {}), **({"cells": c.cells} if c.cells else {}), "message": c.message}
                for c in checks
            ],
        }
        if with_provenance:
            record["provenance"] = {c.cell_id: c.provenance for c in cells if c.provenance}
        if with_source:
            record["source"] = {
                "portal": report.portal_id,
                "url": report.source_url,
                "document_url": report.document_url,
                "sha256": report.blob_sha256,
                "fetched_at": report.fetched_at.isoformat() if report.fetched_at else None,
            }
        return record

    def previous_year_record(self, unit_id: int, year: int) -> dict[str, Any] | None:
        """The canonical record of the same unit for ``year - 1`` (for the cross-year check)."""
        prev = self.canonical_report(unit_id, year - 1)
        if prev is None or prev.parse_error:
            return None
        return self.report_record(prev.id, with_source=False, with_provenance=False)

    def count(self, model: type) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)
