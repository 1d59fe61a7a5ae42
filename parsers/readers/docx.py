"""DOCX reader: ``word/document.xml`` read directly with lxml -> SourceDocument.

Body paragraphs and tables in document order (content controls are looked into).  Merged cells are
expanded: ``w:gridSpan`` repeats a cell to the right, ``w:vMerge`` continuation cells copy the text of
the cell above; copies have ``spanned=True``.  ``w:gridBefore`` / ``w:gridAfter`` leave empty cells so
columns stay aligned.  Provenance: ``{"table", "row", "col"}`` (0-based grid column) for cells,
``{"paragraph": i}`` for body paragraphs.

A DOCX is a zip: entries are size-checked before they are inflated (``zip_bomb``), and a file that is
not a zip or has no ``word/document.xml`` is rejected with a clear error.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from lxml import etree

from parsers.model import Block, Paragraph, ParseError, SourceCell, SourceDocument, SourceRow, Table

MAX_DOCUMENT_XML = 64 * 1024 * 1024  # inflated size of word/document.xml
MAX_RATIO = 200  # inflated / compressed, above which (for a large entry) the zip is a bomb
MAX_TOTAL_INFLATED = 512 * 1024 * 1024

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W = f"{{{W}}}"
_FALLBACK = f"{{{MC}}}Fallback"
_T, _TAB, _BR, _CR = _W + "t", _W + "tab", _W + "br", _W + "cr"
_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = _W + "p", _W + "tbl", _W + "tr", _W + "tc", _W + "sdt", _W + "sdtContent"
_TCPR, _TRPR, _GRID_SPAN, _VMERGE, _VAL = _W + "tcPr", _W + "trPr", _W + "gridSpan", _W + "vMerge", _W + "val"
_WRAPPERS = frozenset((_W + "customXml", _W + "ins", _W + "smartTag"))
_SPACES = re.compile(r"[ \t\r\n\u00a0\u3000]+")


def read(data: bytes) -> SourceDocument:
    return read_document_xml(document_xml(data), form="docx")


def document_xml(data: bytes) -> bytes:
    """The inflated ``word/document.xml`` of a DOCX, after zip-bomb checks."""
    if not data:
        raise ParseError("empty_file", "the DOCX file is empty")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ParseError(
            "corrupt_docx", "the file is not a valid DOCX (not a zip archive, or truncated)"
        ) from None
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_INFLATED:
            raise ParseError("zip_bomb", f"the DOCX would inflate to {total // 1_000_000} MB")
        try:
            info = zf.getinfo("word/document.xml")
        except KeyError:
            if any(i.filename == "EncryptionInfo" for i in infos):
                raise ParseError("encrypted_docx", "the DOCX is password-protected") from None
            raise ParseError(
                "corrupt_docx", "the zip has no word/document.xml: not a Word document"
            ) from None
        if info.file_size > MAX_DOCUMENT_XML or (
            info.file_size > 4 * 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise ParseError(
                "zip_bomb",
                f"word/document.xml would inflate to {info.file_size // 1_000_000} MB from {info.compress_size} bytes",
            )
        try:
            with zf.open(info) as fh:
                xml = fh.read(MAX_DOCUMENT_XML + 1)
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as exc:
            raise ParseError("corrupt_docx", f"word/document.xml cannot be inflated: {exc}") from None
        if len(xml) > MAX_DOCUMENT_XML:  # the header lied about the size
            raise ParseError("zip_bomb", "word/document.xml inflates beyond its declared size")
    return xml


def read_document_xml(xml: bytes, form: str = "docx") -> SourceDocument:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError("corrupt_docx", f"word/document.xml is not well-formed XML: {exc}") from None
    body = _child(root, _W + "body")
    if body is None:
        raise ParseError("corrupt_docx", "word/document.xml has no body")
    reader = _BodyReader(
        fallback=b"Fallback" in xml,
        breaks=next(body.iter(_TAB, _BR, _CR), None) is not None,
    )
    reader.container(body)
    return SourceDocument(form=form, blocks=reader.blocks, meta={"tables": reader.table_count})


def _child(el: Any, tag: str) -> Any:
    """The first direct child ``tag`` of ``el``, or None (lxml's ``find`` parses a path on every call)."""
    for child in el:
        if child.tag == tag:
            return child
    return None


class _BodyReader:
    """Reads one document body.  What the document holds decides how its paragraphs are read:
    ``fallback``: it has mc:Fallback content (text that duplicates mc:Choice), which is skipped;
    ``breaks``: it has w:tab / w:br / w:cr elements, read as a tab or a space (else only w:t is looked for)."""

    def __init__(self, fallback: bool = True, breaks: bool = True) -> None:
        self.blocks: list[Block] = []
        self.table_count = 0
        self.paragraph_count = 0
        self.fallback = fallback
        self.text_tags: tuple[str, ...] = (_T, _TAB, _BR, _CR) if breaks else (_T,)

    def container(self, el: Any) -> None:
        for child in el:
            tag = child.tag
            if tag == _P:
                text = self.paragraph_text(child)
                if text:
                    self.blocks.append(Paragraph(text, {"paragraph": self.paragraph_count}))
                self.paragraph_count += 1
            elif tag == _TBL:
                self.blocks.append(self.table(child))
            elif tag == _SDT:
                content = _child(child, _SDT_CONTENT)
                if content is not None:
                    self.container(content)
            elif tag in _WRAPPERS:
                self.container(child)

    def table(self, tbl: Any) -> Table:
        index = self.table_count
        self.table_count += 1
        rows: list[SourceRow] = []
        above: dict[int, SourceCell] = {}  # grid column -> the cell last placed there (for vMerge)
        for r, tr in enumerate(_children(tbl, _TR)):
            cells: list[SourceCell] = []
            col = _grid_value(tr, "gridBefore")
            cells.extend(SourceCell("", {"table": index, "row": r, "col": c}) for c in range(col))
            for tc in _children(tr, _TC):
                tcpr = _child(tc, _TCPR)
                span = 1
                vmerge = None
                if tcpr is not None:
                    gs, vm = _child(tcpr, _GRID_SPAN), _child(tcpr, _VMERGE)
                    if gs is not None:
                        span = max(1, min(int(gs.get(_VAL, "1") or 1), 64))
                    if vm is not None:
                        vmerge = vm.get(_VAL, "continue")
                prov = {"table": index, "row": r, "col": col}
                if vmerge == "continue" and col in above:
                    origin = above[col]
                    origin.rowspan += 1
                    first = SourceCell(origin.text, origin.prov, spanned=True)
                else:
                    first = SourceCell(self.cell_text(tc), prov, colspan=span)
                cells.append(first)
                for _ in range(1, span):
                    cells.append(SourceCell(first.text, first.prov, spanned=True))
                if not first.spanned:
                    for dc in range(span):
                        above[col + dc] = first
                col += span
            rows.append(SourceRow(cells, {"table": index, "row": r}))
        return Table(rows, {"table": index})

    def paragraph_text(self, p: Any) -> str:
        parts: list[str] = []
        for el in p.iter(*self.text_tags):
            tag = el.tag
            if tag == _T:
                if not self.fallback or not _in_fallback(el, p):
                    parts.append(el.text or "")
            elif tag == _TAB:
                parts.append("\t")
            else:
                parts.append(" ")
        return _SPACES.sub(" ", "".join(parts)).strip()

    def cell_text(self, tc: Any) -> str:
        texts = []
        for child in tc.iter(_P):
            text = self.paragraph_text(child)
            if text:
                texts.append(text)
        return " ".join(texts)


def _children(el: Any, tag: str) -> list[Any]:
    """Direct children ``tag``, looking through content controls and custom XML wrappers."""
    out = []
    for child in el:
        if child.tag == tag:
            out.append(child)
        elif child.tag == _SDT:
            inner = _child(child, _SDT_CONTENT)
            if inner is not None:
                out.extend(_children(inner, tag))
        elif child.tag == _W + "customXml":
            out.extend(_children(child, tag))
    return out


def _grid_value(tr: Any, name: str) -> int:
    trpr = _child(tr, _TRPR)
    if trpr is None:
        return 0
    el = _child(trpr, _W + name)
    try:
        return max(0, min(int(el.get(_VAL, "0")), 64)) if el is not None else 0
    except ValueError:
        return 0


def _in_fallback(el: Any, stop: Any) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == _FALLBACK:
            return True
        parent = parent.getparent()
    return False

