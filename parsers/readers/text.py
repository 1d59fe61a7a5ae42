"""Plain-text reader: text extracted by others (tab-separated tables, like the seeds).

Lines holding a tab are table rows (one cell per tab-separated field); consecutive rows
form a table, blank lines inside a table do not end it.  Markdown pipe tables
(``| a | b |``, rule lines skipped) are read the same way.  Text without any tab but with
columns padded by runs of spaces (``pdftotext -layout``) is read the same way, splitting
on two or more spaces.  Every other non-blank line is a paragraph.  Provenance is the
1-based line number and the 0-based column.
"""

from __future__ import annotations

import re

from parsers.model import Block, Paragraph, ParseError, SourceCell, SourceDocument, SourceRow, Table
from parsers.numbers import read_cell

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?[\s:|-]*-[\s:|-]*\|?\s*$")
_LAYOUT_GAP = re.compile(r"\S(?: {2,}|\u3000+)\S")
_LAYOUT_SPLIT = re.compile(r" {2,}|\u3000+")


def decode(data: bytes) -> str:
    """Text bytes as str: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030, else detected."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ParseError("unknown_format", "the file claims to be UTF-16 text but is not") from None
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ParseError("unknown_format", "the file is not readable text")
    return str(best)


_SENTENCE_MARK = re.compile(r"[。，,；;：:！？!?]")


def _row_without_tabs(line: str) -> bool:
    """A table row whose tabs were lost ("一、本年新收政府信息公开申请数量 30 4 0 1 1 0 36", "0 0 0 0 0"):
    numbers at the end of a short line that is not a sentence."""
    tokens = line.split()
    k = len(tokens)
    while k > 0 and read_cell(tokens[k - 1]).kind in ("num", "null"):
        k -= 1
    trailing = len(tokens) - k
    if trailing == 0:
        return False
    if k == 0:  # numbers only: several, all numbers (not a page number "- 3 -")
        return trailing >= 3 and all(read_cell(t).kind == "num" for t in tokens)
    label = "".join(tokens[:k])
    return len(label) <= 60 and not _SENTENCE_MARK.search(label)


def read(data: bytes) -> SourceDocument:
    text = decode(data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    use_tabs = any("\t" in ln for ln in lines)
    use_pipes = not use_tabs and sum(1 for ln in lines if _PIPE_ROW.match(ln)) >= 3

    def cells_of(line: str) -> list[str] | None:
        if use_pipes:
            if not _PIPE_ROW.match(line):
                return None
            return [c.strip() for c in line.strip()[1:-1].split("|")]
        if use_tabs:
            if "\t" in line:
                return line.split("\t")
            return [line.strip()] if rows and _row_without_tabs(line) else None
        if _LAYOUT_GAP.search(line.strip()):
            return _LAYOUT_SPLIT.split(line.strip())
        return None

    blocks: list[Block] = []
    rows: list[SourceRow] = []

    def close_table() -> None:
        if rows:
            blocks.append(Table(list(rows), {"line": rows[0].prov["line"]}))
            rows.clear()

    for i, line in enumerate(lines, start=1):
        if not line.strip() or (use_pipes and _PIPE_RULE.match(line) and "-" in line):
            continue
        cells = cells_of(line)
        if cells is not None:
            rows.append(
                SourceRow([SourceCell(c, {"line": i, "col": j}) for j, c in enumerate(cells)], {"line": i})
            )
            continue
        close_table()
        blocks.append(Paragraph(line.strip(), {"line": i}))
    close_table()
    title = next((b.text for b in blocks if isinstance(b, Paragraph)), None)
    return SourceDocument("text", blocks, {"title": title, "lines": len(lines)})
