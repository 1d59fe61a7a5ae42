"""The one table model in the middle of every parser.

Every reader (text, html, pdf, docx, doc, image/OCR) turns its input into a
:class:`SourceDocument`: an ordered list of blocks, each either a paragraph of prose
or a table made of rows of cells.  Every piece of text carries its provenance in the
source (PDF page + bbox, HTML xpath, DOCX table/row/column, text line/column), so
the single mapper in ``parsers.templates`` can assign REPORT_FORMAT keys to cells
without knowing which form the document arrived in.

Provenance dictionaries use these keys (only those that apply):

- PDF / image:  ``{"page": 3, "bbox": [x0, top, x1, bottom]}`` (1-based page, PDF points)
- HTML:         ``{"xpath": "/html/body/div[2]/table[1]/tbody/tr[5]/td[3]"}``
- DOCX / DOC:   ``{"table": 2, "row": 5, "col": 3}`` (0-based)
- text:         ``{"line": 57, "col": 3}`` (1-based line, 0-based tab column)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Provenance = dict[str, Any]


@dataclass(slots=True)
class SourceCell:
    """One cell of a source table as written (text not yet interpreted)."""

    text: str
    prov: Provenance = field(default_factory=dict)
    # How many grid columns/rows this cell spans in the source, when the form knows it
    # (HTML rowspan/colspan, DOCX merged cells).  A reader that expands merged cells into
    # repeated copies sets ``spanned=True`` on the copies.
    colspan: int = 1
    rowspan: int = 1
    spanned: bool = False


@dataclass(slots=True)
class SourceRow:
    cells: list[SourceCell]
    prov: Provenance = field(default_factory=dict)

    def texts(self) -> list[str]:
        return [c.text for c in self.cells]


@dataclass(slots=True)
class Paragraph:
    text: str
    prov: Provenance = field(default_factory=dict)


@dataclass(slots=True)
class Table:
    rows: list[SourceRow]
    prov: Provenance = field(default_factory=dict)


Block = Paragraph | Table


@dataclass(slots=True)
class SourceDocument:
    """A document read into blocks, in reading order."""

    form: str  # "text" | "html" | "pdf" | "docx" | "doc" | "image"
    blocks: list[Block]
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. {"title": ..., "pages": 5, "ocr": True}

    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def plain_text(self) -> str:
        """All prose and table text, one block per line (for narrative checks, diffs)."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            else:
                for r in b.rows:
                    out.append("\t".join(r.texts()))
        return "\n".join(out)


class ParseError(Exception):
    """A document that cannot be parsed, with a stable error class.

    ``error`` is a short snake_case class such as ``empty_file``, ``encrypted_pdf``,
    ``corrupt_pdf``, ``html_error_page``, ``unknown_format``, ``no_tables``,
    ``zip_bomb``, ``too_large``, ``timeout``; ``message`` is one human-readable line.
    """

    def __init__(self, error: str, message: str) -> None:
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message

    def to_json(self) -> dict[str, str]:
        return {"error": self.error, "message": self.message}
