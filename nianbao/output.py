"""Printing rows for people (a table on a terminal) or programs (``--json``, ``--csv``)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import click

OUTPUT_FORMATS = ("table", "json", "csv")


def output_option(default: str = "table"):  # type: ignore[no-untyped-def]
    """``--json`` / ``--csv`` flags shared by every command that prints rows."""

    def decorate(f):  # type: ignore[no-untyped-def]
        f = click.option("--csv", "fmt", flag_value="csv", help="Print CSV.")(f)
        f = click.option("--json", "fmt", flag_value="json", help="Print JSON.")(f)
        f = click.option("--table", "fmt", flag_value="table", default=True, hidden=True)(f)
        return f

    return decorate


def display_text(value: Any) -> str:
    """A cell as people read it: blank for null, 12 rather than 12.0."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: str = "table",
    columns: Sequence[str] | None = None,
    out: TextIO | None = None,
    title: str | None = None,
) -> None:
    out = out or sys.stdout
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        json.dump(list(rows), out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
        return
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: display_text(row.get(k)) for k in columns})
        return
    if title:
        out.write(title + "\n")
    if not rows:
        out.write("(none)\n")
        return
    grid = [[display_text(r.get(c)) for c in columns] for r in rows]
    widths = [max(_width(c), *(_width(row[i]) for row in grid)) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    out.write(line(columns) + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for values in grid:
        out.write(line(values) + "\n")
