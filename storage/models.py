"""SQLAlchemy 2 models of the archive.

The archive keeps every captured byte (``Blob``), every HTTP exchange (``Fetch``), every
report version (``Report``), every extracted number with where it came from (``Cell``) and
every rule the document breaks (``CheckResult``).  Nothing is ever overwritten: a re-issued
or re-parsed report is a new ``Report`` row with ``version + 1`` and becomes canonical.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TypeAlias

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Row
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.cell_keys import CellKey

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BigInteger primary keys autoincrement on PostgreSQL; SQLite only autoincrements INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Portal(Base):
    """A government website that publishes reports (one entry of the portal registry)."""

    __tablename__ = "portals"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(30))
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    start_urls: Mapped[list[Any]] = mapped_column(JSON, default=list)
    domains: Mapped[list[Any]] = mapped_column(JSON, default=list)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Unit(Base):
    """A publishing unit: a government body that must publish an annual report."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("name", "region_code", name="uq_units_name_region"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # 行政区划代码 of the unit's area ("" when unknown, so the unique key works on every database)
    region_code: Mapped[str] = mapped_column(String(12), default="", index=True)
    region_name: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[str | None] = mapped_column(String(20))  # province | city | county
    kind: Mapped[str] = mapped_column(String(20), default="department")  # government | department
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    portal_id: Mapped[str | None] = mapped_column(ForeignKey("portals.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CrawlRun(Base):
    """One run of a flow or command: who started it, what it was asked, what came of it."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow: Mapped[str] = mapped_column(String(50))
    started_by: Mapped[str] = mapped_column(String(100))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str] = mapped_column(String(20), default="running")
    prefect_flow_run_id: Mapped[str | None] = mapped_column(String(64))


class Blob(Base):
    """Content-addressed raw bytes; the bytes themselves live in the blob store."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Fetch(Base):
    """One HTTP exchange (or an attempt that never got a response)."""

    __tablename__ = "fetches"
    __table_args__ = (Index("ix_fetches_url_started", "url", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    portal_id: Mapped[str | None] = mapped_column(String(100), index=True)
    url: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(10), default="GET")
    status: Mapped[int | None] = mapped_column(Integer)
    request_headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    response_headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    duration_ms: Mapped[float | None] = mapped_column(Numeric(12, 3))
    error_class: Mapped[str | None] = mapped_column(String(40), index=True)
    error_message: Mapped[str | None] = mapped_column(Text)
    blob_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    media_type: Mapped[str | None] = mapped_column(String(120))
    warc_file: Mapped[str | None] = mapped_column(Text)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)
    warc_record_id: Mapped[str | None] = mapped_column(String(80))


class Report(Base):
    """One version of one unit's annual report for one year."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", "version", name="uq_reports_unit_year_version"),
        Index("ix_reports_year_region", "year", "region_code"),
        Index("ix_reports_unit_year_canonical", "unit_id", "year", "is_canonical"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_canonical: Mapped[bool] = mapped_column(Boolean, default=True)
    # metadata from REPORT_FORMAT.md, as parsed from the document
    agency: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(String(12))
    template: Mapped[str | None] = mapped_column(String(10))
    published: Mapped[dt.date | None] = mapped_column(Date)
    title: Mapped[str | None] = mapped_column(Text)
    # where it came from
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    form: Mapped[str | None] = mapped_column(String(20))
    portal_id: Mapped[str | None] = mapped_column(String(100))
    source_url: Mapped[str | None] = mapped_column(Text)
    document_url: Mapped[str | None] = mapped_column(Text)
    fetch_id: Mapped[int | None] = mapped_column(BigInteger)
    fetched_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int | None] = mapped_column(Integer)
    # how it was read
    parser_name: Mapped[str | None] = mapped_column(String(50))
    parser_version: Mapped[str | None] = mapped_column(String(30))
    record_sha256: Mapped[str | None] = mapped_column(String(64))  # hash of the parsed record
    parse_error: Mapped[str | None] = mapped_column(String(40))  # error class when parsing failed
    parse_message: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)  # plain text, for narrative checks and diffs
    # 8 bytes per prose sentence of ``text`` (storage.sentences), for the repeated-text comparison
    sentence_digests: Mapped[bytes | None] = mapped_column(LargeBinary)
    # the values of its figure cells by cell key (storage.cell_keys.FIGURE_CELLS), for region lists and rankings
    # (JSONB on PostgreSQL: a region's sums read several figures of each row, and json re-parses its text each time)
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    checks_failed: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(String(40))  # why this version exists: new | reissued | reparsed
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")
    cells: Mapped[list[Cell]] = relationship(back_populates="report", order_by="Cell.cell_id")
    checks: Mapped[list[CheckResult]] = relationship(back_populates="report", order_by="CheckResult.id")


# The cells' reference to reports: a foreign key on SQLite; on PostgreSQL statement-level triggers with
# the same guarantees (migration 0003), so a 200-cell report costs one reference check, not 200.
CELLS_REPORT_FK = "fk_cells_report_id_reports"

# a result row of any columns: read paths pass plain rows where code reads a few attributes by name
AnyRow: TypeAlias = "Row[*tuple[Any, ...]]"


class Cell(Base):
    """One table cell of one report version: REPORT_FORMAT cell id, value, provenance.

    Keyed by (report, cell id): no surrogate id and no other index, so loads maintain one index only;
    every query reaches cells through a report.
    """

    __tablename__ = "cells"
    __table_args__ = (CheckConstraint("cell_key > 0", name="known_cell"),)

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE", name=CELLS_REPORT_FK), primary_key=True)
    # e.g. applications/new_received/total, stored as its SMALLINT key (storage.cell_keys)
    cell_id: Mapped[str] = mapped_column("cell_key", CellKey(), primary_key=True, autoincrement=False)
    value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))  # null = blank/"/"/"无" in the source
    is_decimal: Mapped[bool] = mapped_column(Boolean, default=False)
    provenance: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    report: Mapped[Report] = relationship(back_populates="cells")


class CellKeyName(Base):
    """The cell id of each ``cells.cell_key`` (storage.cell_keys.CELL_IDS, for SQL users and tools)."""

    __tablename__ = "cell_keys"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    cell_id: Mapped[str] = mapped_column(String(100), unique=True)


class CheckResult(Base):
    """A consistency rule the report breaks (REPORT_FORMAT.md check rules)."""

    __tablename__ = "check_results"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(50), index=True)
    locator: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"column": "total"} etc.
    cells: Mapped[list[Any]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")

    report: Mapped[Report] = relationship(back_populates="checks")


class Coverage(Base):
    """Per unit and year, what a harvest run found: found, missing, late, unreachable, blocked, invalid."""

    __tablename__ = "coverage"
    __table_args__ = (Index("ix_coverage_run_unit", "run_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    report_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)


class Correction(Base):
    """An auditor's correction of one cell: a separate, attributed record; the cell is never changed."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    cell_id: Mapped[str] = mapped_column(String(100))
    value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    author: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


__all__ = [
    "Base",
    "Blob",
    "Cell",
    "CellKeyName",
    "CheckResult",
    "Correction",
    "Coverage",
    "CrawlRun",
    "Fetch",
    "Portal",
    "Report",
    "Unit",
    "func",
]
