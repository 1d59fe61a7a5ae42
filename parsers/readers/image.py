"""OCR reader for 图片版 reports: scanned PDFs (no text layer) and PNG / JPEG / TIFF / BMP images.

Offline OCR with rapidocr-onnxruntime (PP-OCR models shipped in the wheel).  Per page:
1. the page as a grey image (a PDF page rendered at ``OCR_DPI`` with pypdfium2);
2. ruling lines found with morphological opening (OpenCV), turned into segments in PDF points, and
   the same lattice as the PDF reader (``pdf_grid``) rebuilds the ruled tables with merged cells;
3. the ruling lines are erased and the page is read by the OCR engine once; each text box goes to
   the table region under its centre (a box crossing several regions is read again per region),
   other boxes become paragraphs.

Long scanned PDFs: every page is OCR'd when there are at most ``FULL_OCR_PAGES``; beyond that only
the first and last pages and the pages with a ruled table are (``meta["ocr_skipped_pages"]``).
Provenance: ``{"page": n, "bbox": [x0, top, x1, bottom]}`` in points (1/72 inch): PDF points for a
scanned PDF; for a picture, pixels * 72 / dpi with the picture's own dpi (``meta["dpi"]``, 150 when
it states none), so the thresholds (rule length, snapping) mean the same on both.
"""

from __future__ import annotations

import functools
import io
import threading
from typing import Any

import numpy as np
import pypdfium2 as pdfium

from parsers.model import Block, ParseError, SourceDocument
from parsers.readers.pdf_grid import Grid, find_grids
from parsers.readers.pdf_layout import Char, Segment, lines

OCR_DPI = 150
DEFAULT_IMAGE_DPI = 150.0  # a picture that states no resolution is taken as a 150 dpi scan
FULL_OCR_PAGES = 8
MAX_OCR_PAGES = 40
MAX_PIXELS = 60_000_000  # per image; bigger is a decompression bomb or a poster
MIN_SCORE = 0.5
# Recognition one text box at a time: a batch is padded to its widest box, and the recogniser's
# attention costs grow faster than the width, so batches of 24 cost 6x the CPU of single boxes
# (same texts).  One intra-op thread: a second one doubles the CPU time (spinning) and, on a shared
# machine, slows the wall clock too.  bench/parse_bench.py prints the figures.
REC_BATCH = 1
OCR_THREADS = 1

_engine_lock = threading.Lock()


@functools.cache
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(
        print_verbose=False,
        det_limit_side_len=1600,
        det_limit_type="max",
        rec_batch_num=REC_BATCH,
        use_cls=False,
        intra_op_num_threads=OCR_THREADS,
        inter_op_num_threads=1,
    )


def read(data: bytes) -> SourceDocument:
    """Read a picture (PNG, JPEG, TIFF, BMP, GIF); a PDF is passed on to ``read_pdf``."""
    if not data:
        raise ParseError("empty_file", "the image file is empty")
    if data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return read_pdf(data)
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        dpi = _dpi(image.info.get("dpi"))
        frames = []
        for index in range(min(getattr(image, "n_frames", 1), MAX_OCR_PAGES)):
            image.seek(index)
            frames.append(np.asarray(image.convert("L")))
    except Image.DecompressionBombError:
        raise ParseError("too_large", f"the image has more than {MAX_PIXELS} pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ParseError("corrupt_image", f"the image cannot be decoded: {exc}") from None
    blocks: list[Block] = []
    for page_no, gray in enumerate(frames, start=1):
        blocks += read_page(gray, page_no, scale=dpi / 72)
    from parsers.readers.pdf import _join_continued_tables

    meta = {"pages": len(frames), "ocr": True, "units": "pt", "dpi": dpi}
    return SourceDocument(form="image", blocks=_join_continued_tables(blocks), meta=meta)


def _dpi(value: Any) -> float:
    """The picture's resolution when it states a plausible one, else ``DEFAULT_IMAGE_DPI``."""
    try:
        dpi = float(value[0])
    except (TypeError, ValueError, IndexError):
        return DEFAULT_IMAGE_DPI
    return dpi if 70 <= dpi <= 1200 else DEFAULT_IMAGE_DPI


def read_pdf(data: bytes, pdf: pdfium.PdfDocument | None = None) -> SourceDocument:
    """OCR every page of a PDF that has no text layer."""
    own = pdf is None
    if pdf is None:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            kind = "encrypted_pdf" if "password" in str(exc).lower() else "corrupt_pdf"
            raise ParseError(kind, f"the PDF cannot be opened ({exc})") from None
    try:
        npages = len(pdf)
        scale = OCR_DPI / 72
        wanted = _pages_to_read(pdf, npages, scale)
        blocks: list[Block] = []
        for index in wanted:
            page = pdf[index]
            try:
                gray = page.render(scale=scale, grayscale=True).to_numpy()
            finally:
                page.close()
            if gray.ndim == 3:
                gray = gray[:, :, 0]
            blocks += read_page(np.ascontiguousarray(gray), index + 1, scale=scale)
    finally:
        if own:
            pdf.close()
    from parsers.readers.pdf import _join_continued_tables

    skipped = [i + 1 for i in range(npages) if i not in wanted]
    meta = {"pages": npages, "ocr": True, "units": "pt", "ocr_pages": [i + 1 for i in wanted]}
    if skipped:
        meta["ocr_skipped_pages"] = skipped
    return SourceDocument(form="image", blocks=_join_continued_tables(blocks), meta=meta)


def _pages_to_read(pdf: pdfium.PdfDocument, npages: int, scale: float) -> list[int]:
    if npages <= FULL_OCR_PAGES:
        return list(range(npages))
    wanted = {0, npages - 1}
    for index in range(npages):
        if len(wanted) >= MAX_OCR_PAGES:
            break
        page = pdf[index]
        try:
            gray = page.render(scale=0.7, grayscale=True).to_numpy()
        finally:
            page.close()
        if gray.ndim == 3:
            gray = gray[:, :, 0]
        if find_grids(_segments(np.ascontiguousarray(gray), 0.7)[0]):
            wanted.add(index)
    return sorted(wanted)


def _segments(gray: np.ndarray, scale: float) -> tuple[list[Segment], np.ndarray]:
    """Ruling lines of a page image (as segments in points) and the mask of their pixels."""
    import cv2

    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    h, w = ink.shape
    # a rule is longer than any glyph stroke: 20 pt across, 11 pt down (table text is 9-12 pt)
    h_len, v_len = max(w // 40, int(scale * 20)), max(h // 80, int(scale * 11))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    segments: list[Segment] = []
    for mask, is_h in ((horizontal, True), (vertical, False)):
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for i in range(1, count):
            x, y, bw, bh, _area = stats[i]
            if is_h:
                segments.append(Segment(True, (y + bh / 2) / scale, x / scale, (x + bw) / scale))
            else:
                segments.append(Segment(False, (x + bw / 2) / scale, y / scale, (y + bh) / scale))
    return _anchored(segments), cv2.bitwise_or(horizontal, vertical)


def _anchored(segments: list[Segment], tolerance: float = 3.0) -> list[Segment]:
    """Vertical rules that reach a horizontal rule at both ends; a glyph stroke inside a cell does not."""
    hs = [s for s in segments if s.horizontal]

    def meets(y: float, x: float) -> bool:
        return any(abs(h.pos - y) <= tolerance and h.a - tolerance <= x <= h.b + tolerance for h in hs)

    return hs + [v for v in segments if not v.horizontal and meets(v.a, v.pos) and meets(v.b, v.pos)]


def _skew(gray: np.ndarray) -> float:
    """The page's tilt in degrees, from its long horizontal ruling lines (0 when it has none)."""
    import cv2

    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    w = ink.shape[1]
    horizontal = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(w // 25, 15), 1))
    )
    horizontal = cv2.dilate(horizontal, np.ones((5, 1), np.uint8))  # rejoin a tilted line's steps
    count, labels, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    angles, weights = [], []
    for i in range(1, count):
        x, y, bw, bh, _area = stats[i]
        if bw < w / 4 or bh > 40:
            continue
        ys, xs = np.nonzero(labels[y : y + bh, x : x + bw] == i)
        if len(xs) < 50:
            continue
        slope = np.polyfit(xs.astype(float), ys.astype(float), 1)[0]
        angles.append(float(np.degrees(np.arctan(slope))))
        weights.append(float(bw))
    if not angles:
        return 0.0
    return float(np.average(angles, weights=weights))


def _rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    import cv2

    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def _ocr(gray: np.ndarray) -> list[tuple[list[float], str, float]]:
    with _engine_lock:
        result, _ = _engine()(gray, use_cls=False)
    out = []
    for box, text, score in result or []:
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        out.append(([min(xs), min(ys), max(xs), max(ys)], str(text), float(score)))
    return out


def read_page(gray: np.ndarray, page_no: int, scale: float) -> list[Block]:
    """The blocks of one page image; ``scale`` is pixels per output unit (points, or 1 for pixels)."""
    import cv2

    angle = _skew(gray)
    if abs(angle) > 0.05:
        gray = _rotate(gray, angle)
    segments, line_mask = _segments(gray, scale)
    grids = [g for g in find_grids(segments) if len(g.xs) >= 3 and len(g.ys) >= 3]
    clean = gray.copy()
    # erase the table rules (they confuse text detection), and only them: glyph strokes are kept
    near_rules = np.zeros_like(line_mask)
    pad = max(2, int(scale * 1.5))
    for grid in grids:
        gx0, gy0, gx1, gy1 = (int(v * scale) for v in grid.bbox)
        for x in grid.xs:
            px = int(x * scale)
            near_rules[max(gy0 - pad, 0) : gy1 + pad, max(px - pad, 0) : px + pad] = 255
        for y in grid.ys:
            py = int(y * scale)
            near_rules[max(py - pad, 0) : py + pad, max(gx0 - pad, 0) : gx1 + pad] = 255
    erase = cv2.bitwise_and(cv2.dilate(line_mask, np.ones((3, 3), np.uint8)), near_rules)
    clean[erase > 0] = 255
    loose: list[Char] = []
    for (x0, top, x1, bottom), text, score in _ocr(clean):
        if score < MIN_SCORE or not text.strip():
            continue
        box = [x0 / scale, top / scale, x1 / scale, bottom / scale]
        placed = False
        for grid in grids:
            regions = _regions_under(grid, box)
            if len(regions) == 1:
                regions[0].items.append(_char(text.strip(), box))
                placed = True
            elif len(regions) > 1:
                # one box across several cells: read each cell's part on its own
                for region in regions:
                    rx0, rtop, rx1, rbottom = region.bbox
                    crop = clean[
                        int(max(top, rtop * scale)) : int(min(bottom, rbottom * scale)) + 1,
                        int(max(x0, rx0 * scale)) : int(min(x1, rx1 * scale)) + 1,
                    ]
                    part = _recognize(crop)
                    if part:
                        sub = [max(box[0], rx0), max(box[1], rtop), min(box[2], rx1), min(box[3], rbottom)]
                        region.items.append(_char(part, sub))
                placed = True
            if placed:
                break
        if not placed:
            loose.append(_char(text.strip(), box))
    from parsers.readers.pdf import _grid_table, _paragraphs

    placed_blocks: list[tuple[float, Block]] = [(g.ys[0], _grid_table(g, page_no)) for g in grids]
    placed_blocks += _paragraphs(lines(loose), page_no)
    placed_blocks.sort(key=lambda item: item[0])
    return [block for _, block in placed_blocks]


def _char(text: str, box: list[float]) -> Char:
    return Char(text, box[0], box[1], box[2], box[3], box[3] - box[1])


def _regions_under(grid: Grid, box: list[float]) -> list[Any]:
    x0, top, x1, bottom = box
    cy = (top + bottom) / 2
    if not (grid.xs[0] - 2 <= (x0 + x1) / 2 <= grid.xs[-1] + 2 and grid.ys[0] - 2 <= cy <= grid.ys[-1] + 2):
        return []
    found: list[Any] = []
    for x in np.linspace(x0 + 1, x1 - 1, num=max(2, int((x1 - x0) // 4))):
        region = grid.region_for(float(x), cy)
        if region is not None and all(region is not f for f in found):
            found.append(region)
    return found


def _recognize(crop: np.ndarray) -> str:
    if crop.size == 0 or crop.shape[0] < 4 or crop.shape[1] < 4 or (crop < 128).sum() < 6:
        return ""
    with _engine_lock:
        result, _ = _engine()(crop, use_det=False, use_cls=False)
    if not result:
        return ""
    text, score = result[0][0], result[0][1]
    return str(text).strip() if float(score) >= MIN_SCORE else ""
