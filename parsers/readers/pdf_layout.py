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
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    rect = pdfium_c.FS_RECTF()
    chars: list[Char] = []
    for i in range(count):
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        if code in (0, 0xFFFE, 0xFFFF) or code < 0x20 or pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
            continue
        ch = chr(code) if code < 0x110000 else "\ufffd"
        if ch.isspace():
            continue
        if pdfium_c.FPDFText_GetLooseCharBox(raw, i, ctypes.byref(rect)):
            x0, x1, y0, y1 = rect.left, rect.right, rect.bottom, rect.top
        else:
            pdfium_c.FPDFText_GetCharBox(raw, i, left, right, bottom, top)
            x0, x1, y0, y1 = left.value, right.value, bottom.value, top.value
        if y0 > y1:
            y0, y1 = y1, y0
        size = pdfium_c.FPDFText_GetFontSize(raw, i) or (y1 - y0)
        chars.append(Char(ch, x0, page_height - y1, x1, page_height - y0, size))
    return dedupe(chars)


def dedupe(chars: list[Char], tolerance: float = DEDUPE_TOLERANCE) -> list[Char]:
    """Drop a character drawn again at (almost) the same place: fake bold, shadows."""
    kept: list[Char] = []
    buckets: dict[tuple[str, int, int], list[Char]] = {}
    for ch in chars:
        bx, by = int(ch.x0 // 4), int(ch.top // 4)
        duplicate = False
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other in buckets.get((ch.text, bx + dx, by + dy), ()):
                    if abs(other.x0 - ch.x0) <= tolerance and abs(other.top - ch.top) <= tolerance:
                        duplicate = True
                        break
        if not duplicate:
            kept.append(ch)
            buckets.setdefault((ch.text, bx, by), []).append(ch)
    return kept


def page_segments(page: pdfium.PdfPage, page_height: float) -> list[Segment]:
    segments: list[Segment] = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=4):
        x0, y0, x1, y1 = obj.get_bounds()
        width, height = x1 - x0, y1 - y0
        top, bottom = page_height - y1, page_height - y0
        if height <= THIN and width >= MIN_RULE:
            segments.append(Segment(True, (top + bottom) / 2, x0, x1))
        elif width <= THIN and height >= MIN_RULE:
            segments.append(Segment(False, (x0 + x1) / 2, top, bottom))
        elif width >= MIN_RULE and height >= MIN_RULE and pdfium_c.FPDFPath_CountSegments(obj.raw) <= 6:
            # a rectangle: its four edges
            segments += [
                Segment(True, top, x0, x1),
                Segment(True, bottom, x0, x1),
                Segment(False, x0, top, bottom),
                Segment(False, x1, top, bottom),
            ]
    return segments


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
