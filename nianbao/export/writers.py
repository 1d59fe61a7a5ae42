"""Writers for ``nianbao export``: one function per format, all fed by
:func:`storage.queries.iter_canonical_reports` (canonical versions, batches, parameterised queries).

- ``jsonl``: one REPORT_FORMAT record per line, with ``source`` and ``provenance`` (comparable line by
  line with another tool's output).
- ``csv`` / ``parquet``: one row per report, metadata columns then one column per cell id.
- ``xlsx``: a 报告 sheet of metadata and one sheet per table, headed with the template's Chinese labels.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from nianbao.errors import UserError
from nianbao.export.labels import TABLE_TITLES, cell_ids, column_header
from nianbao.output import display_text
from storage.archive import Archive
from storage.queries import iter_canonical_reports

FORMATS = ("csv", "xlsx", "parquet", "jsonl")
BINARY_FORMATS = ("xlsx", "parquet")
META_COLUMNS = ("id", "unit", "region_code", "region", "level", "kind", "year", "version", "template",
                "published", "agency", "form", "checks_failed", "parse_error", "source_url", "document_url",
                "sha256", "fetched_at")
META_HEADERS = {"id": "报告编号", "unit": "机关", "region_code": "行政区划代码", "region": "地区", "level": "级别",
                "kind": "类型", "year": "年度", "version": "版本", "template": "模板", "published": "发布日期",
                "agency": "报告署名机关", "form": "文件格式", "checks_failed": "校验未通过数",
                "parse_error": "解析错误", "source_url": "来源网址", "document_url": "文件网址",
                "sha256": "sha256", "fetched_at": "抓取时间"}


def all_cells() -> list[str]:
    """Cell columns: the 2021 template's cells, then those only the 2019 template has."""
    first = list(cell_ids("2021"))
    return first + [c for c in cell_ids("2019") if c not in set(first)]


def export_reports(archive: Archive, *, year: int, region: str | None, fmt: str, out: str | Path | None) -> int:
    """Write every canonical report of ``year`` (in ``region``) in ``fmt``; returns how many."""
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt in BINARY_FORMATS and out is None:
        raise UserError(f"--format {fmt} writes a binary file: give it with --out FILE")
    rows = iter_canonical_reports(archive, year=year, region=region)
    if out is not None:
        path = Path(out)
        if path.is_dir():
            raise UserError(f"--out {path} is a directory; give a file name")
        if not path.parent.exists():
            raise UserError(f"--out {path}: directory {path.parent} does not exist")
        tmp = path.with_name(f".{path.name}.part")
        try:
            count = _write(archive, fmt, rows, tmp)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        return count
    return _write_stream(archive, fmt, rows, sys.stdout)


def _write(archive: Archive, fmt: str, rows: Iterator[tuple[dict[str, Any], dict[str, Any]]], path: Path) -> int:
    if fmt == "xlsx":
        return write_xlsx(rows, path)
    if fmt == "parquet":
        return write_parquet(rows, path)
    with path.open("w", encoding="utf-8", newline="") as fh:
        return _write_stream(archive, fmt, rows, fh)


def _write_stream(archive: Archive, fmt: str, rows: Iterator[tuple[dict[str, Any], dict[str, Any]]],
                  fh: IO[str]) -> int:
    if fmt == "jsonl":
        return write_jsonl(archive, rows, fh)
    return write_csv(rows, fh)


def write_jsonl(archive: Archive, rows: Iterator[tuple[dict[str, Any], dict[str, Any]]], fh: IO[str]) -> int:
    count = 0
    for row, _cells in rows:
        if row["parse_error"]:
            continue  # no record was read from this document
        record = archive.report_record(row["id"])
        fh.write(json.dumps(record, ensure_ascii=False, sort_keys=False, default=str) + "\n")
        count += 1
    return count


def write_csv(rows: Iterator[tuple[dict[str, Any], dict[str, Any]]], fh: IO[str]) -> int:
    columns = all_cells()
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow([*META_COLUMNS, *columns])
    count = 0
    for row, cells in rows:
        writer.writerow([display_text(row.get(k)) for k in META_COLUMNS] + [display_text(cells.get(c)) for c in columns])
        count += 1
    return count


def write_parquet(rows: Iterator[tuple[dict[str, Any], dict[str, Any]]], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = all_cells()
    schema = pa.schema(
        [(k, pa.int64() if k in ("id", "year", "version", "checks_failed") else pa.string()) for k in META_COLUMNS]
        + [(c, pa.float64()) for c in columns]
    )
    count = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        batch: list[dict[str, Any]] = []
        for row, cells in rows:
            item = {k: (row.get(k) if k in ("id", "year", "version", "checks_failed") else _opt_text(row.get(k)))
                    for k in META_COLUMNS}
            item.update({c: (None if cells.get(c) is None else float(cells[c])) for c in columns})
            batch.append(item)
            count += 1
            if len(batch) >= 1000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return count


def write_xlsx(rows: Iterator[tuple[dict[str, Any], dict[str, Any]]], path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    columns = all_cells()
    by_table = {t: [c for c in columns if c.startswith(t + "/")] for t in TABLE_TITLES}
    lead = ("id", "unit", "region_code", "year")
    meta = wb.create_sheet("报告")
    sheets = {t: wb.create_sheet(_sheet_title(title)) for t, title in TABLE_TITLES.items()}
    bold = Font(bold=True)

    def header(values: list[str]) -> list[Any]:
        from openpyxl.cell import WriteOnlyCell

        out = []
        for v in values:
            cell = WriteOnlyCell(meta, value=v)
            cell.font = bold
            out.append(cell)
        return out

    meta.append(header([META_HEADERS[k] for k in META_COLUMNS]))
    for t, sheet in sheets.items():
        sheet.append(header([META_HEADERS[k] for k in lead] + [column_header(c) for c in by_table[t]]))
    count = 0
    for row, cells in rows:
        meta.append([row.get(k) for k in META_COLUMNS])
        for t, sheet in sheets.items():
            sheet.append([row.get(k) for k in lead] + [cells.get(c) for c in by_table[t]])
        count += 1
    wb.save(str(path))
    return count


def _sheet_title(title: str) -> str:
    # Excel sheet names: at most 31 characters, none of []:*?/\
    for ch in "[]:*?/\\":
        title = title.replace(ch, "")
    return title[:31]


def _opt_text(value: Any) -> str | None:
    return None if value is None else str(value)
