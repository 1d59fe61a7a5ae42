"""行政区划: names and codes of administrative areas, from the maintained ``cpca`` package.

``resolve_region("原州区审批服务管理局")`` finds the area a name or a sentence mentions and
returns its 6-digit 行政区划代码, its level and its full name; nothing here is a
hand-written table of areas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Region:
    code: str  # 6-digit 行政区划代码, e.g. "640402"
    name: str  # most specific name, e.g. "原州区"
    full_name: str  # e.g. "宁夏回族自治区固原市原州区"
    level: str  # province | city | county

    @property
    def parent_codes(self) -> list[str]:
        """Codes of the enclosing areas, outermost first (640000, 640400 for 640402)."""
        out = []
        if self.level in ("city", "county"):
            out.append(self.code[:2] + "0000")
        if self.level == "county":
            out.append(self.code[:4] + "00")
        return out


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


@lru_cache(maxsize=4096)
def resolve_region(text: str) -> Region | None:
    """The most specific area named in ``text`` (a unit name, a title, a sentence), or None."""
    if not text or not text.strip():
        return None
    import cpca  # imported lazily: it loads its tables on first use

    df = cpca.transform([text])
    row = df.iloc[0]
    code = _clean(row.get("adcode"))
    if not code or not code.isdigit():
        return None
    code = code[:6]
    province, city, county = _clean(row.get("省")), _clean(row.get("市")), _clean(row.get("区"))
    name = county or city or province
    full = province + (city if city != province else "") + county
    level = level_of(code)
    return Region(code=code, name=name, full_name=full, level=level)


@lru_cache(maxsize=4096)
def region_by_code(code: str) -> Region | None:
    """The area with this 行政区划代码 (6 digits; longer codes are cut to 6)."""
    if not code or not code[:6].isdigit():
        return None
    import cpca

    code = code[:6]
    names: list[str] = []
    for part in (code[:2] + "0000", code[:4] + "00", code):
        name = cpca.adcode_name(part)
        if name and (not names or names[-1] != name):
            names.append(name)
        if part == code:
            break
    if not names or cpca.adcode_name(code) is None:
        return None
    return Region(code=code, name=names[-1], full_name="".join(names), level=level_of(code))
