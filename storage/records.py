"""Between REPORT_FORMAT records (nested JSON) and rows of cells.

A cell id is the path of a leaf under ``tables`` joined with ``/``; keys never contain
``/`` (row keys such as ``not_disclosed.internal_affairs`` keep their dots).
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

RECORD_FORMAT = "nianbao.report/1"
MONEY_CELLS = frozenset(
    {"active_disclosure/administrative_fees", "active_disclosure/government_procurement/amount"}
)


def flatten_tables(tables: dict[str, Any] | None) -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a/b": 1}``; leaves are numbers or None."""
    out: dict[str, Any] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}/{key}" if prefix else str(key), value)
        elif prefix:
            out[prefix] = node

    walk("", tables or {})
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


def record_digest(record: dict[str, Any]) -> str:
    """sha256 of a record's meaning (metadata, tables, checks; not provenance or source)."""
    keep = {k: record.get(k) for k in ("agency", "region", "year", "template", "published", "tables", "checks")}
    blob = json.dumps(keep, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()
