"""Reading the number written in one table cell.

A cell is one of: a number (integer, or a decimal for money), a null marker ("/", "-",
"—", "无", ...: "not applicable / none"), blank, or text (a label).  Full-width digits,
thousands separators and a trailing unit (件, 项, 个, 万元) are accepted; nothing else
is guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Number = int | float
Kind = Literal["num", "null", "blank", "text"]

NULL_MARKS = frozenset(
    {"/", "\\", "-", "--", "---", "—", "——", "–", "－", "一", "无", "空", "null", "none", "n/a", "×", "x"}
)
_NUMBER = re.compile(r"^([+-]?)(\d+(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?)(?:件|项|个|条|次|人|万元|元)?$")
_SPACES = re.compile(r"\s+")
_SPACED_UNIT = re.compile(r"^[+-]?[\d.,]+\s+(?:件|项|个|条|次|人|万元|元)$")
# zero written as a CJK character, and OCR's usual misreadings inside an otherwise numeric cell
_ZERO_WORDS = frozenset({"〇", "○", "零", "O", "o"})
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "〇": "0", "○": "0", "l": "1", "I": "1"})
_OCR_NUMBER = re.compile(r"^[\dOo〇○lI]{2,12}$")


@dataclass(frozen=True, slots=True)
class CellValue:
    kind: Kind
    value: Number | None = None
    raw: str = ""


def normalize_cell_text(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII) with surrounding space removed."""
    return unicodedata.normalize("NFKC", text).strip()


def to_number(text: str) -> Number | None:
    """The number a whole cell holds, or None when the cell is not just a number."""
    s = _SPACES.sub("", normalize_cell_text(text))
    if s in _ZERO_WORDS:
        return 0
    if _OCR_NUMBER.match(s) and any(ch.isdigit() for ch in s):
        s = s.translate(_OCR_DIGITS)
    m = _NUMBER.match(s)
    if not m:
        return None
    sign, digits = m.groups()
    digits = digits.replace(",", "")
    if "." in digits:
        num: Number = float(digits)
    else:
        num = int(digits)
    return -num if sign == "-" else num


@lru_cache(maxsize=4096)
def read_cell(text: str) -> CellValue:
    """Classify one cell as a number, a null marker, blank or text."""
    s = normalize_cell_text(text)
    if not s:
        return CellValue("blank", None, text)
    if s.lower() in NULL_MARKS or set(s) <= {"/", "-", "—", "－", "–", "\\"}:
        return CellValue("null", None, text)
    num = to_number(s) if (" " not in s or _SPACED_UNIT.match(s)) else None  # "0 0" is two values
    if num is not None:
        return CellValue("num", num, text)
    return CellValue("text", None, text)


def split_values(text: str) -> list[CellValue] | None:
    """Several values written in one cell ("0 0 0 0"), or None when it is not that."""
    s = normalize_cell_text(text)
    parts = s.split()
    if len(parts) < 2:
        return None
    values = [read_cell(p) for p in parts]
    if all(v.kind in ("num", "null") for v in values):
        return values
    return None


def as_money(value: Number | None) -> float | None:
    """Money (万元) is recorded as a decimal."""
    return None if value is None else float(value)
