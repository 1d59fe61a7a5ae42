"""Report metadata: agency, region, year and published date, from the document's own words.

- agency: the issuing body as written in the title, whitespace removed ("XX局 2023 年政府
  信息公开工作年度报告", "2023年XX局政府信息公开工作年度报告", or a title split over two
  lines with the body's name on the line above);
- year: the year in the title (Arabic or Chinese numerals), else the statistics period;
- region: the administrative areas the agency's name starts with (names from the national
  list of divisions shipped with ``cpca``), extended by the longest form the document
  writes before that name ("平顶山市新华区"); when the agency names no place, the place the
  document writes in front of the agency's name; else None;
- published: the date of the signature line at the end (a line that is a date, or a short
  line ending in one), else None.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from functools import lru_cache
from importlib import resources

from parsers.model import Paragraph, SourceDocument

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_YEAR = r"(\d{4}|[〇○零O一二三四五六七八九]{4})"
_TITLE_YEAR = re.compile(_YEAR + r"年度?")
_TITLE_WORDS = ("年度报告", "年报", "工作报告")
_SUFFIX = re.compile(r"(?:政府信息公开|政务公开|信息公开|政府信息|政务信息).*$")
_DATE = re.compile(_YEAR + r"年(\d{1,2}|[一二三四五六七八九十]{1,3}|元)月(\d{1,2}|[一二三四五六七八九十]{1,3})日$")
_SPACE = re.compile(r"[\s\u3000\u00a0]+")
_HEADING = re.compile(r"^#+")
_TAGGED = re.compile(r"^【[^】]{1,8}】|【[^】]{1,8}】$")
_DOTTED_DATE = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})$")
_ANY_YEAR = re.compile(r"(20[0-4]\d)年度?")
_PERIOD_YEAR = re.compile(r"(\d{4})年1月1日(?:起)?至(?:\d{4}年)?12月31日")
_NOT_SIGNATURE = re.compile(r"发布|来源|时间|日期|浏览|访问|更新|点击|打印|截至|截止|统计")
_GENERIC_PLACES = frozenset({"城区", "郊区", "矿区", "新区", "市中区", "市辖区"})
_TOWN = re.compile(r"^([\u4e00-\u9fff]{2,4}?(?:镇|街道))")


def _cn_number(s: str) -> int:
    if s == "元":  # 元月: January
        return 1
    if s.isdigit():
        return int(s)
    if all(ch in _CN_DIGITS for ch in s) and "十" not in s and len(s) == 4:
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))
    # 十, 十二, 二十六, 三十一
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[s]


def _clean(text: str) -> str:
    """Whitespace and Markdown heading marks removed, 【栏目】 tags at either end dropped."""
    return _TAGGED.sub("", _HEADING.sub("", _SPACE.sub("", text)))


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Names of China's provinces, cities and counties (from cpca's adcodes list)."""
    names: set[str] = set()
    try:
        with resources.files("cpca").joinpath("resources/adcodes.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                name = row.get("name") or ""
                if len(name) >= 2 and name not in ("市辖区", "县", "省直辖县级行政区划"):
                    names.add(name)
    except (ModuleNotFoundError, FileNotFoundError, OSError):  # pragma: no cover - cpca is a dependency
        pass
    return frozenset(names)


def _leading_places(text: str) -> str:
    """The chain of known place names at the start of ``text`` ("平顶山市新华区政务..." -> "平顶山市新华区")."""
    names = place_names()
    i = 0
    while i < len(text):
        for length in range(min(12, len(text) - i), 1, -1):
            if text[i : i + length] in names:
                i += length
                break
        else:
            break
    chain = text[:i]
    town = _TOWN.match(text[i:])
    if town and (chain or i == 0):
        chain += town.group(1)
    return chain


def _places_before(text: str, end: int) -> str:
    """The chain of known place names that ends at ``end`` in ``text``."""
    names = place_names()
    start = end
    while start > 0:
        for length in range(min(12, start), 1, -1):
            if text[start - length : start] in names:
                start -= length
                break
        else:
            break
    return text[start:end]


def _title_like(t: str) -> bool:
    if t.startswith("《") and t.endswith("》"):
        t = t[1:-1]
    return bool(t) and len(t) <= 90 and not re.search(r"[，。；《〈>＞|]|根据|当前位置|首页|来源|发布(?:时间|日期)", t)


_TITLE_END = re.compile(r"(报告|年报)(\(.{1,6}\)|（.{1,6}）)?$")


def _title_score(t: str) -> int:
    score = 4 if _TITLE_YEAR.search(t) else 0
    score += 2 if _TITLE_END.search(t) else 0
    score += 1 if ("政府信息公开" in t or "政务公开" in t) else 0
    return score


def find_title(doc: SourceDocument) -> tuple[str | None, int]:
    """The title (whitespace removed, lines of a wrapped title joined) and its paragraph index.

    Candidates are short lines without sentence punctuation near the start; the best has a
    year, ends in 报告/年报 and names 政府信息公开 (navigation, breadcrumbs and site names lose).
    """
    paras = [_clean(t) for t in head_lines(doc)]
    best: tuple[int, str, int] | None = None
    for i, t in enumerate(paras):
        if not _title_like(t):
            continue
        title = t[1:-1] if t.startswith("《") and t.endswith("》") else t
        j = i + 1
        while (_TITLE_YEAR.search(title) and not _TITLE_END.search(title) and j < len(paras) and j <= i + 3
               and _title_like(paras[j]) and len(paras[j]) <= 24):
            title += paras[j]
            j += 1
        score = _title_score(title)
        if score >= 5 and any(w in title for w in _TITLE_WORDS) and (best is None or score > best[0]):
            best = (score, title, i)
    if best is not None:
        return best[1], best[2]
    meta_title = doc.meta.get("title")
    if isinstance(meta_title, str):
        t = _clean(re.split(r"[_|｜]|\s-\s", meta_title)[0])
        if any(w in t for w in _TITLE_WORDS):
            return t, -1
    return None, -1


def agency_and_year(doc: SourceDocument, text: str) -> tuple[str | None, int | None]:
    title, ti = find_title(doc)
    agency: str | None = None
    year: int | None = None
    if title is not None:
        m = _TITLE_YEAR.search(title)
        if m:
            year = _cn_number(m.group(1))
            before, after = title[: m.start()], title[m.end() :]
            before = re.sub(r"(?:关于)?(?:发布|公布|印发)?$", "", before.strip("《》“”\"'（）()"))
            if "报告" in before or "政府信息公开" in before:  # "XX局政府信息公开工作年度报告（2023年度）"
                before = _SUFFIX.sub("", before)
            if before:
                agency = before
            else:
                rest = _SUFFIX.sub("", after)
                agency = rest or None
        else:
            rest = _SUFFIX.sub("", title)
            agency = rest or None
        if agency is None and ti > 0:
            prev = _clean(head_lines(doc)[ti - 1])
            if 2 <= len(prev) <= 40 and not re.search(r"[，。：:；;\d]|附件|索引|文号|来源", prev):
                agency = prev
    if agency is None:
        agency = signature_agency(doc)
    if year is None:
        head = _SPACE.sub("", text[:3000])
        m2 = _PERIOD_YEAR.search(head)
        if m2:
            year = int(m2.group(1))
        else:  # the year the opening text names most often
            years = [int(y) for y in _ANY_YEAR.findall(head)]
            if years:
                year = max(set(years), key=lambda y: (years.count(y), -y))
    return agency, year


def signature_agency(doc: SourceDocument) -> str | None:
    """The body named on the line above the closing date, when the title names none."""
    tail = tail_lines(doc)
    for i in range(len(tail) - 1, 0, -1):
        t = _clean(tail[i])
        if _DATE.search(t) and len(t) <= 45 and not _NOT_SIGNATURE.search(t):
            body = _DATE.sub("", t) or _clean(tail[i - 1])
            if 2 <= len(body) <= 40 and not re.search(r"[，。：:；;、]", body):
                return body
            return None
    return None


def _known_chain(text: str) -> str:
    names = place_names()
    i = 0
    while i < len(text):
        for length in range(min(12, len(text) - i), 1, -1):
            if text[i : i + length] in names and text[i : i + length] not in _GENERIC_PLACES:
                i += length
                break
        else:
            break
    return text[:i]


def _places_inside(agency: str) -> str:
    """The first chain of known place names inside the agency's name (国家税务总局中卫市税务局 -> 中卫市)."""
    for i in range(1, len(agency)):
        chain = _known_chain(agency[i:])
        if chain:
            return chain
    return ""


def region_of(agency: str | None, text: str) -> str | None:
    flat = _SPACE.sub("", text)
    place = _leading_places(agency) if agency else ""
    if not place and agency:
        place = _places_inside(agency)
    if place:
        best = place
        for m in re.finditer(re.escape(place), flat):
            longer = _places_before(flat, m.start()) + place
            if len(longer) > len(best):
                best = longer
        return best
    if agency:
        best = ""
        for m in re.finditer(re.escape(agency), flat):
            before = _places_before(flat, m.start())
            if len(before) > len(best):
                best = before
        if best:
            return best
    return _most_named_place(flat)


@lru_cache(maxsize=1)
def _name_prefixes() -> frozenset[str]:
    """Every beginning of a place name, up to ``NAME_MAX`` characters."""
    return frozenset(name[:k] for name in place_names() for k in range(1, min(len(name), NAME_MAX) + 1))


NAME_MAX = 12  # longest place name looked for


def _most_named_place(flat: str) -> str | None:
    """The place the document names most often (longest form it writes), or None when it names none."""
    names, prefixes = place_names(), _name_prefixes()
    counts: dict[str, int] = {}
    i, n = 0, len(flat)
    while i < n:
        # the longest name of 3 or more characters at i; the search stops where no name begins so
        length, end = 0, i + 1
        while end <= min(n, i + NAME_MAX) and flat[i:end] in prefixes:
            if end - i >= 3 and flat[i:end] in names and flat[i:end] not in _GENERIC_PLACES:
                length = end - i
            end += 1
        if length:
            word = flat[i : i + length]
            counts[word] = counts.get(word, 0) + 1
            i += length
        else:
            i += 1
    if not counts:
        return None
    place = max(counts, key=lambda w: (counts[w], len(w)))
    best = place
    for m in re.finditer(re.escape(place), flat):
        longer = _places_before(flat, m.start()) + place
        if len(longer) > len(best):
            best = longer
    return best


def head_lines(doc: SourceDocument, n: int = 30) -> list[str]:
    """The first ``n`` lines: paragraphs, and table rows joined (a title padded with spaces may have been
    read as a row)."""
    lines: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            lines.extend("".join(c.text for c in row.cells if not c.spanned) for row in block.rows)
        if len(lines) >= n:
            break
    return lines[:n]


def tail_lines(doc: SourceDocument, n: int = 20) -> list[str]:
    """The last ``n`` lines of the document: paragraphs, and the cells of tables (a signature is sometimes
    laid out in a table)."""
    lines: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            for row in block.rows:
                lines.extend(c.text for c in row.cells if c.text.strip() and not c.spanned)
    return lines[-n:]


def published_date(doc: SourceDocument, year: int | None) -> str | None:
    for line in reversed(tail_lines(doc)):
        t = _clean(line)
        if len(t) > 45 or re.search(r"[，。；;]", t) or _NOT_SIGNATURE.search(t):
            continue
        m = _DATE.search(t) or _DOTTED_DATE.match(t)
        if not m:
            continue
        try:
            d = date(_cn_number(m.group(1)), _cn_number(m.group(2)), _cn_number(m.group(3)))
        except (ValueError, KeyError):
            continue
        if year is not None and not (year <= d.year <= year + 2):
            continue
        return d.isoformat()
    return None


def extract(doc: SourceDocument, text: str) -> dict[str, object]:
    agency, year = agency_and_year(doc, text)
    return {
        "agency": agency,
        "region": region_of(agency, text),
        "year": year,
        "published": published_date(doc, year),
    }
