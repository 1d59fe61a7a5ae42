"""HTML reader: encodings, rowspan/colspan expansion, nested layout tables, xpaths, error pages."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest

from parsers.model import ParseError, Table
from parsers.readers import html

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


def truth(slug: str) -> dict:
    return json.loads((FIXTURES / f"{slug}.truth.json").read_text(encoding="utf-8"))


def row_starting(table: Table, label: str) -> list[str]:
    for row in table.rows:
        if row.cells and row.cells[0].text == label:
            return row.texts()
    raise AssertionError(f"no row {label!r}")


def test_trs_page_tables_spans_and_xpaths() -> None:
    data = (FIXTURES / "r2021_a.html").read_bytes()
    doc = html.read(data)
    assert doc.form == "html"
    tables = doc.tables()
    assert [len(t.rows) for t in tables] == [14, 28, 4]
    apps = tables[1]
    assert all(len(r.cells) == 10 for r in apps.rows)
    note = apps.rows[0].cells[0]
    assert note.text.startswith("（本列数据的勾稽关系") and (note.colspan, note.rowspan, note.spanned) == (3, 3, False)
    assert apps.rows[2].cells[2].spanned and apps.rows[2].cells[2].text == note.text
    expected = truth("r2021_a")["tables"]["applications"]["new_received"]
    values = row_starting(apps, "一、本年新收政府信息公开申请数量")[3:]
    assert values == [str(expected[c]) for c in expected]
    # every cell's xpath leads back to the <td> that holds its text
    tree = lxml.html.document_fromstring(data.decode("utf-8"))
    for row in apps.rows[3:6]:
        for cell in row.cells:
            (td,) = tree.xpath(cell.prov["xpath"])
            assert " ".join(td.text_content().split()) == cell.text
    assert doc.paragraphs()[0].prov["xpath"].startswith("/html/body")
    assert any("中卫市审批服务管理局2023年政府信息公开工作年度报告" == p.text for p in doc.paragraphs())


def test_gbk_page_with_layout_tables_nbsp_and_broken_headers() -> None:
    data = (FIXTURES / "r2019_a.gbk.html").read_bytes()
    doc = html.read(data)
    assert doc.meta["encoding_declared"] == "gb2312"
    # the page is laid out with nested tables; only the three data tables come out as tables
    assert [len(t.rows) for t in doc.tables()] == [18, 26, 4]
    text = doc.plain_text()
    assert "\xa0" not in text and "&nbsp;" not in text
    header = doc.tables()[1].rows[2].texts()
    assert header[4:9] == ["商业 企业", "科研 机构", "社会 公益 组织", "法律 服务 机构", "其他"]
    assert "稷山县人民政府办公室2020年政府信息公开工作年度报告" in [p.text for p in doc.paragraphs()]
    procurement = row_starting(doc.tables()[0], "政府集中采购")
    amount = truth("r2019_a")["tables"]["active_disclosure"]["government_procurement"]["amount"]
    assert float(procurement[2]) == pytest.approx(amount)


def test_blank_cells_stay_blank() -> None:
    doc = html.read((FIXTURES / "r2021_blank.gbk.html").read_bytes())
    review = doc.tables()[2]
    assert review.rows[3].texts()[:5] == ["/"] * 5


def test_tables_typed_as_paragraphs_keep_one_line_per_row() -> None:
    page = (
        "<html><body><div class='TRS_Editor'><p>三、收到和处理政府信息公开申请情况</p>"
        "<p>一、本年新收政府信息公开申请数量&nbsp;&nbsp;3&nbsp;0&nbsp;0&nbsp;0&nbsp;0&nbsp;0&nbsp;3<br>"
        "二、上年结转政府信息公开申请数量&nbsp;&nbsp;0&nbsp;0&nbsp;0&nbsp;0&nbsp;0&nbsp;0&nbsp;0</p></div></body></html>"
    )
    doc = html.read(page.encode("utf-8"))
    texts = [p.text for p in doc.paragraphs()]
    assert texts == [
        "三、收到和处理政府信息公开申请情况",
        "一、本年新收政府信息公开申请数量 3 0 0 0 0 0 3",
        "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0",
    ]


def test_ragged_rows_and_silly_spans_are_bounded() -> None:
    page = b"<table><tr><td rowspan='99999'>a</td><td colspan='abc'>b</td></tr><tr><td>c</td></tr></table>"
    doc = html.read(page)
    (table,) = doc.tables()
    assert table.rows[0].texts() == ["a", "b"]
    assert table.rows[1].texts() == ["a", "c"]


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><hr>nginx</body></html>",
        "<html><head><title>提示</title></head><body><p>对不起，您访问的页面不存在！</p></body></html>",
        "<html><body><p>网站防火墙：您的访问被阻断</p></body></html>",
    ],
)
def test_error_pages(page: str) -> None:
    with pytest.raises(ParseError) as info:
        html.read(page.encode("utf-8"))
    assert info.value.error == "html_error_page"


def test_empty_and_blank_pages() -> None:
    with pytest.raises(ParseError) as info:
        html.read(b"")
    assert info.value.error == "empty_file"
    with pytest.raises(ParseError) as info:
        html.read(b"<html><body>   </body></html>")
    assert info.value.error == "no_content"


def test_undeclared_gbk_is_detected() -> None:
    page = "<html><body><p>中卫市政府信息公开工作年度报告</p><table><tr><td>自然人</td></tr></table></body></html>"
    doc = html.read(page.encode("gbk"))
    assert doc.paragraphs()[0].text == "中卫市政府信息公开工作年度报告"
    assert doc.tables()[0].rows[0].texts() == ["自然人"]
