"""Report titles: the annual report of a year, its re-issues, and what is not one."""

from __future__ import annotations

import pytest

from spiders.detect import detect_family
from spiders.recognition import document_extension, match_report_title


@pytest.mark.parametrize(
    ("title", "year", "reissue"),
    [
        ("中卫市审批服务管理局2023年政府信息公开工作年度报告", 2023, False),
        ("原州区人民政府2022年度政府信息公开工作年度报告（更正）", 2022, True),
        ("关于2023年度政府信息公开工作年度报告的修订说明版", 2023, True),
        ("二〇二三年政府信息公开年度报告", 2023, False),
        ("2021年 政府信息公开 工作年度报告", 2021, False),
        ("新华区政府信息公开工作２０２３年度报告", 2023, False),
        ("%E6%96%B0%E5%8D%8E%E5%8C%BA2023%E5%B9%B4%E6%94%BF%E5%BA%9C%E4%BF%A1%E6%81%AF%E5%85%AC%E5%BC%80"
         "%E5%B7%A5%E4%BD%9C%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.pdf", 2023, False),
    ],
)
def test_reports(title: str, year: int, reissue: bool) -> None:
    m = match_report_title(title)
    assert m is not None and (m.year, m.reissue) == (year, reissue)
    assert match_report_title(title, [year]) is not None
    assert match_report_title(title, [year - 1]) is None


@pytest.mark.parametrize(
    "title",
    [
        "关于印发政府信息公开工作年度报告格式的通知",
        "中卫市人民政府2023年政府信息公开工作年度报告解读",
        "图解：2023年政府信息公开工作年度报告",
        "中卫市2024年政务公开工作要点",
        "2023年法治政府建设年度报告",
        "政府信息公开指南",
        "政府信息公开工作年度报告",  # no year: a column, not a report
    ],
)
def test_not_reports(title: str) -> None:
    assert match_report_title(title) is None


def test_document_extension() -> None:
    assert document_extension("http://x/P020240320.pdf") == ".pdf"
    assert document_extension("http://x/a.DOCX?x=1") == ".docx"
    assert document_extension("http://x/%E5%B9%B4%E6%8A%A5.doc#p") == ".doc"
    assert document_extension("http://x/t20240320_1.html") is None


def test_detect_family() -> None:
    assert detect_family(b'<script>createPageHTML(3, 0, "index", "html");</script>') == "trs"
    assert detect_family(b'<div class="TRS_Editor"><a href="./202403/t20240320_1.html">') == "trs"
    assert detect_family(b'<script type="text/xml"><datastore><recordset></recordset></datastore></script>') == "hanweb"
    assert detect_family(b'<a href="/art/2024/3/28/art_1001_2001.html">x</a>') == "hanweb"
    assert detect_family(b'<html><body><a href="a.pdf">x</a></body></html>') == "generic"
