"""PDF reader: ruled tables rebuilt with merged cells, a table split over pages, fake bold, tables
without ruling lines, bboxes that point at the text, and bad PDFs (empty, truncated, encrypted, 300 pages)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest

from parsers.model import ParseError, SourceDocument, Table
from parsers.readers import pdf

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
COLUMNS = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
           "legal_service_org", "other_org", "total")


def truth(slug: str) -> dict:
    return json.loads((FIXTURES / f"{slug}.truth.json").read_text(encoding="utf-8"))


def read(name: str) -> SourceDocument:
    return pdf.read((FIXTURES / name).read_bytes())


def row_with(table: Table, label: str) -> list[str]:
    for row in table.rows:
        texts = row.texts()
        if label in texts:
            return texts
    raise AssertionError(f"no row with {label!r}")


def test_ruled_tables_and_the_page_break() -> None:
    doc = read("r2021_a.pdf")
    assert doc.form == "pdf" and doc.meta["ocr"] is False
    active, apps, review = doc.tables()
    assert [len(t.rows) for t in (active, apps, review)] == [14, 28, 4]
    # the application table runs over a page break and comes back as one table
    pages = {c.prov["page"] for r in apps.rows for c in r.cells}
    assert len(pages) == 2 and apps.prov["continued_on"]
    assert all(len(r.cells) == 10 for r in apps.rows)
    t = truth("r2021_a")["tables"]["applications"]
    for label, key in [("一、本年新收政府信息公开申请数量", "new_received"), ("（七）总计", "total"),
                       ("3.其他", "other.other"), ("1.本机关不掌握相关政府信息", "unable.not_held")]:
        assert row_with(apps, label)[3:] == [str(t[key][c]) for c in COLUMNS]
    # merged label cells are expanded; the label of a merged cell continues after the page break
    assert {r.cells[0].text for r in apps.rows[5:27]} == {"三、本年度办理结果"}
    first = apps.rows[5].cells[0]
    assert first.rowspan > 1 and not first.spanned and apps.rows[6].cells[0].spanned
    # wrapped row labels are joined
    assert "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请" in {r.cells[2].text for r in apps.rows}
    # the three header rows
    assert apps.rows[2].texts()[3:] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert doc.paragraphs()[0].text == "中卫市审批服务管理局2023年政府信息公开工作年度报告"
    assert "2024年2月28日" in [p.text for p in doc.paragraphs()]


def test_cell_bboxes_point_at_their_text() -> None:
    """Independent check with pdfplumber: the characters centred in each number cell's bbox spell its text."""
    doc = read("r2021_a.pdf")
    apps = doc.tables()[1]
    with pdfplumber.open(FIXTURES / "r2021_a.pdf") as plumber:
        for row in apps.rows[3:]:
            for cell in row.cells[3:]:
                page = plumber.pages[cell.prov["page"] - 1]
                x0, top, x1, bottom = cell.prov["bbox"]
                assert 0 <= x0 < x1 <= page.width and 0 <= top < bottom <= page.height
                inside = "".join(
                    ch["text"]
                    for ch in page.chars
                    if x0 < (ch["x0"] + ch["x1"]) / 2 < x1 and top < (ch["top"] + ch["bottom"]) / 2 < bottom
                )
                assert inside == cell.text


def test_fake_bold_gives_the_same_text_as_plain() -> None:
    plain, bold = read("r2021_a.pdf"), read("r2021_a.bold.pdf")
    with pdfplumber.open(FIXTURES / "r2021_a.bold.pdf") as plumber:
        assert "属属于于" in (plumber.pages[1].extract_text() or "")  # the characters really are doubled
    assert [[r.texts() for r in t.rows] for t in bold.tables()] == [[r.texts() for r in t.rows] for t in plain.tables()]


def test_tables_without_ruling_lines_come_back_as_rows_of_runs() -> None:
    doc = read("r2021_a.norules.pdf")
    assert doc.tables() and all(t.prov.get("ruled") is False for t in doc.tables())
    t = truth("r2021_a")["tables"]["applications"]
    rows = [r.texts() for tb in doc.tables() for r in tb.rows]
    assert ["一、本年新收政府信息公开申请数量", *[str(t["new_received"][c]) for c in COLUMNS]] in rows
    assert ["四、结转下年度继续办理", *[str(t["carried_to_next_year"][c]) for c in COLUMNS]] in rows
    for row in (r for tb in doc.tables() for r in tb.rows):
        for cell in row.cells:
            assert cell.prov["page"] >= 1 and len(cell.prov["bbox"]) == 4


def test_2019_template_pdf() -> None:
    doc = read("r2019_a.pdf")
    active = doc.tables()[0]
    fees = truth("r2019_a")["tables"]["active_disclosure"]["government_procurement"]
    row = row_with(active, "政府集中采购")
    assert row[1] == str(fees["items"]) and float(row[2]) == pytest.approx(fees["amount"])
    assert len(doc.tables()[1].rows) == 26


def encrypted_pdf() -> bytes:
    """A one-page PDF encrypted with an unknown user password (Standard security handler, R2)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + b"41" * 32 + b"> /U <" + b"42" * 32 + b"> /P -44 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (
        b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> "
        b"<00112233445566778899aabbccddeeff>] >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    )
    return bytes(out)


@pytest.mark.parametrize(
    "data,error",
    [
        (b"", "empty_file"),
        (b"<html><body>404</body></html>", "not_pdf"),
        (b"%PDF-1.7\n" + b"\x00garbage" * 100, "corrupt_pdf"),
    ],
)
def test_bad_pdfs(data: bytes, error: str) -> None:
    with pytest.raises(ParseError) as info:
        pdf.read(data)
    assert info.value.error == error and info.value.message


def test_truncated_and_encrypted() -> None:
    data = (FIXTURES / "r2021_a.pdf").read_bytes()
    with pytest.raises(ParseError) as info:
        pdf.read(data[: len(data) // 2])
    assert info.value.error == "corrupt_pdf"
    with pytest.raises(ParseError) as info:
        pdf.read(encrypted_pdf())
    assert info.value.error == "encrypted_pdf"


def test_pdf_without_tables_reads_as_prose() -> None:
    # a report page with prose only (page 1 of the fixture)
    src = pdfium.PdfDocument((FIXTURES / "r2021_a.pdf").read_bytes())
    one = pdfium.PdfDocument.new()
    one.import_pages(src, [0])
    buf = io.BytesIO()
    one.save(buf)
    one.close()
    src.close()
    doc = pdf.read(buf.getvalue())
    assert doc.tables() == [] and doc.paragraphs()[0].text.endswith("年度报告")


@pytest.mark.slow
def test_300_pages_bounded_time_and_memory(tmp_path: Path) -> None:
    src = pdfium.PdfDocument((FIXTURES / "r2021_a.pdf").read_bytes())
    big = pdfium.PdfDocument.new()
    for _ in range(100):
        big.import_pages(src)
    assert len(big) == 300
    path = tmp_path / "big.pdf"
    with open(path, "wb") as fh:
        big.save(fh)
    big.close()
    src.close()
    probe = textwrap.dedent(
        f"""
        import re, time, json
        from parsers.readers import pdf
        start = time.perf_counter()
        doc = pdf.read(open({str(path)!r}, "rb").read())
        # peak resident memory of this process's own address space (ru_maxrss would include the
        # forking parent's size: the high-water mark survives exec)
        with open("/proc/self/status") as fh:
            peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", fh.read()).group(1))
        print(json.dumps({{"seconds": time.perf_counter() - start, "pages": doc.meta["pages"],
                          "table_pages": doc.meta["table_pages"], "maxrss_mb": peak_kb / 1024}}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[2], check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["pages"] == 300
    assert result["table_pages"] == pdf.MAX_TABLE_PAGES  # only so many pages are read char by char
    assert result["maxrss_mb"] < 500
    assert result["seconds"] < 120


def test_grid_from_ruling_lines_merges_cells_and_ignores_noise() -> None:
    from parsers.readers.pdf_grid import find_grids
    from parsers.readers.pdf_layout import Segment

    # a 3x3 grid, 0..300 x 0..60; the first column's two lower cells are merged (no rule between
    # them), the top row is one cell across all columns; a glyph-sized stroke sits inside a cell and
    # one border is drawn twice, 0.8 pt apart, and in two pieces
    segs = [
        Segment(True, 0, 0, 300), Segment(True, 20, 0, 300), Segment(True, 20.8, 0, 150), Segment(True, 20.8, 150, 300),
        Segment(True, 40, 100, 300), Segment(True, 60, 0, 300),
        Segment(False, 0, 0, 60), Segment(False, 300, 0, 60), Segment(False, 100, 20, 60), Segment(False, 200, 20, 60),
        Segment(False, 250, 44, 50),  # noise: a stroke inside the bottom-right cell
    ]
    (grid,) = find_grids(segs)
    assert [round(x) for x in grid.xs] == [0, 100, 200, 300]
    assert grid.ys == pytest.approx([0, 20.4, 40, 60], abs=0.5)
    top = grid.at[(0, 0)]
    assert (top.rowspan, top.colspan) == (1, 3) and grid.at[(0, 2)] is top
    merged = grid.at[(1, 0)]
    assert (merged.rowspan, merged.colspan) == (2, 1) and grid.at[(2, 0)] is merged
    assert grid.region_for(250, 50) is grid.at[(2, 2)] and grid.at[(2, 2)].colspan == 1
    assert len(grid.regions) == 1 + 1 + 2 + 2


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_blank_cell_in_an_unruled_table_keeps_its_column() -> None:
    from parsers.render import make_record, render

    record = make_record(agency="固原市原州区司法局", region="固原市原州区", year=2023, seed=5)
    record["tables"]["applications"]["carried_to_next_year"]["natural_person"] = None
    doc = pdf.read(render(record, "pdf", quirks=["no_rules"]))
    rows = [r for t in doc.tables() for r in t.rows if r.cells and r.cells[0].text == "四、结转下年度继续办理"]
    (row,) = rows
    expected = record["tables"]["applications"]["carried_to_next_year"]
    assert row.texts() == ["四、结转下年度继续办理", "", *[str(expected[c]) for c in COLUMNS[1:]]]
    blank = row.cells[1]
    assert blank.prov["page"] >= 1 and blank.prov["bbox"][0] < row.cells[2].prov["bbox"][0]
