"""Showing where a number came from, on the source itself.

- PDF (``{"page", "bbox"}``): the page rendered with pypdfium2 to PNG, the cell's box drawn on it.
- HTML (``{"xpath"}``): the archived snapshot with scripts, frames and external loads removed and
  the cell marked (served inside a sandboxed frame).
- DOCX (``{"table", "row", "col"}``) and text (``{"line"}``): the table or lines around the cell,
  with the cell marked.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

MARK_STYLE = "outline:3px solid #d00;background:#ffe3e3;"
PAGE_SCALE = 2.0


class ProvenanceUnavailable(Exception):
    """The source cannot show this cell (no provenance, wrong kind, damaged bytes)."""


@lru_cache(maxsize=64)
def pdf_page_png(data: bytes, page: int, bbox: tuple[float, float, float, float] | None,
                 scale: float = PAGE_SCALE) -> bytes:
    """Page ``page`` (1-based) of a PDF as PNG, with ``bbox`` ([x0, top, x1, bottom] in points) boxed in red."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ProvenanceUnavailable(f"the PDF cannot be opened: {exc}") from None
    try:
        if not 1 <= page <= len(pdf):
            raise ProvenanceUnavailable(f"the PDF has {len(pdf)} pages, not {page}")
        pdf_page = pdf[page - 1]
        image = pdf_page.render(scale=scale).to_pil().convert("RGB")
        if bbox is not None:
            x0, top, x1, bottom = bbox
            # bbox is measured from the page's top-left corner, y downwards (pdfplumber convention)
            box = [x0 * scale - 4, top * scale - 4, x1 * scale + 4, bottom * scale + 4]
            draw = ImageDraw.Draw(image)
            for i in range(3):
                draw.rectangle([box[0] - i, box[1] - i, box[2] + i, box[3] + i], outline=(220, 0, 0))
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=False)
        return out.getvalue()
    finally:
        pdf.close()


def html_snapshot(data: bytes, xpath: str | None) -> str:
    """The archived HTML page, made inert (no scripts, no external loads), with ``xpath`` marked."""
    from lxml import etree, html

    try:
        doc = html.document_fromstring(data)
    except (etree.ParserError, ValueError) as exc:
        raise ProvenanceUnavailable(f"the HTML snapshot cannot be read: {exc}") from None
    for bad in doc.xpath("//script|//iframe|//frame|//object|//embed|//link|//meta[@http-equiv]|//base"):
        bad.drop_tree()
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in list(el.attrib):
            if attr.lower().startswith("on"):
                del el.attrib[attr]
        for attr in ("src", "href", "background", "action"):
            if attr in el.attrib:
                el.attrib[f"data-{attr}"] = el.attrib.pop(attr)
    marked = None
    if xpath:
        try:
            found = doc.getroottree().xpath(xpath)
        except etree.XPathError:
            found = []
        if not found:
            # readers may write xpaths with tbody where the page has none (or the reverse)
            try:
                found = doc.getroottree().xpath(xpath.replace("/tbody", ""))
            except etree.XPathError:
                found = []
        if found and isinstance(found[0], html.HtmlElement):
            marked = found[0]
            marked.set("id", "nianbao-cell")
            marked.set("style", (marked.get("style") or "") + ";" + MARK_STYLE)
    if marked is None and xpath:
        raise ProvenanceUnavailable(f"the snapshot has no element at {xpath}")
    body = doc.find("body")
    if body is not None:
        banner = html.fragment_fromstring(
            "<div style='position:sticky;top:0;background:#222;color:#fff;padding:4px;font:13px sans-serif'>"
            "nianbao: archived snapshot, the cell is outlined in red</div>"
        )
        body.insert(0, banner)
    return html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")


def docx_table(data: bytes, table: int, row: int, col: int) -> list[list[dict[str, Any]]]:
    """The DOCX table holding the cell, as rows of ``{"text", "mark"}`` (0-based indices)."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for damaged files
        raise ProvenanceUnavailable(f"the DOCX cannot be read: {type(exc).__name__}") from None
    if not 0 <= table < len(document.tables):
        raise ProvenanceUnavailable(f"the DOCX has {len(document.tables)} tables, not {table + 1}")
    out = []
    for r, tr in enumerate(document.tables[table].rows):
        out.append([{"text": c.text, "mark": r == row and ci == col} for ci, c in enumerate(tr.cells)])
    return out


def text_lines(text: str, line: int, context: int = 8) -> list[dict[str, Any]]:
    """Lines around ``line`` (1-based) of a text source, the line itself marked."""
    lines = text.splitlines()
    lo, hi = max(1, line - context), min(len(lines), line + context)
    return [{"number": n, "text": lines[n - 1], "mark": n == line} for n in range(lo, hi + 1)]


def decode_text(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("utf-8", "replace")
