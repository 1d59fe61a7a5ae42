"""The one mapper on rows as the readers hand them over: merged, shifted, wrapped, split, run together."""

from __future__ import annotations

from typing import Any

import pytest

from parsers.templates.detect import detect_template
from parsers.templates.labels import APPLICANT_COLUMNS
from parsers.templates.mapper import classify, layout
from tests.parsers.rows import APP_LABELS_2021, document, html_app_rows, table

ACTIVE_2021 = table(
    ["第二十条第（一）项", "~第二十条第（一）项", "~第二十条第（一）项", "~第二十条第（一）项"],
    ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
    ["规章", "1", "0", "63"],
    ["行政规范性文件", "4", "3", "119"],
    ["第二十条第（五）项", "~", "~", "~"],
    ["信息内容", "本年处理决定数量", "~本年处理决定数量", "~本年处理决定数量"],
    ["行政许可", "9,464", "~9,464", "~9,464"],
    ["第二十条第（六）项", "~", "~", "~"],
    ["信息内容", "本年处理决定数量", "~", "~"],
    ["行政处罚", "０", "~０", "~０"],
    ["行政强制", "26", "~26", "~26"],
    ["第二十条第（八）项", "~", "~", "~"],
    ["信息内容", "本年收费金额（单位：万元）", "~", "~"],
    ["行政事业性收费", "1.25", "~1.25", "~1.25"],
)
REVIEW_HTML = table(
    ["行政复议", "~", "~", "~", "~", "行政诉讼", "~", "~", "~", "~", "~", "~", "~", "~", "~"],
    ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "~", "~", "~", "~", "复议后起诉",
     "~", "~", "~", "~"],
    ["~结果维持", "~结果纠正", "~其他结果", "~尚未审结", "~总计", "结果维持", "结果纠正", "其他结果", "尚未审结",
     "总计", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
    ["1", "0", "0", "0", "1", "2", "0", "0", "1", "3", "0", "0", "0", "0", "0"],
)


def _values(n: int) -> list[str]:
    """Seven values of a row, different per row so a misplaced row shows."""
    six = [n % 4, n % 3, 0, n % 2, 0, 1 if n % 5 == 0 else 0]
    return [str(v) for v in six] + [str(sum(six))]


def _app_values() -> dict[str, list[str]]:
    return {key: _values(i + 1) for i, (key, _) in enumerate(APP_LABELS_2021)}


def _map(doc: Any, text: str = "", year: int | None = 2023) -> tuple[str, dict[str, Any], dict[str, Any]]:
    c = classify(doc)
    template = detect_template(c, text, year)
    mapped = layout(c, template)
    return template, mapped.tables, mapped.provenance


def _expected_apps(values: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    return {k: {c: int(v) for c, v in zip(APPLICANT_COLUMNS, vals, strict=True)} for k, vals in values.items()}


def test_html_tables_with_expanded_merged_cells() -> None:
    values = _app_values()
    doc = document("二、主动公开政府信息情况", ACTIVE_2021, table(*html_app_rows(values)), REVIEW_HTML)
    template, tables, prov = _map(doc)
    assert template == "2021"
    active = tables["active_disclosure"]
    assert active["regulations"] == {"issued": 1, "repealed": 0, "in_force": 63}
    assert active["normative_documents"] == {"issued": 4, "repealed": 3, "in_force": 119}
    assert active["administrative_licensing"] == 9464  # thousands separator, spanned copies ignored
    assert active["administrative_penalty"] == 0  # full-width digit
    assert active["administrative_fees"] == 1.25 and isinstance(active["administrative_fees"], float)
    assert tables["applications"] == _expected_apps(values)
    review = tables["review_litigation"]
    assert review["reconsideration"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}
    assert review["litigation_direct"] == {"upheld": 2, "corrected": 0, "other": 0, "pending": 1, "total": 3}
    # provenance of each cell is the reader's cell provenance
    assert prov["applications/new_received/total"] == {"row": 3, "col": 9}
    assert prov["review_litigation/litigation_direct/pending"] == {"row": 3, "col": 8}
    assert len(prov) == 200


def test_blank_cells_become_null_by_alignment_with_neighbouring_rows() -> None:
    values = _app_values()
    rows = html_app_rows(values)
    carried = next(r for r in rows if "结转下年度" in r[0])
    carried[3] = ""  # 自然人 blank
    partly = next(r for r in rows if "部分公开" in r[1])
    partly[8] = "/"  # 其他 written "/"
    partly[5] = "—"
    _, tables, _ = _map(document(table(*rows)))
    apps = tables["applications"]
    assert apps["carried_to_next_year"]["natural_person"] is None
    assert apps["carried_to_next_year"]["commercial_enterprise"] == int(values["carried_to_next_year"][1])
    assert apps["partially_disclosed"]["other_org"] is None
    assert apps["partially_disclosed"]["research_institution"] is None
    assert apps["partially_disclosed"]["total"] == int(values["partially_disclosed"][6])


def test_text_rows_with_shifted_offsets_and_missing_leading_columns() -> None:
    # like seed 001: each line starts its values at a different tab column
    t = table(
        "(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)\t\t申请人情况\t\t\t\t\t\t总计\t",
        "\t\t自然人\t法人或其他组织\t\t\t\t\t\t",
        "\t\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t\t",
        "一、本年新收政府信息公开申请数量\t\t5\t1\t0\t0\t0\t0\t6\t",
        "二、上年结转政府信息公开申请数量\t\t1\t0\t0\t0\t0\t0\t1\t",
        "三、本年度办理结果\t(一) 予以公开\t3\t1\t0\t0\t0\t0\t4\t",
        "\t\t2. 其他法律行政法规禁止公开\t0\t0\t0\t0\t0\t0\t0",
        "8. 属于行政查询事项\t\t0\t0\t0\t0\t0\t0\t0\t",  # group label columns missing
        "3.其他\t\t1\t0\t0\t0\t0\t0\t1\t",
        "\t(七) 总计\t\t4\t1\t0\t0\t0\t0\t5",
        "\t四、结转下年度继续办理\t\t\t2\t0\t0\t0\t0\t2",  # six values: 自然人 blank
    )
    _, tables, _ = _map(document(t, form="text"))
    apps = tables["applications"]
    assert apps["new_received"]["natural_person"] == 5 and apps["new_received"]["total"] == 6
    assert apps["not_disclosed.administrative_query"]["total"] == 0
    assert apps["other.other"] == {"natural_person": 1, "commercial_enterprise": 0, "research_institution": 0,
                                   "social_welfare_org": 0, "legal_service_org": 0, "other_org": 0, "total": 1}
    assert apps["total"]["natural_person"] == 4
    assert apps["carried_to_next_year"]["natural_person"] is None
    assert apps["carried_to_next_year"]["commercial_enterprise"] == 2
    assert apps["carried_to_next_year"]["total"] == 2


def test_labels_wrapped_over_two_rows_either_side_of_the_values() -> None:
    t = table(
        ["一、本年新收政府信息公开申请数量", "2", "0", "0", "0", "0", "0", "2"],
        ["5.要求行政机关确认或重", "1", "0", "0", "0", "0", "0", "1"],  # values on the first line
        ["新出具已获取信息", "", "", "", "", "", "", ""],
        ["（六） 1.申请人无正当理由", "", "", "", "", "", "", ""],  # values on the second line
        ["逾期不补正、行政机关不再处理其政府信息公开申请", "3", "0", "0", "0", "0", "0", "3"],
        ["四、结转下年度继续办理", "", "", "", "", "", "", ""],  # label alone, values below
        ["", "4", "0", "0", "0", "0", "0", "4"],
    )
    _, tables, _ = _map(document(t, form="pdf"))
    apps = tables["applications"]
    assert apps["not_processed.confirm_or_reissue"]["total"] == 1
    assert apps["other.no_correction"]["natural_person"] == 3
    assert apps["carried_to_next_year"]["total"] == 4


def test_table_split_over_pages_with_a_repeated_header() -> None:
    values = _app_values()
    rows = html_app_rows(values)
    first, second = rows[:12], rows[:3] + rows[12:]  # page 2 repeats the three header rows
    _, tables, _ = _map(document(table(*first), "（续表）", table(*second)))
    assert tables["applications"] == _expected_apps(values)


def test_digits_run_together_are_split_only_when_the_row_sum_decides() -> None:
    t = table(
        ["一、本年新收政府信息公开申请数量", "713000074"],  # 71 + 3 = 74
        ["二、上年结转政府信息公开申请数量", "0 0 0 0 0 0 0"],  # several values in one cell
        ["(七) 总计", "1", "2", "3", "4", "5", "6", "21"],
    )
    _, tables, prov = _map(document(t, form="text"))
    apps = tables["applications"]
    assert apps["new_received"] == {"natural_person": 71, "commercial_enterprise": 3, "research_institution": 0,
                                    "social_welfare_org": 0, "legal_service_org": 0, "other_org": 0, "total": 74}
    assert apps["carried_over"]["total"] == 0
    assert prov["applications/new_received/total"] == {"row": 0, "col": 1}


def test_ambiguous_run_together_digits_are_not_guessed() -> None:
    t = table(["一、本年新收政府信息公开申请数量", "1111111"])  # 1+1+1+1+1+1 != 1: no split fits
    _, tables, _ = _map(document(t))
    assert "new_received" not in tables["applications"]  # left out, not guessed


def test_review_row_with_blank_reconsideration_cells() -> None:
    # seed 000: five empty cells, then ten zeros under the 行政诉讼 headers
    t = table(
        "行政复议\t\t\t\t\t行政诉讼\t\t\t\t\t\t\t\t\t",
        "结 果 维 持\t结 果 纠 正\t其 他 结 果\t尚 未 审 结\t总 计\t未经复议直接起诉\t\t\t\t\t复议后起诉\t\t\t\t",
        "\t\t\t\t\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计",
        "\t\t\t\t\t1\t0\t0\t0\t1\t0\t0\t0\t2\t2",
    )
    _, tables, _ = _map(document(t, form="text"))
    review = tables["review_litigation"]
    assert review["reconsideration"] == dict.fromkeys(("upheld", "corrected", "other", "pending", "total"))
    assert review["litigation_direct"]["total"] == 1
    assert review["litigation_after_reconsideration"]["pending"] == 2


def test_header_typo_and_label_with_number_in_one_cell() -> None:
    t = table(
        ["信息内容", "本年制发件数", "本年度止件数", "现行有效件数"],  # typo of 本年废止件数
        ["规章", "0", "0", "0"],
        ["行政规范性文件", "2", "-", "5"],
        ["信息内容", "本年处理决定数量"],
        ["行政许可 8743"],  # label and number in one cell (PDF text run)
    )
    template, tables, _ = _map(document(t), year=2023)
    assert template == "2021"
    assert tables["active_disclosure"]["normative_documents"] == {"issued": 2, "repealed": None, "in_force": 5}
    assert tables["active_disclosure"]["administrative_licensing"] == 8743


def test_template_2019_tables() -> None:
    active = table(
        ["第二十条第（一）项"],
        ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
        ["规章", "0", "0", "21"],
        ["规范性文件", "7", "7", "53"],
        ["第二十条第（五）项"],
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政许可", "16", "-3", "368"],
        ["其他对外管理服务事项", "40", "-2", "673"],
        ["第二十条第（六）项"],
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政处罚", "290", "0", "2804"],
        ["行政强制", "14", "+1", "220"],
        ["第二十条第（八）项"],
        ["信息内容", "上一年项目数量", "本年增/减"],
        ["行政事业性收费", "2", "0"],
        ["第二十条第（九）项"],
        ["信息内容", "采购项目数量", "采购总金额"],
        ["政府集中采购", "0", "127.69"],
    )
    apps = table(
        ["一、本年新收政府信息公开申请数量", "1", "0", "0", "0", "0", "0", "1"],
        ["三、本年度办理结果", "(六)其他处理", "1", "0", "0", "0", "0", "0", "1"],
        ["三、本年度办理结果", "(七)总计", "1", "0", "0", "0", "0", "0", "1"],
    )
    template, tables, _ = _map(document(active, apps), year=2020)
    assert template == "2019"
    a = tables["active_disclosure"]
    assert a["regulations"] == {"made": 0, "published": 0, "total_published": 21}
    assert a["administrative_licensing"] == {"prior_year_items": 16, "change": -3, "decisions": 368}
    assert a["administrative_coercion"]["change"] == 1
    assert a["administrative_fees"] == {"prior_year_items": 2, "change": 0}
    assert a["government_procurement"] == {"items": 0, "amount": 127.69}
    assert tables["applications"]["other"]["natural_person"] == 1
    assert "other.other" not in tables["applications"]


def test_template_from_words_and_year_when_tables_do_not_tell() -> None:
    t = table(["一、本年新收政府信息公开申请数量", "1", "0", "0", "0", "0", "0", "1"])
    c = classify(document(t))
    assert detect_template(c, "（国办公开办函〔2019〕60号）", 2023) == "2019"
    assert detect_template(c, "（国办公开办函〔2021〕30号）", 2020) == "2021"
    assert detect_template(c, "", 2020) == "2019"
    assert detect_template(c, "", 2022) == "2021"
    assert detect_template(classify(document("只有文字")), "", 2017) == "freeform"


def _seed_as_paragraphs(one_cell_per_line: bool) -> tuple[Any, dict[str, Any]]:
    """Seed 002 as an HTML page whose tables were typed as paragraphs."""
    import json
    from pathlib import Path

    from parsers.model import Block, Paragraph, SourceDocument

    seed = Path("/work/shared/corpus/seeds/002_43e3c9ba6b70e239.txt")
    truth = json.loads(seed.with_name("002_43e3c9ba6b70e239.truth.json").read_text(encoding="utf-8"))
    blocks: list[Block] = []
    for n, line in enumerate(seed.read_text(encoding="utf-8").splitlines(), start=1):
        cells = [c for c in line.split("\t") if c.strip()]
        if not cells:
            continue
        texts = cells if one_cell_per_line and "\t" in line else ["  ".join(cells)]
        blocks += [Paragraph(t, {"xpath": f"/html/body/p[{n}]"}) for t in texts]
    return SourceDocument("html", blocks), truth


@pytest.mark.parametrize("one_cell_per_line", [False, True])
def test_tables_typed_as_paragraphs(one_cell_per_line: bool) -> None:
    from parsers.templates.mapper import classify_document

    doc, truth = _seed_as_paragraphs(one_cell_per_line)
    assert doc.tables() == []
    c = classify_document(doc)
    mapped = layout(c, detect_template(c, doc.plain_text(), 2023))
    want = truth["tables"]
    # blank cells cannot be told apart once typed as paragraphs: compare the stated numbers
    assert mapped.tables["applications"] == want["applications"]
    assert mapped.tables["active_disclosure"] == want["active_disclosure"]
    assert mapped.tables["review_litigation"] == want["review_litigation"]


def test_review_values_wrapped_onto_a_second_line() -> None:
    t = table(
        ["行政复议", "", "", "", "", "行政诉讼"],
        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
        ["1", "0", "0", "0", "1"],
        ["0", "0", "0", "1", "1", "0", "0", "0", "0", "0"],
    )
    _, tables, _ = _map(document(t, form="pdf"))
    review = tables["review_litigation"]
    assert review["reconsideration"]["total"] == 1
    assert review["litigation_direct"] == {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1}
    assert review["litigation_after_reconsideration"]["total"] == 0


def test_review_row_found_when_its_header_is_lost() -> None:
    t = table(
        ["四、结转下年度继续办理", "0", "0", "0", "0", "0", "0", "0"],
        ["0", "0", "0", "1", "1", "2", "0", "0", "0", "2", "0", "0", "0", "0", "0"],
    )
    _, tables, _ = _map(document(t))
    assert tables["review_litigation"]["reconsideration"]["pending"] == 1
    assert tables["review_litigation"]["litigation_direct"]["total"] == 2


def test_two_cells_run_together_among_separate_ones() -> None:
    t = table(
        "一、本年新收政府信息公开申请数量\t713\t0\t0\t0\t0\t74",  # 71 and 3 run together
        "(七) 总计\t\t12\t0\t0\t0\t0\t12",  # blank 自然人 and a real 12: no split fits, so aligned
        "四、结转下年度继续办理\t1\t0\t0\t0\t0\t0\t1",
    )
    _, tables, _ = _map(document(t, form="text"))
    apps = tables["applications"]
    assert apps["new_received"]["natural_person"] == 71 and apps["new_received"]["commercial_enterprise"] == 3
    assert apps["total"]["natural_person"] is None and apps["total"]["commercial_enterprise"] == 12


def test_garbled_labels_by_resemblance_and_by_position() -> None:
    t = table(
        ["一、本年新收政府信息公开申请数量", "1", "0", "0", "0", "0", "0", "1"],
        ["二、上年节转政府信息公开申请数", "2", "0", "0", "0", "0", "0", "2"],  # typos: resemblance
        ["(三)不予公开", "1.属于国家秘密", "0", "0", "0", "0", "0", "0", "0"],
        ["", "2.具他法律彳亍政法現", "3", "0", "0", "0", "0", "0", "3"],  # OCR garbage: by position
        ["", "3.危及“三安全一稳定”", "0", "0", "0", "0", "0", "0", "0"],
    )
    _, tables, _ = _map(document(t, form="image"))
    apps = tables["applications"]
    assert apps["carried_over"]["total"] == 2
    assert apps["not_disclosed.prohibited_by_law"]["total"] == 3


def test_garbled_active_disclosure_labels() -> None:
    t = table(
        ["信息内容", "本年处理决定数量"],
        ["行政许司", "12"],
        ["行攻处罚", "3"],
    )
    _, tables, _ = _map(document(t, form="image"), year=2023)
    assert tables["active_disclosure"]["administrative_licensing"] == 12
    assert tables["active_disclosure"]["administrative_penalty"] == 3


def test_unrecognised_row_next_to_the_2019_other_row_is_left_out() -> None:
    t = table(
        ["5.要求行政机关确认或重新出具已获取信息", "0", "0", "0", "0", "0", "0", "0"],
        ["###", "9", "0", "0", "0", "0", "0", "9"],
        ["(六)其他处理", "1", "0", "0", "0", "0", "0", "1"],
    )
    template, tables, _ = _map(document(t), year=2020)
    assert template == "2019"
    assert tables["applications"]["other"]["total"] == 1
    assert all(row.get("total") != 9 for row in tables["applications"].values())


def test_applications_values_wrapped_onto_the_next_line() -> None:
    t = table(
        "一、本年新收政府信息公开申请数量\t5\t1\t0",
        "\t0\t0\t0\t6",
        "二、上年结转政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1",
    )
    _, tables, _ = _map(document(t, form="text"))
    apps = tables["applications"]
    assert apps["new_received"] == {"natural_person": 5, "commercial_enterprise": 1, "research_institution": 0,
                                    "social_welfare_org": 0, "legal_service_org": 0, "other_org": 0, "total": 6}
    assert apps["carried_over"]["total"] == 1


def test_grid_that_repeats_merged_cells_without_marking_them() -> None:
    # an OCR grid: merged cells come back as plain copies, a stray mark left of a label
    t = table(
        ["信息内容", "信息内容", "本年制发件数", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["行政规范", "生文", "8", "8", "1", "108"],
        ["信息内容", "信息内容", "本年收费金额（单位：万元）", "本年收费金额（单位：万元）", "~", "~"],
        ["1", "行政事业性收费", "42.36", "42.36", "42.36", "42.36"],
        ["", "", "自然人", "商业企业", "科研机构", "社会公益组织", "社会公益组织", "法律服务机构", "其他", "总计"],
        ["2", "一、本年新收政府信息公开申请数量", "10", "1", "0", "0", "0", "0", "0", "11"],
    )
    _, tables, _ = _map(document(t, form="image"), year=2023)
    assert tables["active_disclosure"]["normative_documents"] == {"issued": 8, "repealed": 1, "in_force": 108}
    assert tables["active_disclosure"]["administrative_fees"] == 42.36
    assert tables["applications"]["new_received"] == {
        "natural_person": 10, "commercial_enterprise": 1, "research_institution": 0, "social_welfare_org": 0,
        "legal_service_org": 0, "other_org": 0, "total": 11}
