"""PDF reader (text layer) -> SourceDocument, with pypdfium2.

Only the pages that hold the report tables are read character by character: every page's text is
taken in one call, and pages naming a table (信息内容, 申请人情况, 行政复议 ...) get their characters
(fake-bold duplicates removed) and ruling lines.  Ruled tables are rebuilt from the lines
(``pdf_grid``: merged cells become one cell with its spans, copies ``spanned=True``); a table-page
without ruling lines is read as rows of text runs split at wide gaps.  A table continued on the
next page with the same columns is joined into one table.  Other text becomes paragraphs.

Provenance: ``{"page": n, "bbox": [x0, top, x1, bottom]}`` in PDF points (1-based page, top-left
origin) for cells, rows, tables and table-page paragraphs; ``{"page": n}`` for other paragraphs.

A PDF without a text layer (scanned, 图片版) is handed to the OCR reader (``parsers.readers.image``).
"""

from __future__ import annotations

import re
from typing import Any

import pypdfium2 as pdfium

from parsers.model import Block, Paragraph, ParseError, SourceCell, SourceDocument, SourceRow, Table
from parsers.readers.pdf_grid import Grid, find_grids
from parsers.readers.pdf_layout import Char, bbox, line_text, lines, page_chars, page_segments, split_runs

MAX_BYTES = 200 * 1024 * 1024
MAX_PAGES = 2000
MAX_TABLE_PAGES = 60  # pages read character by character
MIN_TEXT_CHARS_PER_PAGE = 15  # fewer non-blank characters than this on average: no text layer

TABLE_WORDS = re.compile(
    r"信息内容|申请人情况|本年新收|上年结转|不予公开|无法提供|不予处理|其他处理|结转下年度继续办理|"
    r"结果维持|结果纠正|尚未审结|第二十条第|本年制发|本年新制作|处理决定数量|自然人|商业企业"
)
_SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]{1,2}、.{4,}(?:情况|事项)$")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*/\s*(?:共\s*)?\d{1,4}\s*页?)?[-—–\s]*$")
_WHITESPACE = re.compile(r"\s")
_NUMBER = re.compile(r"^[\s\d,.，．%\-/—–]+$")
_SENTENCE_END = ("。", "：", ":", "；", "！", "？")


def read(data: bytes) -> SourceDocument:
    if not data:
        raise ParseError("empty_file", "the PDF file is empty")
    if len(data) > MAX_BYTES:
        raise ParseError(
            "too_large", f"the PDF is {len(data) // 1_000_000} MB, more than {MAX_BYTES // 1_000_000} MB"
        )
    if b"%PDF-" not in data[:1024]:
        raise ParseError("not_pdf", "the file does not start like a PDF (no %PDF- header)")
    pdf = _open(data)
    try:
        npages = len(pdf)
        if npages == 0:
            raise ParseError("corrupt_pdf", "the PDF has no readable pages (truncated or damaged)")
        if npages > MAX_PAGES:
            raise ParseError("too_large", f"the PDF has {npages} pages, more than {MAX_PAGES}")
        blocks: list[Block] = []
        table_pages = 0
        visible = 0
        for index in range(npages):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_range()
                    visible += len(text) - len(_WHITESPACE.findall(text))
                    if TABLE_WORDS.search(text) and table_pages < MAX_TABLE_PAGES:
                        table_pages += 1
                        blocks += _table_page(page, textpage, index)
                    else:
                        blocks += _prose_page(text, index + 1)
                finally:
                    textpage.close()
            finally:
                page.close()
        if visible < MIN_TEXT_CHARS_PER_PAGE * npages:
            from parsers.readers import image

            return image.read_pdf(data, pdf=pdf)
        meta: dict[str, Any] = {"pages": npages, "table_pages": table_pages, "ocr": False}
        title = pdf.get_metadata_dict().get("Title") if hasattr(pdf, "get_metadata_dict") else None
        if title:
            meta["pdf_title"] = title
        return SourceDocument(form="pdf", blocks=_join_continued_tables(blocks), meta=meta)
    finally:
        pdf.close()


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise ParseError("encrypted_pdf", "the PDF is encrypted and needs a password") from None
        raise ParseError(
            "corrupt_pdf", f"the PDF cannot be opened ({message}): truncated or damaged"
        ) from None


def _prose_page(text: str, page_no: int) -> list[Block]:
    """Paragraphs of a page without tables: wrapped lines joined, headings and page numbers apart."""
    raw = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    raw = [ln for ln in raw if ln and not _PAGE_NUMBER.match(ln)]
    if not raw:
        return []
    full = max(len(ln) for ln in raw)
    blocks: list[Block] = []
    current = ""
    for ln in raw:
        current += ln
        if ln.endswith(_SENTENCE_END) or len(ln) < 0.8 * full:
            blocks.append(Paragraph(current, {"page": page_no}))
            current = ""
    if current:
        blocks.append(Paragraph(current, {"page": page_no}))
    return blocks


def _table_page(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, index: int) -> list[Block]:
    height = page.get_height()
    chars = page_chars(textpage, height)
    segments = page_segments(page, height)
    page_no = index + 1
    grids = [g for g in find_grids(segments) if len(g.xs) >= 3]
    placed: list[tuple[float, Block]] = []
    loose: list[Char] = []
    for ch in chars:
        for grid in grids:
            region = grid.region_for(ch.cx, ch.cy)
            if region is not None:
                region.items.append(ch)
                break
        else:
            loose.append(ch)
    for grid in grids:
        placed.append((grid.ys[0], _grid_table(grid, page_no)))
    text_lines = [ln for ln in lines(loose) if not _PAGE_NUMBER.match(line_text(ln))]
    # text outside the ruled tables: prose, or a table without (complete) ruling lines
    placed += _stream_blocks(text_lines, page_no)
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]


def _paragraphs(text_lines: list[list[Char]], page_no: int) -> list[tuple[float, Block]]:
    """Lines joined into paragraphs the way a reader sees them.

    A line continues the paragraph above when it has the same font size, follows without a blank
    line, starts at the left margin and the line above reached the right margin (CJK justification
    leaves up to a few characters short) -- or when both lines are centred (a title over two lines).
    An indented line starts a paragraph; a right-aligned line (signature, date) stands alone."""
    if not text_lines:
        return []
    right = max(ln[-1].x1 for ln in text_lines)
    left = min(ln[0].x0 for ln in text_lines)
    middle = (left + right) / 2
    out: list[tuple[float, Block]] = []
    current: list[list[Char]] = []

    def size_of(line: list[Char]) -> float:
        return sorted(ch.size for ch in line)[len(line) // 2]

    def centred(line: list[Char], size: float) -> bool:
        return abs((line[0].x0 + line[-1].x1) / 2 - middle) <= size

    def short_centred(line: list[Char], size: float) -> bool:
        return centred(line, size) and line[0].x0 > left + 2 * size and line[-1].x1 < right - 2 * size

    for ln in text_lines:
        size = size_of(ln)
        if current:
            prev = current[-1]
            prev_size = size_of(prev)
            both_centred = centred(prev, prev_size) and short_centred(ln, size)
            new_paragraph = (
                ln[0].top - prev[-1].bottom > 1.2 * size
                or (ln[-1].x1 >= right - size and ln[0].x0 > left + 6 * size and not both_centred)
                or abs(size - prev_size) > 0.15 * max(size, prev_size)
                or (not both_centred and (prev[-1].x1 < right - 6 * prev_size or ln[0].x0 > left + size))
                or line_text(prev).endswith(_SENTENCE_END)
            )
            if new_paragraph:
                out.append(_paragraph(current, page_no))
                current = []
        current.append(ln)
    if current:
        out.append(_paragraph(current, page_no))
    return out


def _paragraph(group: list[list[Char]], page_no: int) -> tuple[float, Block]:
    chars = [ch for ln in group for ch in ln]
    return group[0][0].top, Paragraph(
        "".join(line_text(ln) for ln in group), {"page": page_no, "bbox": bbox(chars)}
    )


def _cell_text(chars: list[Char]) -> str:
    return "".join(line_text(ln) for ln in lines(chars))


def _grid_table(grid: Grid, page_no: int) -> Table:
    nrows, ncols = len(grid.ys) - 1, len(grid.xs) - 1
    texts = {id(r): _cell_text(r.items) for r in grid.regions}
    rows: list[SourceRow] = []
    for r in range(nrows):
        cells: list[SourceCell] = []
        for c in range(ncols):
            region = grid.at[(r, c)]
            prov = {"page": page_no, "bbox": [round(v, 2) for v in region.bbox]}
            origin = region.row == r and region.col == c
            cells.append(
                SourceCell(
                    texts[id(region)],
                    prov,
                    colspan=region.colspan if origin else 1,
                    rowspan=region.rowspan if origin else 1,
                    spanned=not origin,
                )
            )
        row_box = [
            round(grid.xs[0], 2),
            round(grid.ys[r], 2),
            round(grid.xs[-1], 2),
            round(grid.ys[r + 1], 2),
        ]
        rows.append(SourceRow(cells, {"page": page_no, "bbox": row_box}))
    table = Table(rows, {"page": page_no, "bbox": [round(v, 2) for v in grid.bbox]})
    table.prov["columns"] = [round(x, 1) for x in grid.xs]
    return table


def _stream_blocks(text_lines: list[list[Char]], page_no: int) -> list[tuple[float, Block]]:
    """A page with no ruling lines: lines with two or more runs (and lines between them) are table rows."""
    runs_per_line = [split_runs(ln) for ln in text_lines]
    multi = [i for i, runs in enumerate(runs_per_line) if len(runs) >= 2]
    out: list[tuple[float, Block]] = []
    table_rows: list[SourceRow] = []
    table_top = 0.0

    def close_table() -> None:
        nonlocal table_rows
        if table_rows:
            boxes = [r.prov["bbox"] for r in table_rows]
            box = [
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            ]
            _align_columns(table_rows, page_no)
            out.append((table_top, Table(table_rows, {"page": page_no, "bbox": box, "ruled": False})))
            table_rows = []

    prose_lines: list[list[Char]] = []
    for i, (ln, runs) in enumerate(zip(text_lines, runs_per_line, strict=True)):
        text = line_text(ln)
        inside = bool(multi) and multi[0] <= i <= multi[-1]
        prose = len(runs) == 1 and len(text) > 24 and text.endswith(_SENTENCE_END)
        if inside and _SECTION_HEADING.match(text) and len(runs) == 1:
            close_table()  # 二、/三、/四、 ... 情况: a section heading; the next table starts after it
            prose_lines.append(ln)
            continue
        if inside and not prose:
            out.extend(_paragraphs(prose_lines, page_no))
            prose_lines = []
            if not table_rows:
                table_top = ln[0].top
            cells = [SourceCell(line_text(run), {"page": page_no, "bbox": bbox(run)}) for run in runs]
            table_rows.append(SourceRow(cells, {"page": page_no, "bbox": bbox(ln)}))
        else:
            close_table()
            prose_lines.append(ln)
    close_table()
    out.extend(_paragraphs(prose_lines, page_no))
    return out


def _center(cell: SourceCell) -> float:
    x0, _, x1, _ = cell.prov["bbox"]
    return float(x0 + x1) / 2


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text)) and any(ch.isdigit() for ch in text)


def _align_columns(rows: list[SourceRow], page_no: int, tolerance: float = 8.0) -> None:
    """Rows of an unruled table get one cell per value column, empty where the source is blank.

    Value columns are found from the numbers' centres (and short header texts stacked over them);
    a row whose numbers all fall in distinct columns is rebuilt as its label cells followed by
    one cell per column, so a blank cell keeps its place instead of shifting the values after it."""
    numbers = [_center(c) for r in rows for c in r.cells if _is_number(c.text)]
    if not numbers:
        return
    start = min(numbers) - tolerance
    candidates: list[tuple[float, bool, int]] = []
    for i, row in enumerate(rows):
        for cell in row.cells:
            center = _center(cell)
            if center >= start and (_is_number(cell.text) or len(cell.text) <= 6):
                candidates.append((center, _is_number(cell.text), i))
    candidates.sort()
    clusters: list[list[tuple[float, bool, int]]] = []
    for cand in candidates:
        if clusters and cand[0] - clusters[-1][-1][0] <= tolerance:
            clusters[-1].append(cand)
        else:
            clusters.append([cand])
    anchors = [
        sum(c[0] for c in cl) / len(cl)
        for cl in clusters
        if any(c[1] for c in cl) or len({c[2] for c in cl}) >= 2
    ]
    if len(anchors) < 2:
        return
    for row in rows:
        if sum(_is_number(c.text) for c in row.cells) < 2:
            continue  # a header row, or one value spanning the columns (行政许可, 收费金额)
        labels: list[SourceCell] = []
        slots: list[SourceCell | None] = [None] * len(anchors)
        ok = True
        for cell in row.cells:
            center = _center(cell)
            nearest = min(range(len(anchors)), key=lambda k: abs(anchors[k] - center))
            if abs(anchors[nearest] - center) <= 2 * tolerance and center >= start:
                if slots[nearest] is not None:
                    ok = False
                    break
                slots[nearest] = cell
            elif not _is_number(cell.text):
                labels.append(cell)
            else:
                ok = False
                break
        if not ok:
            continue
        top, bottom = row.prov["bbox"][1], row.prov["bbox"][3]
        row.cells = labels + [
            cell or SourceCell("", {"page": page_no, "bbox": [round(a - 4, 2), top, round(a + 4, 2), bottom]})
            for cell, a in zip(slots, anchors, strict=True)
        ]


def _join_continued_tables(blocks: list[Block]) -> list[Block]:
    """A ruled table that runs over a page break comes back as one table (same column edges)."""
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if (
            isinstance(block, Table)
            and isinstance(prev, Table)
            and block.prov.get("page") is not None
            and _last_page(prev) + 1 == block.prov["page"]
            and _same_columns(prev, block)
        ):
            _carry_labels(prev, block)
            prev.rows.extend(block.rows)
            prev.prov.setdefault("continued_on", []).append(block.prov["page"])
            continue
        out.append(block)
    return out


def _carry_labels(prev: Table, cont: Table) -> None:
    """On the new page a merged label cell (三、本年度办理结果, （三）不予公开 ...) continues empty:
    give its cells the label of the cell above the page break.  A row cut by the page break (its
    label's last line alone on the new page, no numbers) is glued back onto the row it belongs to."""
    last, first = prev.rows[-1], cont.rows[0]
    if len(last.cells) != len(first.cells):
        return
    filled = [c.text for c in first.cells]
    if (
        any(filled)
        and all(not t or not _NUMBER.match(t) for t in filled)
        and any(_NUMBER.match(c.text) for c in last.cells if c.text)
    ):
        # the tail of a row split by the page break
        for cell, tail in zip(last.cells, first.cells, strict=True):
            if tail.text and not tail.spanned and not _NUMBER.match(tail.text):
                cell.text += tail.text
        cont.rows.pop(0)
        if not cont.rows:
            return
        first = cont.rows[0]
    for c, cell in enumerate(first.cells):
        above = last.cells[c]
        if cell.text or not above.text or _NUMBER.match(above.text):
            continue
        if c + 1 < len(first.cells) and not any(x.text for x in first.cells[c + 1 :]):
            continue
        origin = cell if not cell.spanned else None
        for row in cont.rows:
            target = row.cells[c]
            if target.text or (origin is not None and target is not origin and not target.spanned):
                break
            if target.spanned or target is origin:
                target.text = above.text
                target.spanned = True
            if row is not first and not target.spanned:
                break


def _last_page(table: Table) -> int:
    pages = table.prov.get("continued_on") or [table.prov.get("page", -10)]
    return int(pages[-1])


def _same_columns(a: Table, b: Table) -> bool:
    ca, cb = a.prov.get("columns"), b.prov.get("columns")
    if not ca or not cb or len(ca) != len(cb):
        return False
    return all(abs(x - y) <= 3 for x, y in zip(ca, cb, strict=True))
