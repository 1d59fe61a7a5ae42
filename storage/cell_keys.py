"""Cell ids as small integers: the cells table stores ``cell_key`` (a SMALLINT), not the id's text.

A report has ~200 cells and an archive tens of millions of cell rows; a two-byte key instead of a
~35-byte path makes the rows, their primary key and the write-ahead log several times smaller
(bulk loads ~40 % faster on PostgreSQL).  ``CellKey`` converts in both directions, so code and
queries keep using cell ids (``Cell.cell_id == "applications/new_received/total"``); SQL users
join the ``cell_keys`` table or read the ``cell_values`` view.

``CELL_IDS`` is append-only: a key, once given, names the same cell for ever, and a new cell id
(a new template) is appended here and inserted into ``cell_keys`` by a migration
(tests/storage/test_cell_keys.py checks both).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import SmallInteger
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# key = position + 1; the first 229 are every cell of the 2021 and 2019 templates, sorted
CELL_IDS: tuple[str, ...] = (
    "active_disclosure/administrative_coercion",
    "active_disclosure/administrative_coercion/change",
    "active_disclosure/administrative_coercion/decisions",
    "active_disclosure/administrative_coercion/prior_year_items",
    "active_disclosure/administrative_fees",
    "active_disclosure/administrative_fees/change",
    "active_disclosure/administrative_fees/prior_year_items",
    "active_disclosure/administrative_licensing",
    "active_disclosure/administrative_licensing/change",
    "active_disclosure/administrative_licensing/decisions",
    "active_disclosure/administrative_licensing/prior_year_items",
    "active_disclosure/administrative_penalty",
    "active_disclosure/administrative_penalty/change",
    "active_disclosure/administrative_penalty/decisions",
    "active_disclosure/administrative_penalty/prior_year_items",
    "active_disclosure/government_procurement/amount",
    "active_disclosure/government_procurement/items",
    "active_disclosure/normative_documents/in_force",
    "active_disclosure/normative_documents/issued",
    "active_disclosure/normative_documents/made",
    "active_disclosure/normative_documents/published",
    "active_disclosure/normative_documents/repealed",
    "active_disclosure/normative_documents/total_published",
    "active_disclosure/other_administrative_services/change",
    "active_disclosure/other_administrative_services/decisions",
    "active_disclosure/other_administrative_services/prior_year_items",
    "active_disclosure/regulations/in_force",
    "active_disclosure/regulations/issued",
    "active_disclosure/regulations/made",
    "active_disclosure/regulations/published",
    "active_disclosure/regulations/repealed",
    "active_disclosure/regulations/total_published",
    "applications/carried_over/commercial_enterprise",
    "applications/carried_over/legal_service_org",
    "applications/carried_over/natural_person",
    "applications/carried_over/other_org",
    "applications/carried_over/research_institution",
    "applications/carried_over/social_welfare_org",
    "applications/carried_over/total",
    "applications/carried_to_next_year/commercial_enterprise",
    "applications/carried_to_next_year/legal_service_org",
    "applications/carried_to_next_year/natural_person",
    "applications/carried_to_next_year/other_org",
    "applications/carried_to_next_year/research_institution",
    "applications/carried_to_next_year/social_welfare_org",
    "applications/carried_to_next_year/total",
    "applications/disclosed/commercial_enterprise",
    "applications/disclosed/legal_service_org",
    "applications/disclosed/natural_person",
    "applications/disclosed/other_org",
    "applications/disclosed/research_institution",
    "applications/disclosed/social_welfare_org",
    "applications/disclosed/total",
    "applications/new_received/commercial_enterprise",
    "applications/new_received/legal_service_org",
    "applications/new_received/natural_person",
    "applications/new_received/other_org",
    "applications/new_received/research_institution",
    "applications/new_received/social_welfare_org",
    "applications/new_received/total",
    "applications/not_disclosed.administrative_query/commercial_enterprise",
    "applications/not_disclosed.administrative_query/legal_service_org",
    "applications/not_disclosed.administrative_query/natural_person",
    "applications/not_disclosed.administrative_query/other_org",
    "applications/not_disclosed.administrative_query/research_institution",
    "applications/not_disclosed.administrative_query/social_welfare_org",
    "applications/not_disclosed.administrative_query/total",
    "applications/not_disclosed.enforcement_files/commercial_enterprise",
    "applications/not_disclosed.enforcement_files/legal_service_org",
    "applications/not_disclosed.enforcement_files/natural_person",
    "applications/not_disclosed.enforcement_files/other_org",
    "applications/not_disclosed.enforcement_files/research_institution",
    "applications/not_disclosed.enforcement_files/social_welfare_org",
    "applications/not_disclosed.enforcement_files/total",
    "applications/not_disclosed.internal_affairs/commercial_enterprise",
    "applications/not_disclosed.internal_affairs/legal_service_org",
    "applications/not_disclosed.internal_affairs/natural_person",
    "applications/not_disclosed.internal_affairs/other_org",
    "applications/not_disclosed.internal_affairs/research_institution",
    "applications/not_disclosed.internal_affairs/social_welfare_org",
    "applications/not_disclosed.internal_affairs/total",
    "applications/not_disclosed.process_information/commercial_enterprise",
    "applications/not_disclosed.process_information/legal_service_org",
    "applications/not_disclosed.process_information/natural_person",
    "applications/not_disclosed.process_information/other_org",
    "applications/not_disclosed.process_information/research_institution",
    "applications/not_disclosed.process_information/social_welfare_org",
    "applications/not_disclosed.process_information/total",
    "applications/not_disclosed.prohibited_by_law/commercial_enterprise",
    "applications/not_disclosed.prohibited_by_law/legal_service_org",
    "applications/not_disclosed.prohibited_by_law/natural_person",
    "applications/not_disclosed.prohibited_by_law/other_org",
    "applications/not_disclosed.prohibited_by_law/research_institution",
    "applications/not_disclosed.prohibited_by_law/social_welfare_org",
    "applications/not_disclosed.prohibited_by_law/total",
    "applications/not_disclosed.security_stability/commercial_enterprise",
    "applications/not_disclosed.security_stability/legal_service_org",
    "applications/not_disclosed.security_stability/natural_person",
    "applications/not_disclosed.security_stability/other_org",
    "applications/not_disclosed.security_stability/research_institution",
    "applications/not_disclosed.security_stability/social_welfare_org",
    "applications/not_disclosed.security_stability/total",
    "applications/not_disclosed.state_secret/commercial_enterprise",
    "applications/not_disclosed.state_secret/legal_service_org",
    "applications/not_disclosed.state_secret/natural_person",
    "applications/not_disclosed.state_secret/other_org",
    "applications/not_disclosed.state_secret/research_institution",
    "applications/not_disclosed.state_secret/social_welfare_org",
    "applications/not_disclosed.state_secret/total",
    "applications/not_disclosed.third_party_rights/commercial_enterprise",
    "applications/not_disclosed.third_party_rights/legal_service_org",
    "applications/not_disclosed.third_party_rights/natural_person",
    "applications/not_disclosed.third_party_rights/other_org",
    "applications/not_disclosed.third_party_rights/research_institution",
    "applications/not_disclosed.third_party_rights/social_welfare_org",
    "applications/not_disclosed.third_party_rights/total",
    "applications/not_processed.complaint/commercial_enterprise",
    "applications/not_processed.complaint/legal_service_org",
    "applications/not_processed.complaint/natural_person",
    "applications/not_processed.complaint/other_org",
    "applications/not_processed.complaint/research_institution",
    "applications/not_processed.complaint/social_welfare_org",
    "applications/not_processed.complaint/total",
    "applications/not_processed.confirm_or_reissue/commercial_enterprise",
    "applications/not_processed.confirm_or_reissue/legal_service_org",
    "applications/not_processed.confirm_or_reissue/natural_person",
    "applications/not_processed.confirm_or_reissue/other_org",
    "applications/not_processed.confirm_or_reissue/research_institution",
    "applications/not_processed.confirm_or_reissue/social_welfare_org",
    "applications/not_processed.confirm_or_reissue/total",
    "applications/not_processed.duplicate/commercial_enterprise",
    "applications/not_processed.duplicate/legal_service_org",
    "applications/not_processed.duplicate/natural_person",
    "applications/not_processed.duplicate/other_org",
    "applications/not_processed.duplicate/research_institution",
    "applications/not_processed.duplicate/social_welfare_org",
    "applications/not_processed.duplicate/total",
    "applications/not_processed.excessive/commercial_enterprise",
    "applications/not_processed.excessive/legal_service_org",
    "applications/not_processed.excessive/natural_person",
    "applications/not_processed.excessive/other_org",
    "applications/not_processed.excessive/research_institution",
    "applications/not_processed.excessive/social_welfare_org",
    "applications/not_processed.excessive/total",
    "applications/not_processed.publication/commercial_enterprise",
    "applications/not_processed.publication/legal_service_org",
    "applications/not_processed.publication/natural_person",
    "applications/not_processed.publication/other_org",
    "applications/not_processed.publication/research_institution",
    "applications/not_processed.publication/social_welfare_org",
    "applications/not_processed.publication/total",
    "applications/other.fee_unpaid/commercial_enterprise",
    "applications/other.fee_unpaid/legal_service_org",
    "applications/other.fee_unpaid/natural_person",
    "applications/other.fee_unpaid/other_org",
    "applications/other.fee_unpaid/research_institution",
    "applications/other.fee_unpaid/social_welfare_org",
    "applications/other.fee_unpaid/total",
    "applications/other.no_correction/commercial_enterprise",
    "applications/other.no_correction/legal_service_org",
    "applications/other.no_correction/natural_person",
    "applications/other.no_correction/other_org",
    "applications/other.no_correction/research_institution",
    "applications/other.no_correction/social_welfare_org",
    "applications/other.no_correction/total",
    "applications/other.other/commercial_enterprise",
    "applications/other.other/legal_service_org",
    "applications/other.other/natural_person",
    "applications/other.other/other_org",
    "applications/other.other/research_institution",
    "applications/other.other/social_welfare_org",
    "applications/other.other/total",
    "applications/other/commercial_enterprise",
    "applications/other/legal_service_org",
    "applications/other/natural_person",
    "applications/other/other_org",
    "applications/other/research_institution",
    "applications/other/social_welfare_org",
    "applications/other/total",
    "applications/partially_disclosed/commercial_enterprise",
    "applications/partially_disclosed/legal_service_org",
    "applications/partially_disclosed/natural_person",
    "applications/partially_disclosed/other_org",
    "applications/partially_disclosed/research_institution",
    "applications/partially_disclosed/social_welfare_org",
    "applications/partially_disclosed/total",
    "applications/total/commercial_enterprise",
    "applications/total/legal_service_org",
    "applications/total/natural_person",
    "applications/total/other_org",
    "applications/total/research_institution",
    "applications/total/social_welfare_org",
    "applications/total/total",
    "applications/unable.needs_creation/commercial_enterprise",
    "applications/unable.needs_creation/legal_service_org",
    "applications/unable.needs_creation/natural_person",
    "applications/unable.needs_creation/other_org",
    "applications/unable.needs_creation/research_institution",
    "applications/unable.needs_creation/social_welfare_org",
    "applications/unable.needs_creation/total",
    "applications/unable.not_held/commercial_enterprise",
    "applications/unable.not_held/legal_service_org",
    "applications/unable.not_held/natural_person",
    "applications/unable.not_held/other_org",
    "applications/unable.not_held/research_institution",
    "applications/unable.not_held/social_welfare_org",
    "applications/unable.not_held/total",
    "applications/unable.unclear_after_correction/commercial_enterprise",
    "applications/unable.unclear_after_correction/legal_service_org",
    "applications/unable.unclear_after_correction/natural_person",
    "applications/unable.unclear_after_correction/other_org",
    "applications/unable.unclear_after_correction/research_institution",
    "applications/unable.unclear_after_correction/social_welfare_org",
    "applications/unable.unclear_after_correction/total",
    "review_litigation/litigation_after_reconsideration/corrected",
    "review_litigation/litigation_after_reconsideration/other",
    "review_litigation/litigation_after_reconsideration/pending",
    "review_litigation/litigation_after_reconsideration/total",
    "review_litigation/litigation_after_reconsideration/upheld",
    "review_litigation/litigation_direct/corrected",
    "review_litigation/litigation_direct/other",
    "review_litigation/litigation_direct/pending",
    "review_litigation/litigation_direct/total",
    "review_litigation/litigation_direct/upheld",
    "review_litigation/reconsideration/corrected",
    "review_litigation/reconsideration/other",
    "review_litigation/reconsideration/pending",
    "review_litigation/reconsideration/total",
    "review_litigation/reconsideration/upheld",
)

KEY_OF: dict[str, int] = {cell_id: n for n, cell_id in enumerate(CELL_IDS, start=1)}
NO_SUCH_KEY = 0  # what an unknown cell id becomes in a query: it matches no row


def cell_id_of(key: int) -> str:
    """The cell id of a ``cells.cell_key`` (``cell_key:N`` for a key this nianbao does not know)."""
    return CELL_IDS[key - 1] if 0 < key <= len(CELL_IDS) else f"cell_key:{key}"


class UnknownCellId(ValueError):
    def __init__(self, cell_id: object) -> None:
        super().__init__(f"not a cell of the 2021 or 2019 template: {cell_id!r}")
        self.cell_id = cell_id


def check_cell_ids(cell_ids: Any) -> None:
    """Refuse a record whose tables hold a cell no template has (before anything is written)."""
    unknown = [c for c in cell_ids if c not in KEY_OF]
    if unknown:
        raise UnknownCellId(unknown[0] if len(unknown) == 1 else unknown)


class CellKey(TypeDecorator[str]):
    """A cell id in Python, its SMALLINT key in the database.

    An unknown id compares as key 0, which no row has (rows are checked with :func:`check_cell_ids`
    before they are written, and the table refuses keys below 1).
    """

    impl = SmallInteger
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return KEY_OF.get(value, NO_SUCH_KEY)

    def process_result_value(self, value: int | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cell_id_of(value)


# The cells that region lists and rankings read for every report of a region or a year: each report
# version keeps their values on its own row too (``reports.figures``, by cell key, written by
# storage.records.figures_of), so those pages read one row per report instead of looking up cells one
# key at a time.  A figure added here needs a migration filling it in for the reports already archived.
FIGURE_CELLS: tuple[str, ...] = (
    "applications/carried_over/total",
    "applications/carried_to_next_year/total",
    "applications/disclosed/total",
    "applications/new_received/total",
    "applications/not_disclosed.administrative_query/total",
    "applications/not_disclosed.enforcement_files/total",
    "applications/not_disclosed.internal_affairs/total",
    "applications/not_disclosed.process_information/total",
    "applications/not_disclosed.prohibited_by_law/total",
    "applications/not_disclosed.security_stability/total",
    "applications/not_disclosed.state_secret/total",
    "applications/not_disclosed.third_party_rights/total",
    "applications/total/total",
    "applications/unable.not_held/total",
    "review_litigation/litigation_after_reconsideration/corrected",
    "review_litigation/litigation_after_reconsideration/total",
    "review_litigation/litigation_direct/corrected",
    "review_litigation/litigation_direct/total",
    "review_litigation/reconsideration/corrected",
    "review_litigation/reconsideration/total",
)
FIGURE_KEYS: dict[str, str] = {cell_id: str(KEY_OF[cell_id]) for cell_id in FIGURE_CELLS}  # cell id -> JSON key

