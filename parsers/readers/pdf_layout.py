"""Characters and ruling lines of one PDF page, read with pypdfium2 (fast, C-level text layer).

Coordinates are converted to pdfplumber's convention: PDF points, origin top-left, ``top`` growing
downwards, so a bbox is ``[x0, top, x1, bottom]``.

- ``page_chars``: one ``Char`` per glyph, generated characters (pdfium's inferred spaces and line
  breaks) dropped, fake-bold duplicates removed (WPS / Word "bold" drawn twice with a small offset,
  LibreOffice shadows): a character equal to one already kept within ``DEDUPE_TOLERANCE`` points.
- ``page_segments``: horizontal and vertical ruling lines from path objects (stroked lines and
  thin filled rectangles; a larger rectangle contributes its four edges).
- ``lines`` / ``line_text``: characters grouped into text lines and joined the way Chinese text is
  (no space between CJK characters, spaced characters "结 果 维 持" closed up).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

DEDUPE_TOLERANCE = 1.5  # points
THIN = 2.5  # a path thinner than this (points) is a ruling line
MIN_RULE = 4.0  # shorter rules are glyph parts / decorations


@dataclass(slots=True)
class Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(slots=True)
class Segment:
    """A ruling line: horizontal (``y`` fixed, from ``a`` to ``b`` in x) or vertical."""

    horizontal: bool
    pos: float  # y of a horizontal line, x of a vertical one
    a: float
    b: float


def page_chars(textpage: pdfium.PdfTextPage, page_height: float) -> list[Char]:
    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    get_unicode, get_box = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_GetLooseCharBox
    chars: list[Char] = []
    for i in range(count):
        code = get_unicode(raw, i)
        # control characters, pdfium's generated spaces / line breaks, blanks
        if code <= 0x20 or code in (0xA0, 0x3000, 0xFFFE, 0xFFFF) or code >= 0x110000:
            continue
        if not get_box(raw, i, rect_ref):
            continue
        y0, y1 = (rect.bottom, rect.top) if rect.bottom <= rect.top else (rect.top, rect.bottom)
        chars.append(Char(chr(code), rect.left, page_height - y1, rect.right, page_height - y0, y1 - y0))
    return dedupe(chars)


def dedupe(chars: list[Char], tolerance: float = DEDUPE_TOLERANCE) -> list[Char]:
    """Drop a character drawn again at (almost) the same place: fake bold, shadows."""
    kept: list[Char] = []
    seen: dict[tuple[str, int, int], list[Char]] = {}
    for ch in chars:
        ix, iy = int(ch.x0), int(ch.top)
        text = ch.text
        duplicate = False
        for key in (
            (text, ix, iy),
            (text, ix - 1, iy),
            (text, ix + 1, iy),
            (text, ix, iy - 1),
            (text, ix, iy + 1),
            (text, ix - 1, iy - 1),
            (text, ix + 1, iy + 1),
            (text, ix - 1, iy + 1),
            (text, ix + 1, iy - 1),
        ):
            others = seen.get(key)
            if others and any(
                abs(o.x0 - ch.x0) <= tolerance and abs(o.top - ch.top) <= tolerance for o in others
            ):
                duplicate = True
                break
        if not duplicate:
            kept.append(ch)
            seen.setdefault((text, ix, iy), []).append(ch)
    return kept


def page_segments(page: pdfium.PdfPage, page_height: float) -> list[Segment]:
    segments: list[Segment] = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    refs = (ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top))

    def visit(count: int, get: object, depth: int) -> None:
        for i in range(count):
            obj = get(i)  # type: ignore[operator]
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 4:
                visit(
                    pdfium_c.FPDFFormObj_CountObjects(obj),
                    lambda j, o=obj: pdfium_c.FPDFFormObj_GetObject(o, j),
                    depth + 1,
                )
            elif kind == pdfium_c.FPDF_PAGEOBJ_PATH and pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
                _add_path(segments, obj, left.value, bottom.value, right.value, top.value, page_height)

    raw = page.raw
    visit(pdfium_c.FPDFPage_CountObjects(raw), lambda i: pdfium_c.FPDFPage_GetObject(raw, i), 0)
    return segments


def _add_path(
    segments: list[Segment], obj: object, x0: float, y0: float, x1: float, y1: float, page_height: float
) -> None:
    width, height = x1 - x0, y1 - y0
    top, bottom = page_height - y1, page_height - y0
    if height <= THIN and width >= MIN_RULE:
        segments.append(Segment(True, (top + bottom) / 2, x0, x1))
    elif width <= THIN and height >= MIN_RULE:
        segments.append(Segment(False, (x0 + x1) / 2, top, bottom))
    elif width >= MIN_RULE and height >= MIN_RULE and pdfium_c.FPDFPath_CountSegments(obj) <= 6:
        # a rectangle: its four edges
        segments += [
            Segment(True, top, x0, x1),
            Segment(True, bottom, x0, x1),
            Segment(False, x0, top, bottom),
            Segment(False, x1, top, bottom),
        ]


def lines(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into text lines (top to bottom), each sorted left to right."""
    out: list[list[Char]] = []
    for ch in sorted(chars, key=lambda c: (c.top, c.x0)):
        if out:
            last = out[-1]
            ref = last[0]
            overlap = min(ref.bottom, ch.bottom) - max(ref.top, ch.top)
            if overlap > 0.5 * min(ref.bottom - ref.top, ch.bottom - ch.top):
                last.append(ch)
                continue
        out.append([ch])
    for line in out:
        line.sort(key=lambda c: c.x0)
    return out


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x2E80 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or 0x3000 <= code <= 0x303F
    )


def line_text(line: list[Char]) -> str:
    parts: list[str] = []
    prev: Char | None = None
    for ch in line:
        if prev is not None:
            gap = ch.x0 - prev.x1
            if gap > 0.25 * max(ch.size, 1) and not (_is_cjk(prev.text[-1]) or _is_cjk(ch.text[0])):
                parts.append(" ")
        parts.append(ch.text)
        prev = ch
    return "".join(parts)


def split_runs(line: list[Char], gap_factor: float = 1.2) -> list[list[Char]]:
    """A line cut where the gap between characters is wider than ``gap_factor`` font sizes."""
    runs: list[list[Char]] = []
    for ch in line:
        if runs and ch.x0 - runs[-1][-1].x1 <= gap_factor * max(ch.size, 1):
            runs[-1].append(ch)
        else:
            runs.append([ch])
    return runs


def bbox(chars: list[Char]) -> list[float]:
    return [
        round(min(c.x0 for c in chars), 2),
        round(min(c.top for c in chars), 2),
        round(max(c.x1 for c in chars), 2),
        round(max(c.bottom for c in chars), 2),
    ]
