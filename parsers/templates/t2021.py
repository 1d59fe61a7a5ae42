"""Template 2021 (国办公开办函〔2021〕30号): reports for 2021 onward."""

from __future__ import annotations

from parsers.templates.labels import APPLICATION_ROW_ORDER_2021, RESULT_ROWS_2021

NAME = "2021"
# row key -> column fields (None: one value)
ACTIVE_LAYOUT: dict[str, tuple[str, ...] | None] = {
    "regulations": ("issued", "repealed", "in_force"),
    "normative_documents": ("issued", "repealed", "in_force"),
    "administrative_licensing": None,
    "administrative_penalty": None,
    "administrative_coercion": None,
    "administrative_fees": None,
}
# cells that hold money (万元), written as decimals
MONEY_CELLS = frozenset({"active_disclosure/administrative_fees"})
APPLICATION_ROWS = APPLICATION_ROW_ORDER_2021
RESULT_ROWS = RESULT_ROWS_2021
