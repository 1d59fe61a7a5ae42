"""DOCX reports as an office writes them in Word/WPS: 仿宋 prose, 黑体 headings, merged table cells.

Options (keyword ``quirks`` of ``parsers.render.render``):
- ``no_rules``: the tables have no borders (PDFs "drawn without ruling lines").
- ``fake_bold``: the table text is shadowed, which LibreOffice's PDF export draws twice at a small
  offset, exactly like the fake-bold of WPS exports (pdfplumber sees doubled characters).
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from parsers.render.layout import Grid, grids
from parsers.render.prose import outline

TEXT_WIDTH_CM = 15.5
# Column widths (cm) by the table's column count: label columns wide, number columns narrow.
_COLUMN_WIDTHS = {
    4: [5.0, 3.5, 3.5, 3.5],
    10: [1.5, 1.7, 4.6] + [1.1] * 7,
}
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
TABLE_FONT = "宋体"


def render_docx(record: dict[str, Any], quirks: frozenset[str] = frozenset()) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(14)
    _east_asian(normal.element.get_or_add_rPr(), BODY_FONT)
    tables = grids(record)
    for kind, text in outline(record):
        if kind == "title":
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(p, text, TITLE_FONT, 20, bold=False)
        elif kind == "heading":
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(28)
            font = HEADING_FONT if text[0] in "一二三四五六" else "楷体_GB2312"
            _run(p, text, font, 14)
        elif kind == "para":
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(28)
            _run(p, text, BODY_FONT, 14)
        elif kind == "table":
            _table(doc, tables[text], quirks)
        else:  # signature, date
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _run(p, text, BODY_FONT, 14)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _run(paragraph: Any, text: str, font: str, size: float, bold: bool = False, shadow: bool = False) -> Any:
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.name = font
    run.bold = bold
    if shadow:
        run.font.shadow = True
    _east_asian(run._element.get_or_add_rPr(), font)
    return run


def _east_asian(rpr: Any, font: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:ascii"), font)
    fonts.set(qn("w:hAnsi"), font)


def _table(doc: Any, grid: Grid, quirks: frozenset[str]) -> None:
    width = sum(c.colspan for c in grid[0])
    table = doc.add_table(rows=len(grid), cols=width)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if "no_rules" not in quirks:
        table.style = doc.styles["Table Grid"]
    table.autofit = False
    widths = _COLUMN_WIDTHS.get(width) or [TEXT_WIDTH_CM / width] * width
    for grid_col, cm in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        grid_col.set(qn("w:w"), str(int(Cm(cm).twips)))
    for column, cm in zip(table.columns, widths, strict=True):
        for c in column.cells:
            c.width = Cm(cm)
    taken = [[False] * width for _ in grid]
    size = 9 if width > 10 else 10.5
    for r, row in enumerate(grid):
        col = 0
        for cell in row:
            while taken[r][col]:
                col += 1
            target = table.cell(r, col)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(table.cell(r + cell.rowspan - 1, col + cell.colspan - 1))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[r + dr][col + dc] = True
            p = target.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(
                p, cell.text, HEADING_FONT if cell.header else TABLE_FONT, size, shadow="fake_bold" in quirks
            )
            col += cell.colspan
