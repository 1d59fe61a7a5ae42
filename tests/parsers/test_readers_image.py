"""OCR reader: ruled tables found in a page image, text read offline with rapidocr, bad images."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from parsers.model import ParseError
from parsers.readers import image, pdf

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
GROUPS = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
REVIEW = ("upheld", "corrected", "other", "pending", "total")


def truth(slug: str) -> dict:
    return json.loads((FIXTURES / f"{slug}.truth.json").read_text(encoding="utf-8"))


def scanned_review_table_png() -> bytes:
    """The 行政复议/行政诉讼 table cut out of the scanned fixture's last page, as a PNG picture."""
    doc = pdfium.PdfDocument((FIXTURES / "r2021_a.scan.pdf").read_bytes())
    page = doc[len(doc) - 1]
    scale = 150 / 72
    bitmap = page.render(scale=scale, grayscale=True).to_pil()
    page.close()
    doc.close()
    # the table sits at about y 420-480 pt, x 75-520 pt on the page
    crop = bitmap.crop((int(70 * scale), int(400 * scale), int(525 * scale), int(490 * scale)))
    buf = io.BytesIO()
    crop.save(buf, format="PNG", dpi=(150, 150))
    return buf.getvalue()


def test_png_table_is_read_by_ocr() -> None:
    start = time.perf_counter()
    document = image.read(scanned_review_table_png())
    assert document.form == "image" and document.meta["ocr"] is True and document.meta["units"] == "pt"
    (table,) = document.tables()
    assert len(table.rows) == 4 and all(len(r.cells) == 15 for r in table.rows)
    assert table.rows[0].cells[0].text == "行政复议" and table.rows[0].cells[0].colspan == 5
    expected = truth("r2021_a")["tables"]["review_litigation"]
    assert table.rows[3].texts() == [str(expected[g][c]) for g in GROUPS for c in REVIEW]
    for cell in table.rows[3].cells:
        assert cell.prov["page"] == 1 and len(cell.prov["bbox"]) == 4
    print(f"OCR of one table image: {time.perf_counter() - start:.1f}s")


def test_bad_images() -> None:
    with pytest.raises(ParseError) as info:
        image.read(b"")
    assert info.value.error == "empty_file"
    with pytest.raises(ParseError) as info:
        image.read(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert info.value.error == "corrupt_image"


@pytest.mark.slow
def test_scanned_pdf_goes_from_the_pdf_reader_to_ocr() -> None:
    document = pdf.read((FIXTURES / "r2021_a.scan.pdf").read_bytes())
    assert document.form == "image" and document.meta["ocr"] is True
    expected = truth("r2021_a")["tables"]["applications"]["new_received"]
    (new_row,) = [r for t in document.tables() for r in t.rows if any("年新收" in c.text for c in r.cells)]
    assert [c.text for c in new_row.cells if not c.spanned][-7:] == [str(v) for v in expected.values()]
    assert "中卫市审批服务管理局2023年政府信息公开工作年度报告" in [p.text for p in document.paragraphs()]
