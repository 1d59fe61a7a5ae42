"""Plain text as extracted from a report by others (like the seeds): prose lines, tab-separated tables.

A merged cell's text is written once, at its first grid position; the positions it spans are empty
fields, so rows under a rowspan start with empty fields and a colspan leaves empty fields after it.
"""

from __future__ import annotations

from typing import Any

from parsers.render.layout import expand, grids
from parsers.render.prose import outline


def render_txt(record: dict[str, Any]) -> bytes:
    tables = grids(record)
    lines: list[str] = []
    for kind, text in outline(record):
        if kind == "table":
            for row in expand(tables[text]):
                lines.append("\t".join("" if cell is None else cell.text for cell in row).rstrip("\t"))
            lines.append("")
        else:
            lines.extend([text, ""])
    return "\n".join(lines).encode("utf-8")
