"""The renderer: truth records that keep (or break exactly one of) the check rules, and documents in every form."""

from __future__ import annotations

import io
import re
import shutil
import zipfile

import pytest

from parsers.render import FORMS, VIOLABLE_RULES, make_record, render, truth_view
from parsers.render.layout import expand, grids
from parsers.render.record import APPLICANT_COLUMNS, RESULT_ROWS, REVIEW_GROUPS

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


def failing_rules(record: dict) -> set[str]:
    """The rules of REPORT_FORMAT.md the record's tables break, computed independently of the renderer."""
    apps = record["tables"]["applications"]
    results = RESULT_ROWS[record["template"]]
    failed = set()
    for col in (*APPLICANT_COLUMNS, "total"):
        if apps["new_received"][col] + apps["carried_over"][col] != apps["total"][col] + apps["carried_to_next_year"][col]:
            failed.add("applications.balance")
        if apps["total"][col] != sum(apps[row][col] for row in results):
            failed.add("applications.total_row")
    for values in apps.values():
        if values["total"] != sum(values[c] for c in APPLICANT_COLUMNS):
            failed.add("applications.total_column")
    for group in REVIEW_GROUPS:
        g = record["tables"]["review_litigation"][group]
        if g["total"] != g["upheld"] + g["corrected"] + g["other"] + g["pending"]:
            failed.add("review_litigation.total")
    for cell, stated in record["narrative"].items():
        node = record["tables"]
        for key in cell.split("/"):
            node = node[key]
        if node != stated:
            failed.add("narrative.mismatch")
    return failed


def cell_count(record: dict) -> int:
    def leaves(node: object) -> int:
        return sum(leaves(v) for v in node.values()) if isinstance(node, dict) else 1

    return leaves(record["tables"])


@pytest.mark.parametrize("template,cells", [("2021", 200), ("2019", 198)])
def test_record_shape_and_consistency(template: str, cells: int) -> None:
    for seed in range(25):
        record = make_record(agency="中卫市民政局", region="中卫市", year=2022, template=template, seed=seed)
        assert record["format"] == "nianbao.report/1"
        assert record["template"] == template
        assert cell_count(record) == cells
        assert record["checks"] == []
        assert failing_rules(record) == set(), seed
        assert re.fullmatch(r"2023-\d\d-\d\d", record["published"])
        assert all(isinstance(v, int) and v >= 0 for v in record["tables"]["applications"]["total"].values())


def test_same_arguments_same_record_other_seed_other_numbers() -> None:
    a = make_record(agency="A局", region="甲县", year=2023, seed=1)
    assert a == make_record(agency="A局", region="甲县", year=2023, seed=1)
    b = make_record(agency="A局", region="甲县", year=2023, seed=2)
    assert a["tables"] != b["tables"]


@pytest.mark.parametrize("template", ["2021", "2019"])
@pytest.mark.parametrize("rule", VIOLABLE_RULES)
def test_violate_breaks_exactly_that_rule(template: str, rule: str) -> None:
    for seed in range(8):
        record = make_record(agency="B局", region="乙县", year=2021, template=template, seed=seed, violate=rule)
        assert failing_rules(record) == {rule}, seed
        assert {c["rule"] for c in record["checks"]} == {rule}
        locator = {"applications.balance": "column", "applications.total_row": "column",
                   "applications.total_column": "row", "review_litigation.total": "group",
                   "narrative.mismatch": "cell"}[rule]
        assert all(locator in c and c["message"] for c in record["checks"])


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="template"):
        make_record(agency="C", region=None, year=2020, template="2030")
    with pytest.raises(ValueError, match="violate"):
        make_record(agency="C", region=None, year=2020, violate="cross_year.carry_over")
    with pytest.raises(ValueError):
        make_record(agency="C", region=None, year=2020, published="2021-13-45")
    with pytest.raises(ValueError, match="form"):
        render(make_record(agency="C", region=None, year=2020), "odt")
    with pytest.raises(ValueError, match="quirks"):
        render(make_record(agency="C", region=None, year=2020), "html", quirks=["sideways"])


def test_truth_view_is_the_report_format_shape() -> None:
    record = make_record(agency="D局", region="丙县", year=2023, published="2024-01-26")
    truth = truth_view(record)
    assert set(truth) == {"format", "agency", "region", "year", "template", "published", "tables", "checks"}
    assert truth["published"] == "2024-01-26"


def test_official_layout_spans() -> None:
    record = make_record(agency="E局", region="丁县", year=2023)
    tables = grids(record)
    apps = tables["applications"]
    assert apps[0][0].rowspan == 3 and apps[0][0].colspan == 3  # 勾稽关系 note over the 3 header rows
    assert [c.text for c in apps[0]][1] == "申请人情况"
    result_label = apps[5][0]
    assert result_label.text == "三、本年度办理结果" and result_label.rowspan == 22  # 21 result rows + 总计
    dense = expand(apps)
    assert len(dense) == 28 and all(len(r) == 10 for r in dense)
    review = expand(tables["review_litigation"])
    assert len(review) == 4 and all(len(r) == 15 for r in review)
    keys = [c.key for row in dense for c in row if c is not None and c.key]
    assert len(keys) == 175 and len(set(keys)) == 175
    old = expand(grids(make_record(agency="E局", region="丁县", year=2020, template="2019"))["applications"])
    assert len(old) == 26


def test_html_page() -> None:
    record = make_record(agency="中卫市审批服务管理局", region="中卫市", year=2023, seed=7)
    page = render(record, "html").decode("utf-8")
    assert "中卫市审批服务管理局2023年政府信息公开工作年度报告" in page
    assert 'rowspan="22"' in page and 'colspan="7"' in page and 'class="TRS_Editor"' in page
    assert str(record["tables"]["applications"]["new_received"]["total"]) in page
    assert "国办公开办函〔2021〕30号" in page
    day = record["published"].split("-")
    assert f"{int(day[0])}年{int(day[1])}月{int(day[2])}日" in page


def test_html_gbk_page() -> None:
    record = make_record(agency="稷山县人民政府办公室", region="稷山县", year=2020, template="2019")
    data = render(record, "html_gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    page = data.decode("gbk")
    assert "charset=gb2312" in page and "&nbsp;" in page
    assert page.count("<table") >= 5  # layout tables around the three data tables
    assert "国办公开办函〔2019〕60号" in page and "政府集中采购" in page


def test_docx_has_three_tables_with_merged_cells() -> None:
    import docx

    record = make_record(agency="F局", region="戊县", year=2023)
    document = docx.Document(io.BytesIO(render(record, "docx")))
    assert len(document.tables) == 3
    apps = document.tables[1]
    assert len(apps.rows) == 28
    assert apps.cell(0, 0)._tc is apps.cell(2, 2)._tc  # the 3x3 merged note
    assert apps.cell(5, 0)._tc is apps.cell(26, 0)._tc  # 三、本年度办理结果 down to (七)总计
    assert document.paragraphs[0].text == "F局2023年政府信息公开工作年度报告"
    with zipfile.ZipFile(io.BytesIO(render(record, "docx"))) as zf:
        assert "word/document.xml" in zf.namelist()


def test_txt_is_tab_separated_like_the_seeds() -> None:
    record = make_record(agency="G局", region="己县", year=2023, seed=3)
    text = render(record, "txt").decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "G局2023年政府信息公开工作年度报告"
    row = next(ln for ln in lines if ln.startswith("一、本年新收政府信息公开申请数量"))
    values = [int(v) for v in row.split("\t")[3:]]
    new = record["tables"]["applications"]["new_received"]
    assert values == [new[c] for c in (*APPLICANT_COLUMNS, "total")]


@needs_soffice
def test_pdf_and_doc_and_scan(tmp_path, monkeypatch) -> None:
    import pypdfium2 as pdfium

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    record = make_record(agency="H局", region="庚县", year=2023, seed=9)
    pdf = render(record, "pdf")
    assert pdf.startswith(b"%PDF-")
    doc = pdfium.PdfDocument(pdf)
    pages = len(doc)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(pages))
    doc.close()
    assert "H局2023年政府信息公开工作年度报告" in re.sub(r"\s", "", text)
    assert render(record, "pdf") == pdf  # second call comes from the cache
    assert list((tmp_path / "nianbao-render").rglob("*_pdf")) or list((tmp_path / "nianbao-render").rglob("*.pdf"))
    scan = pdfium.PdfDocument(render(record, "scan.pdf"))
    assert len(scan) == pages
    assert "".join(scan[i].get_textpage().get_text_range() for i in range(len(scan))).strip() == ""
    scan.close()
    assert render(record, "doc").startswith(b"\xd0\xcf\x11\xe0")


def test_every_form_is_listed() -> None:
    assert set(FORMS) == {"html", "html_gbk", "docx", "pdf", "doc", "scan.pdf", "txt"}
