"""Recognise the title of a 政府信息公开工作年度报告 and the year it covers.

Not every PDF on a page is a report: a title must name the annual report (政府信息公开(工作)年度报告,
or 政府信息公开工作报告 with a year) and must not be a notice, an interpretation (解读), a template
or a work plan about reports.  Re-issued versions (更正, 修订, 更新, 重新发布) are recognised and flagged.
Years may be written in digits or in Chinese numerals (二〇二三年).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

_CN_DIGITS = str.maketrans("〇○零oO一二三四五六七八九", "00000123456789")
_CN_YEAR = re.compile(r"[二][〇○零oO一二三四五六七八九]{3}(?=年)")
_REPORT = re.compile(
    r"政府信息公开(?:工作)?(?:年度)?(?:工作)?(?:年度报告|年报|工作报告)|信息公开(?:工作)?年度报告"
    r"|政府信息公开(?:工作)?[\d〇○零一二三四五六七八九]{4}年度?(?:工作)?报告"
)
_YEAR = re.compile(r"(?<!\d)(20[0-4]\d|199\d)(?=\s*年)")
_NOT_A_REPORT = re.compile(
    r"解读|图解|通知|要点|格式|模板|范本|编制|报送|培训|考核|评估|统计表填报|征求意见|工作方案|的函|目录"
)
_REISSUE = re.compile(r"更正|修订|修正|更新版|重新发布|重发|勘误")
DOCUMENT_EXTENSIONS = (".pdf", ".docx", ".doc", ".wps", ".xlsx", ".xls", ".ofd")


@dataclass(frozen=True)
class TitleMatch:
    year: int
    reissue: bool
    title: str


def normalize_title(text: str) -> str:
    """Whitespace removed, full-width digits folded, percent-encoding undone."""
    text = unquote(text) if "%" in text else text
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return re.sub(r"\s+", "", text)


def report_year(text: str) -> int | None:
    """The year a report title speaks of (the last year named before 年度报告/年报)."""
    text = _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_DIGITS), normalize_title(text))
    years = [int(y) for y in _YEAR.findall(text)]
    if not years:
        m = re.search(r"(20[0-4]\d)(?=年度)", text)
        return int(m.group(1)) if m else None
    return years[0]


def match_report_title(text: str, years: Iterable[int] | None = None) -> TitleMatch | None:
    """A :class:`TitleMatch` if ``text`` titles an annual report of one of ``years`` (any if None)."""
    title = normalize_title(text)
    if not _REPORT.search(title) or _NOT_A_REPORT.search(title):
        return None
    year = report_year(title)
    if year is None:
        return None
    wanted = set(years) if years is not None else None
    if wanted is not None and year not in wanted:
        return None
    return TitleMatch(year=year, reissue=bool(_REISSUE.search(title)), title=title)


def looks_like_report(text: str) -> bool:
    """The text names an annual report, whatever the year (or none given)."""
    title = normalize_title(text)
    return bool(_REPORT.search(title)) and not _NOT_A_REPORT.search(title)


def is_interpretation(text: str) -> bool:
    return bool(re.search(r"解读|图解", normalize_title(text)))


def document_extension(url: str) -> str | None:
    """``.pdf``/``.docx``/… when the URL path names a document file, else None."""
    path = unquote(url.split("?", 1)[0].split("#", 1)[0]).lower()
    for ext in DOCUMENT_EXTENSIONS:
        if path.endswith(ext):
            return ext
    return None
