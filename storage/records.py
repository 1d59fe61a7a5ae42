"""Between REPORT_FORMAT records (nested JSON) and rows of cells.

A cell id is the path of a leaf under ``tables`` joined with ``/``; keys never contain
``/`` (row keys such as ``not_disclosed.internal_affairs`` keep their dots).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson

from storage.cell_keys import FIGURE_KEYS

RECORD_FORMAT = "nianbao.report/1"
MONEY_CELLS = frozenset(
    {"active_disclosure/administrative_fees", "active_disclosure/government_procurement/amount"}
)


def flatten_tables(tables: dict[str, Any] | None) -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a/b": 1}``; leaves are numbers or None."""
    out: dict[str, Any] = {}
    # depth first, in the record's key order, with a stack instead of recursion (a load flattens ~200 cells)
    stack: list[tuple[str, Iterator[tuple[str, Any]]]] = [("", iter((tables or {}).items()))]
    while stack:
        prefix, items = stack[-1]
        for key, value in items:
            if isinstance(value, dict):
                stack.append((f"{prefix}{key}/", iter(value.items())))
                break
            out[f"{prefix}{key}"] = value
        else:
            stack.pop()
    return out


def unflatten_cells(cells: dict[str, Any]) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for cell_id, value in cells.items():
        parts = cell_id.split("/")
        node = tables
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tables


def cell_value_to_db(value: Any) -> tuple[Decimal | None, bool]:
    """A record's cell value as (Decimal, is_decimal); strings and bools are refused."""
    if value is None:
        return None, False
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"a cell holds a number or null, not {value!r}")
    if isinstance(value, int):
        return Decimal(value), False
    return Decimal(str(value)), True


def cell_value_from_db(value: Decimal | None, is_decimal: bool) -> int | float | None:
    if value is None:
        return None
    return float(value) if is_decimal else int(value)


FOUR_PLACES = Decimal("0.0001")  # cells.value is NUMERIC(20, 4)


def figures_of(cells: dict[str, Any]) -> dict[str, int | float]:
    """The figures of a report's flat ``{cell_id: value}`` (``reports.figures``): ``{cell key: value}`` of the
    figure cells (:data:`storage.cell_keys.FIGURE_CELLS`) that hold a number, each as ``cells`` stores and
    gives it back (a decimal to four places); a blank cell is left out, as it has nothing to show or sum."""
    figures: dict[str, int | float] = {}
    for cell_id, key in FIGURE_KEYS.items():
        number, is_decimal = cell_value_to_db(cells.get(cell_id))
        if number is not None:
            stored = number.quantize(FOUR_PLACES, ROUND_HALF_UP) if is_decimal else number
            figures[key] = cell_value_from_db(stored, is_decimal)  # type: ignore[assignment]
    return figures


def record_digest(record: dict[str, Any]) -> str:
    """sha256 of a record's meaning (metadata, tables, checks; not provenance or source).

    The bytes hashed are the standard library's ``json.dumps(sort_keys=True, ensure_ascii=False,
    separators=(",", ":"), default=str)``; orjson writes the same bytes several times faster, except
    for floats below 1e-4 (``0.00001`` where json writes ``1e-05``), which go the standard way.
    """
    keep = {k: record.get(k) for k in ("agency", "region", "year", "template", "published", "tables", "checks")}
    blob: bytes | None
    try:
        blob = orjson.dumps(keep, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME, default=str)
    except TypeError:  # keys that are not strings, integers beyond 64 bits: the standard library's way
        blob = None
    if blob is None or b"0.0000" in blob:
        blob = json.dumps(keep, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()
