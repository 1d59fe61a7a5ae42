"""HTML reader: article pages of TRS / Hanweb / generic portals -> SourceDocument.

- Encoding: BOM, then the page's own ``<meta charset>`` (gb2312/gbk read as GB18030), then UTF-8,
  then detection.  ``&nbsp;`` and full-width spaces become plain spaces.
- Tables: a table that holds another table is page layout; its cells are read as containers.  A table
  with no table inside is a data table: rows of cells with rowspan/colspan expanded (the copies have
  ``spanned=True``), each cell with the xpath of its ``<td>``.
- Prose: every block element (p, div, h1-h6, li, layout cells ...) with text becomes a paragraph; a
  ``<br>`` starts a new paragraph (tables typed as paragraphs keep one line per row).
- An error page (404 / 403 / 5xx / WAF notice without report content) raises ``html_error_page``.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from parsers.model import Block, Paragraph, ParseError, SourceCell, SourceDocument, SourceRow, Table

MAX_BYTES = 30 * 1024 * 1024
MAX_SPAN = 200  # rowspan/colspan beyond this is treated as a typo, not a 10000-row table
MAX_TABLE_CELLS = 200_000

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u3000\u2002\u2003\u200b\ufeff]+")
_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd section article header footer main center blockquote "
    "pre form fieldset address figure figcaption nav aside tr td th tbody thead tfoot body html".split()
)
_SKIP_TAGS = frozenset("script style noscript head template iframe object embed select option button".split())
_ERROR_PATTERNS = re.compile(
    r"404\s*not\s*found|页面不存在|页面未找到|找不到(?:该|您)?(?:页面|网页)|403\s*forbidden|访问被拒绝|"
    r"502\s*bad\s*gateway|503\s*service|服务器错误|internal\s*server\s*error|访问过于频繁|"
    r"安全验证|请输入验证码|网站防火墙|您的访问被阻断|Error\s*\d{3}",
    re.I,
)
# plain lxml elements: lxml.html's element classes cost a Python-level class lookup per element visited
_PARSER = etree.HTMLParser()
_STRING = etree.XPath("string()")  # an element's text content, as lxml.html's text_content()
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}


def decode(data: bytes) -> str:
    """The page's text: BOM, declared charset (GBK family as GB18030), UTF-8, then detection."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    declared = _META_CHARSET.search(data[:4096])
    candidates: list[str] = []
    if declared:
        name = declared.group(1).decode("ascii", "ignore").lower()
        candidates.append(_CHARSET_ALIASES.get(name, name))
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return str(best) if best is not None else data.decode("utf-8", errors="replace")


def clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def read(data: bytes) -> SourceDocument:
    if not data.strip():
        raise ParseError("empty_file", "the HTML file is empty")
    if len(data) > MAX_BYTES:
        raise ParseError(
            "too_large",
            f"the HTML page is {len(data) // 1_000_000} MB, more than {MAX_BYTES // 1_000_000} MB",
        )
    text = decode(data)
    # lxml refuses str input that carries an XML encoding declaration
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError("corrupt_html", f"the HTML cannot be parsed: {exc}") from None
    if root is None:
        raise ParseError("corrupt_html", "the HTML cannot be parsed: Document is empty")
    tree = root.getroottree()
    title_el = root.find(".//title")
    page_title = clean(str(_STRING(title_el))) if title_el is not None else ""
    walker = _Walker(tree)
    body = root.find("body")
    walker.container(body if body is not None else root)
    blocks = walker.blocks
    doc = SourceDocument(
        form="html", blocks=blocks, meta={"title": page_title, "encoding_declared": _declared(data)}
    )
    if not doc.tables():
        _raise_if_error_page(page_title, doc)
    return doc


def _declared(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii", "ignore").lower() if m else None


def _raise_if_error_page(title: str, doc: SourceDocument) -> None:
    body = " ".join(p.text for p in doc.paragraphs())
    if len(body) < 3000 and (_ERROR_PATTERNS.search(title) or _ERROR_PATTERNS.search(body[:1500])):
        if "年度报告" not in body and "申请" not in body:
            summary = (title or body[:60]).strip()
            raise ParseError("html_error_page", f"the page is an error page, not a report: {summary[:80]}")
    if not body.strip():
        raise ParseError("no_content", "the HTML page has no text")


class _Walker:
    """Walks the tree in document order, emitting paragraphs and data tables."""

    def __init__(self, tree: Any) -> None:
        self.tree = tree
        self.blocks: list[Block] = []
        self._line: list[str] = []
        self._line_el: Any = None

    # -- prose
    def _add_text(self, text: str | None, el: Any) -> None:
        if text:
            if self._line_el is None:
                self._line_el = el
            self._line.append(text)

    def _flush(self) -> None:
        text = clean("".join(self._line))
        if text:
            self.blocks.append(Paragraph(text, {"xpath": self.tree.getpath(self._line_el)}))
        self._line, self._line_el = [], None

    def container(self, el: Any) -> None:
        """Read the children of ``el`` (a block element) in order."""
        self._add_text(el.text, el)
        for child in el:
            self.node(child)
            self._add_text(child.tail, el)
        self._flush()

    def node(self, el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag:  # comment / processing instruction
            return
        tag = tag.lower()
        if tag in _SKIP_TAGS:
            return
        if tag == "br":
            self._flush()
            return
        if tag == "table":
            self._flush()
            if el.find(".//table") is not None:
                for cell in el.iter("td", "th"):
                    # only the layout table's own cells; nested tables are reached through them
                    if _nearest_table(cell) is el:
                        self.container(cell)
            else:
                table = _data_table(el, self.tree)
                if table.rows:
                    self.blocks.append(table)
            return
        if tag in _BLOCK_TAGS:
            self._flush()
            self.container(el)
            return
        # inline element: its text joins the current line
        self._add_text(el.text, el)
        for child in el:
            self.node(child)
            self._add_text(child.tail, el)


def _nearest_table(el: Any) -> Any:
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _rows_of(table: Any) -> list[Any]:
    rows = []
    for child in table:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(tr for tr in child if isinstance(tr.tag, str) and tr.tag.lower() == "tr")
    return rows


def _span(el: Any, name: str) -> int:
    raw = el.get(name)
    if raw is None:
        return 1
    try:
        value = int(raw.strip().rstrip(";") or 1)
    except ValueError:
        return 1
    return min(max(value, 1), MAX_SPAN)


def _cell_text(td: Any) -> str:
    if not len(td):  # no child elements: the common case
        return clean(td.text or "")
    parts: list[str] = []

    def walk(el: Any) -> None:
        if isinstance(el.tag, str):
            tag = el.tag.lower()
            if tag in _SKIP_TAGS:
                return
            if tag == "br" or (tag in ("p", "div") and parts):
                parts.append(" ")
        if el.text and isinstance(el.tag, str):
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(td)
    return clean("".join(parts))


def _data_table(table: Any, tree: Any) -> Table:
    grid: dict[tuple[int, int], SourceCell | None] = {}
    widths: dict[int, int] = {}
    out_rows: list[SourceRow] = []
    for r, tr in enumerate(_rows_of(table)):
        col = 0
        row_xpath = tree.getpath(tr)
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")]
        for td, xpath in zip(cells, _cell_paths(row_xpath, cells), strict=True):
            while (r, col) in grid:
                col += 1
            colspan, rowspan = _span(td, "colspan"), _span(td, "rowspan")
            text = _cell_text(td)
            for dr in range(rowspan):
                for dc in range(colspan):
                    origin = dr == 0 and dc == 0
                    grid[(r + dr, col + dc)] = SourceCell(
                        text,
                        {"xpath": xpath},
                        colspan=colspan if origin else 1,
                        rowspan=rowspan if origin else 1,
                        spanned=not origin,
                    )
                widths[r + dr] = max(widths.get(r + dr, 0), col + colspan)
            if len(grid) > MAX_TABLE_CELLS:
                raise ParseError("too_large", "an HTML table has more than 200000 cells")
            col += colspan
        row_cells = [
            grid.pop((r, c), None) or SourceCell("", {"xpath": row_xpath}) for c in range(widths.get(r, 0))
        ]
        out_rows.append(SourceRow(row_cells, {"xpath": row_xpath}))
    return Table(out_rows, {"xpath": tree.getpath(table)})


def _cell_paths(row_xpath: str, cells: list[Any]) -> list[str]:
    """The xpath of each cell of a row, as ``getpath`` writes it (``td[k]`` counts the row's children with
    the same tag; no index when there is one), without walking up to the root for every cell."""
    tags = [c.tag for c in cells]
    seen: dict[str, int] = {}
    out = []
    for tag in tags:
        seen[tag] = k = seen.get(tag, 0) + 1
        out.append(f"{row_xpath}/{tag}[{k}]" if tags.count(tag) > 1 else f"{row_xpath}/{tag}")
    return out
