"""Template 2019 (国办公开办函〔2019〕60号): reports for 2019 and 2020."""

from __future__ import annotations

from parsers.templates.labels import APPLICATION_ROW_ORDER_2019, RESULT_ROWS_2019

NAME = "2019"
_ITEMS = ("prior_year_items", "change", "decisions")
_DOCS = ("made", "published", "total_published")
ACTIVE_LAYOUT: dict[str, tuple[str, ...] | None] = {
    "regulations": _DOCS,
    "normative_documents": _DOCS,
    "administrative_licensing": _ITEMS,
    "other_administrative_services": _ITEMS,
    "administrative_penalty": _ITEMS,
    "administrative_coercion": _ITEMS,
    "administrative_fees": ("prior_year_items", "change"),
    "government_procurement": ("items", "amount"),
}
MONEY_CELLS = frozenset({"active_disclosure/government_procurement/amount"})
APPLICATION_ROWS = APPLICATION_ROW_ORDER_2019
RESULT_ROWS = RESULT_ROWS_2019
