"""DOCX reader: body order, merged cells (gridSpan / vMerge) expanded with provenance, zip bombs."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from parsers.model import ParseError
from parsers.readers import docx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


def test_fixture_docx_tables_and_provenance() -> None:
    doc = docx.read((FIXTURES / "r2021_a.docx").read_bytes())
    assert doc.form == "docx"
    assert doc.paragraphs()[0].text == "中卫市审批服务管理局2023年政府信息公开工作年度报告"
    assert doc.paragraphs()[-1].text == "2024年2月28日"
    active, apps, review = doc.tables()
    assert [len(t.rows) for t in (active, apps, review)] == [14, 28, 4]
    assert all(len(r.cells) == 10 for r in apps.rows)
    # the 三、本年度办理结果 label is one cell spanning 22 rows; its copies point back to it
    label = apps.rows[5].cells[0]
    assert (label.text, label.rowspan, label.spanned) == ("三、本年度办理结果", 22, False)
    for row in apps.rows[6:27]:
        copy = row.cells[0]
        assert copy.spanned and copy.text == label.text and copy.prov == {"table": 1, "row": 5, "col": 0}
    assert apps.rows[27].cells[0].text == "四、结转下年度继续办理"
    # a numeric cell says where it is
    truth = json.loads((FIXTURES / "r2021_a.truth.json").read_text(encoding="utf-8"))
    cell = apps.rows[3].cells[9]
    assert cell.text == str(truth["tables"]["applications"]["new_received"]["total"])
    assert cell.prov == {"table": 1, "row": 3, "col": 9}
    # 本年处理决定数量 spans three columns (gridSpan)
    head = active.rows[5]
    assert head.cells[1].colspan == 3 and head.cells[2].spanned and head.cells[3].text == "本年处理决定数量"
    assert review.rows[3].texts() == [
        str(truth["tables"]["review_litigation"][g][c])
        for g in ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
        for c in ("upheld", "corrected", "other", "pending", "total")
    ]


def _docx(document_xml: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", document_xml)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_grid_before_content_controls_and_breaks() -> None:
    xml = f"""<w:document {W}><w:body>
      <w:sdt><w:sdtContent><w:p><w:r><w:t>标题</w:t><w:br/><w:t>第二行</w:t></w:r></w:p></w:sdtContent></w:sdt>
      <w:tbl>
        <w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc></w:tr>
        <w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr><w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p></w:tc></w:tr>
      </w:tbl></w:body></w:document>""".encode()
    doc = docx.read(_docx(xml))
    assert doc.paragraphs()[0].text == "标题 第二行"
    (table,) = doc.tables()
    assert table.rows[1].texts() == ["", "c"]
    assert table.rows[1].cells[1].prov == {"table": 0, "row": 1, "col": 1}


def test_fallback_text_is_read_once_and_a_tab_separates_words() -> None:
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    xml = f"""<w:document {W} {mc}><w:body>
      <w:p><w:r><w:t>收到申请</w:t></w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:r><w:t>2</w:t></w:r>
      </mc:Choice><mc:Fallback><w:r><w:t>2</w:t></w:r></mc:Fallback></mc:AlternateContent><w:r><w:t>件</w:t></w:r></w:p>
      <w:p><w:r><w:t>总计</w:t><w:tab/><w:t>5</w:t></w:r></w:p>
      </w:body></w:document>""".encode()
    assert [p.text for p in docx.read(_docx(xml)).paragraphs()] == ["收到申请2件", "总计 5"]


def test_zip_bomb_is_refused_before_inflating() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(80):  # 80 MB of zeros -> ~80 KB compressed
                fh.write(chunk)
    data = buf.getvalue()
    assert len(data) < 1_000_000
    with pytest.raises(ParseError) as info:
        docx.read(data)
    assert info.value.error == "zip_bomb"


def test_not_a_docx() -> None:
    for data, error in [
        (b"", "empty_file"),
        (b"PK\x03\x04 truncated", "corrupt_docx"),
        (_docx(b"<w:document/>")[:0] + b"plain", "corrupt_docx"),
    ]:
        with pytest.raises(ParseError) as info:
            docx.read(data)
        assert info.value.error == error
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ParseError, match="word/document.xml"):
        docx.read(buf.getvalue())
    with pytest.raises(ParseError) as info:
        docx.read(_docx(b"<w:document><unclosed>"))
    assert info.value.error == "corrupt_docx"
