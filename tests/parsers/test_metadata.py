"""Agency, region, year and published date from the document's own words."""

from __future__ import annotations

import pytest

from parsers.metadata import extract
from tests.parsers.rows import document


def _meta(*paragraphs: str) -> dict[str, object]:
    doc = document(*paragraphs, form="text")
    return extract(doc, doc.plain_text())


@pytest.mark.parametrize("paragraphs, agency, year", [
    (["原州区审批服务管理局 2023 年政府信息公开工作年度报告"], "原州区审批服务管理局", 2023),
    (["2022年中卫市教育局政府信息公开工作年度报告"], "中卫市教育局", 2022),
    (["# 稷山县行政审批服务管理局", "## 2023 年政府信息公开工作年度报告"], "稷山县行政审批服务管理局", 2023),
    (["中卫市人民政府 2023 年政府信息公开工作年度报", "告"], "中卫市人民政府", 2023),
    (["当前位置：首页 > 政务公开 > 政府信息公开年报", "XX县民政局二〇二一年度政府信息公开工作年度报告"],
     "XX县民政局", 2021),
    (["原州区审批服务管理局2022年政府信息公开工作年度报告（更正）"], "原州区审批服务管理局", 2022),
    (["【年报】中卫市审批服务管理局关于发布2023年度政府信息公开工作年度报告"], "中卫市审批服务管理局", 2023),
])
def test_agency_and_year_from_the_title(paragraphs: list[str], agency: str, year: int) -> None:
    meta = _meta(*paragraphs, "根据《条例》要求，现发布本报告。")
    assert meta["agency"] == agency
    assert meta["year"] == year


def test_region_is_extended_by_the_body_and_null_when_no_place_is_named() -> None:
    assert _meta("新华区政务服务和大数数据管理局 2023 年政府信息公开工作年度报告",
                 "2023 年度平顶山市新华区政务服务和大数数据管理局未收到依申请公开。")["region"] == "平顶山市新华区"
    # an address elsewhere (沙坡头区) does not make the region more specific
    assert _meta("中卫市审批服务管理局 2023年政府信息公开工作年度报告",
                 "地址：中卫市沙坡头区丰安东路9号。")["region"] == "中卫市"
    assert _meta("# 政务服务局 2023 年政府信息公开工作年度报告", "在区党工委的正确领导下，政务服务局积极推进。")[
        "region"] is None


def test_published_date_from_the_signature_line() -> None:
    assert _meta("某县民政局2023年政府信息公开工作年度报告", "正文。", "某县民政局", "2024年1月26日")[
        "published"] == "2024-01-26"
    assert _meta("某县民政局2023年政府信息公开工作年度报告", "正文。", "某县民政局 二〇二四年一月二十六日")[
        "published"] == "2024-01-26"
    # a date inside a sentence is not a signature; no signature -> null
    assert _meta("某县民政局2023年政府信息公开工作年度报告", "本报告统计数据从2023年1月1日至2023年12月31日。")[
        "published"] is None


def test_more_title_shapes_and_fallbacks() -> None:
    assert _meta("《中卫市教育局2023年政府信息公开工作年度报告》", "正文。")["agency"] == "中卫市教育局"
    m = _meta("中卫市教育局政府信息公开工作年度报告（2023年度）", "正文。")
    assert (m["agency"], m["year"]) == ("中卫市教育局", 2023)
    # the title names no body: the signature line does
    m = _meta("2023年政府信息公开工作年度报告", "正文。", "中卫市教育局", "2024年1月20日")
    assert (m["agency"], m["region"], m["published"]) == ("中卫市教育局", "中卫市", "2024-01-20")
    # a place inside the name
    assert _meta("国家税务总局中卫市税务局2023年政府信息公开工作年度报告", "正文。")["region"] == "中卫市"
    # page furniture with a date is not the signature
    assert _meta("中卫市教育局2023年政府信息公开工作年度报告", "正文。", "发布日期：2024年1月20日")[
        "published"] is None


def test_year_without_a_title_year_and_dotted_signature_date() -> None:
    m = _meta("某局政府信息公开工作年度报告", "2022年，我局认真贯彻《条例》。", "2022年共收到申请1件。", "某局", "2023.1.30")
    assert (m["year"], m["published"]) == (2022, "2023-01-30")


def test_region_of_an_agency_without_a_place_is_the_place_the_text_names() -> None:
    m = _meta("# 政务服务局 2023 年政府信息公开工作年度报告", "按照稷山县政府要求，我局认真落实。", "稷山县各部门配合。")
    assert (m["agency"], m["region"]) == ("政务服务局", "稷山县")


def test_signature_laid_out_in_a_table() -> None:
    from tests.parsers.rows import table

    doc = document("中卫市教育局2023年政府信息公开工作年度报告", "正文。", table(["", "中卫市教育局"], ["", "2024年1月22日"]))
    assert extract(doc, doc.plain_text())["published"] == "2024-01-22"


def test_title_read_as_a_table_row() -> None:
    from tests.parsers.rows import table

    doc = document(table(["中卫市人民政府", "2023 年政府信息公开工作年度报告"]), "一、总体情况")
    assert extract(doc, doc.plain_text())["agency"] == "中卫市人民政府"
