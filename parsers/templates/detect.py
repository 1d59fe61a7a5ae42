"""Which template a report follows: 2021, 2019 or freeform.

Decided first by the tables (column headers and rows that exist in only one template),
then by the document's own words (the 国办公开办函 number it cites), then by the report
year.  A document without the standard applications and 第二十条 tables is freeform.
"""

from __future__ import annotations

import re

from parsers.templates.labels import WORDS_2019, WORDS_2021
from parsers.templates.mapper import Classified

_CITES_2021 = re.compile(r"2021\D{0,3}30\s*号")
_CITES_2019 = re.compile(r"2019\D{0,3}60\s*号")


def structure_scores(c: Classified) -> tuple[int, int]:
    s21 = sum(1 for w in WORDS_2021 if w in c.header_text)
    s19 = sum(1 for w in WORDS_2019 if w in c.header_text)
    s21 += 2 * sum(1 for k in ("other.no_correction", "other.fee_unpaid", "other.other") if k in c.applications)
    s19 += 2 * sum(1 for k in ("other_administrative_services", "government_procurement") if k in c.active)
    if "other" in c.applications and "other.no_correction" not in c.applications:
        s19 += 2
    for key in ("administrative_licensing", "administrative_penalty", "administrative_coercion"):
        r = c.active.get(key)
        if r is not None:
            if len(r.slots) == 1:
                s21 += 1
            elif len(r.slots) == 3:
                s19 += 1
    return s21, s19


def detect_template(c: Classified, text: str, year: int | None) -> str:
    if not c.applications and not c.active and c.review_row is None:
        return "freeform"
    s21, s19 = structure_scores(c)
    if s21 != s19:
        return "2021" if s21 > s19 else "2019"
    if _CITES_2021.search(text):
        return "2021"
    if _CITES_2019.search(text):
        return "2019"
    if year is not None and year <= 2020:
        return "2019"
    return "2021"
