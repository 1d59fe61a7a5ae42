"""Bulk loading of many first-version reports at once (imports, benchmarks).

``bulk_insert_reports`` writes reports, cells and check results with PostgreSQL's COPY
(executemany on SQLite).  It only inserts: a report whose unit and year already has a
version goes through :meth:`storage.archive.Archive.archive_report` instead, so versions
and idempotency stay the archive's one way of doing them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import insert, select, tuple_

from storage.archive import Archive, ArchiveCounts
from storage.cell_keys import KEY_OF, check_cell_ids
from storage.models import Blob, Cell, CheckResult, Report, utcnow
from storage.records import cell_value_to_db, figures_of, flatten_tables, record_digest

REPORT_COLUMNS = (
    "id", "unit_id", "year", "version", "is_canonical", "agency", "region", "region_code", "template",
    "published", "blob_sha256", "form", "portal_id", "source_url", "document_url", "fetched_at",
    "parser_name", "parser_version", "record_sha256", "checks_failed", "reason", "created_at", "figures",
)


@dataclass
class BulkReport:
    """One report to load: the document's sha256 (its blob stored already) and its record."""

    unit_id: int
    year: int
    blob_sha256: str
    record: dict[str, Any]
    region_code: str | None = None
    media_type: str | None = None
    size: int = 0
    source: dict[str, Any] = field(default_factory=dict)
    parser_name: str = "nianbao"
    parser_version: str | None = None
    form: str | None = None


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    s = orjson.dumps(value).decode() if isinstance(value, dict) else str(value)  # a JSON column
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


_NULL = "\\N"


CELLS_COPY = "COPY cells (report_id, cell_key, value, is_decimal, provenance) FROM STDIN"


_KEY_ORDER: dict[tuple[str, ...], list[tuple[str, str]]] = {}  # a record shape -> its (cell id, key) in key order


def _key_order(cells: dict[str, Any]) -> list[tuple[str, str]]:
    shape = tuple(cells)
    order = _KEY_ORDER.get(shape)
    if order is None:
        check_cell_ids(cells)
        order = [(cid, str(KEY_OF[cid])) for cid in sorted(cells, key=KEY_OF.__getitem__)]
        if len(_KEY_ORDER) < 64:  # a template or two, with and without a few cells
            _KEY_ORDER[shape] = order
    return order


def cell_copy_text(report_id: int, cells: dict[str, Any], provenance: dict[str, Any]) -> str:
    """The COPY text rows of one report's cells (``{cell_id: number}``, provenance per cell id).

    Rows go out in cell key order: with report ids ascending too, every row lands at the right edge
    of the (report_id, cell_key) primary key, the cheapest place to insert into a B-tree.  (A bulk
    load writes ~200 rows per report, so this is one loop with the work inlined.)  A cell id no
    template has raises :class:`storage.cell_keys.UnknownCellId`.
    """
    rid = str(report_id)
    get = provenance.get
    dumps = orjson.dumps
    rows: list[str] = []
    append = rows.append
    for cid, key in _key_order(cells):
        value = cells[cid]
        kind = type(value)
        if kind is int:
            decimal = "f"
        elif kind is float:
            decimal = "t"
        elif value is None:
            value, decimal = _NULL, "f"
        else:
            cell_value_to_db(value)  # refuses strings and bools as the archive does; a Decimal is written as is
            decimal = "t"
        p = get(cid)
        if p is None:
            append(f"{rid}\t{key}\t{value}\t{decimal}\t{_NULL}\n")
            continue
        p_text = dumps(p).decode()  # control characters come out escaped: only backslashes remain
        if "\\" in p_text:
            p_text = p_text.replace("\\", "\\\\")
        append(f"{rid}\t{key}\t{value}\t{decimal}\t{p_text}\n")
    return "".join(rows)


def bulk_insert_reports(archive: Archive, items: Sequence[BulkReport]) -> ArchiveCounts:
    counts = ArchiveCounts()
    with archive.session() as s:
        keys = [(i.unit_id, i.year) for i in items]
        existing = set(
            s.execute(select(Report.unit_id, Report.year).where(tuple_(Report.unit_id, Report.year).in_(keys))).all()
        ) if keys else set()
    fresh = [i for i in items if (i.unit_id, i.year) not in existing]
    for item in items:
        if (item.unit_id, item.year) in existing:
            outcome = archive.archive_report(
                unit_id=item.unit_id, year=item.year, blob_sha256=item.blob_sha256, record=item.record,
                parser_name=item.parser_name, parser_version=item.parser_version, form=item.form,
            )
            counts.add(outcome.status)
    if not fresh:
        return counts
    dialect = archive.engine.dialect.name
    now = utcnow()
    with archive.session() as s:
        conn = s.connection()
        if dialect == "postgresql":
            ids = [r[0] for r in conn.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('reports', 'id')) FROM generate_series(1, %s)",
                (len(fresh),)).all()]
        else:
            start = (s.scalar(select(Report.id).order_by(Report.id.desc()).limit(1)) or 0) + 1
            ids = list(range(start, start + len(fresh)))
        blob_rows: dict[str, dict[str, Any]] = {}
        report_rows: list[dict[str, Any]] = []
        cell_rows: list[tuple[Any, ...]] = []
        stage_rows: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        check_rows: list[tuple[Any, ...]] = []
        for report_id, item in zip(ids, fresh, strict=True):
            rec = item.record
            checks = rec.get("checks") or []
            blob_rows.setdefault(item.blob_sha256, {"sha256": item.blob_sha256, "size": item.size,
                                                    "media_type": item.media_type, "created_at": now})
            report_rows.append({
                "id": report_id, "unit_id": item.unit_id, "year": item.year, "version": 1, "is_canonical": True,
                "agency": rec.get("agency"), "region": rec.get("region"), "region_code": item.region_code,
                "template": rec.get("template"), "published": rec.get("published"),
                "blob_sha256": item.blob_sha256, "form": item.form, "portal_id": item.source.get("portal"),
                "source_url": item.source.get("url"), "document_url": item.source.get("document_url"),
                "fetched_at": item.source.get("fetched_at"), "parser_name": item.parser_name,
                "parser_version": item.parser_version, "record_sha256": record_digest(rec),
                "checks_failed": len(checks), "reason": "new", "created_at": now,
            })
            provenance = rec.get("provenance") or {}
            flat = flatten_tables(rec.get("tables"))
            report_rows[-1]["figures"] = figures_of(flat)
            if dialect == "postgresql":
                stage_rows.append((report_id, flat, provenance))
            else:
                check_cell_ids(flat)
                for cell_id, value in flat.items():
                    number, is_decimal = cell_value_to_db(value)
                    cell_rows.append((report_id, cell_id, number, is_decimal, provenance.get(cell_id)))
            for c in checks:
                locator = {k: c[k] for k in ("column", "row", "group", "cell") if k in c}
                check_rows.append((report_id, c.get("rule", "?"), locator, c.get("cells", []), c.get("message", "")))
        if dialect == "postgresql":
            raw = conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cur:
                blobs = list(blob_rows.values())
                cur.execute(  # one statement, not one compiled per batch
                    "INSERT INTO blobs (sha256, size, media_type, created_at) "
                    "SELECT * FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::timestamptz[]) "
                    "ON CONFLICT DO NOTHING",
                    ([b["sha256"] for b in blobs], [b["size"] for b in blobs], [b["media_type"] for b in blobs],
                     [b["created_at"] for b in blobs]))
                with cur.copy(f"COPY reports ({', '.join(REPORT_COLUMNS)}) FROM STDIN") as copy:
                    copy.write("".join(
                        "\t".join(_copy_text(row[c]) for c in REPORT_COLUMNS) + "\n" for row in report_rows))
                with cur.copy(CELLS_COPY) as copy:
                    for start in range(0, len(stage_rows), 8):  # ~100 kB per write
                        copy.write("".join(cell_copy_text(rid, flat, prov)
                                           for rid, flat, prov in stage_rows[start:start + 8]))
                if check_rows:
                    with cur.copy("COPY check_results (report_id, rule, locator, cells, message) FROM STDIN") as copy:
                        copy.write("".join(
                            f"{r[0]}\t{_copy_text(r[1])}\t{_copy_text(json.dumps(r[2], ensure_ascii=False))}\t"
                            f"{_copy_text(json.dumps(r[3], ensure_ascii=False))}\t{_copy_text(r[4])}\n"
                            for r in check_rows))
        else:
            from sqlalchemy.dialects import sqlite

            s.execute(sqlite.insert(Blob).values(list(blob_rows.values())).on_conflict_do_nothing())
            s.execute(insert(Report), [
                {**r, "published": dt.date.fromisoformat(r["published"]) if r["published"] else None}
                for r in report_rows])
            s.execute(insert(Cell), [
                {"report_id": r[0], "cell_id": r[1], "value": r[2], "is_decimal": r[3], "provenance": r[4]}
                for r in cell_rows])
            if check_rows:
                s.execute(insert(CheckResult), [
                    {"report_id": r[0], "rule": r[1], "locator": r[2], "cells": r[3], "message": r[4]}
                    for r in check_rows])
    for _ in fresh:
        counts.add("inserted")
    return counts


def bulk_insert_batches(archive: Archive, batches: Iterable[Sequence[BulkReport]], *,
                        connections: int = 2) -> ArchiveCounts:
    """:func:`bulk_insert_reports` of each batch, ``connections`` batches at a time, each its own transaction.

    While one batch's rows are inserted by its connection's server process, the next batch's rows
    are prepared here: on PostgreSQL this keeps both sides busy.  SQLite has one writer: one batch
    at a time.  The batches must not share a (unit, year).
    """
    counts = ArchiveCounts()
    if archive.engine.dialect.name != "postgresql" or connections <= 1:
        for batch in batches:
            counts.counts.update(bulk_insert_reports(archive, batch).counts)
        return counts
    with ThreadPoolExecutor(max_workers=connections, thread_name_prefix="bulk-load") as pool:
        for done in pool.map(lambda batch: bulk_insert_reports(archive, batch), batches):
            counts.counts.update(done.counts)
    return counts
