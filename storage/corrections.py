"""Auditors' corrections of cells: the archive's only write from the web/API, behind a token.

A correction is a separate, attributed record (who, why, the new value, when); the extracted
cell is never changed, and both are shown.  Recording one needs the token set in
``NIANBAO_CORRECTION_TOKEN`` (``settings.correction_token``); without a configured token,
corrections are refused outright.
"""

from __future__ import annotations

import hmac
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from nianbao.errors import UserError
from nianbao.settings import Settings
from storage.archive import Archive
from storage.models import Cell, Correction, Report
from storage.queries import NotFound, check_cell_id, correction_row

MAX_AUTHOR = 100
MAX_REASON = 2000


class CorrectionRefused(UserError):
    """No token, or the wrong one (401/403 on the web)."""


def token_allows(settings: Settings, token: str | None) -> bool:
    """True when corrections are enabled and ``token`` equals the configured one (constant time)."""
    expected = settings.correction_token
    if not expected or not token:
        return False
    return hmac.compare_digest(expected.encode(), token.encode())


def parse_value(value: Any) -> Decimal | None:
    """A corrected value: a number, or None / "" for a blank cell; anything else is refused."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "/", "-", "无")):
        return None
    if isinstance(value, bool):
        raise UserError("a corrected value is a number or blank")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise UserError(f"a corrected value is a number or blank, not {str(value)[:40]!r}") from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        raise UserError("a corrected value must be a finite number below 10^15")
    return number


def record_correction(
    archive: Archive,
    *,
    token: str | None,
    report_id: int,
    cell_id: str,
    value: Any,
    author: str,
    reason: str,
) -> dict[str, Any]:
    """Store one correction (checked token, existing report and cell); returns it as a dict."""
    if not archive.settings.correction_token:
        raise CorrectionRefused("corrections are disabled: the operator has not set NIANBAO_CORRECTION_TOKEN")
    if not token_allows(archive.settings, token):
        raise CorrectionRefused("a valid correction token is required")
    check_cell_id(cell_id)
    author, reason = (author or "").strip(), (reason or "").strip()
    if not author or len(author) > MAX_AUTHOR:
        raise UserError(f"a correction needs who made it (1-{MAX_AUTHOR} characters)")
    if not reason or len(reason) > MAX_REASON:
        raise UserError(f"a correction needs a reason (1-{MAX_REASON} characters)")
    number = parse_value(value)
    with archive.session() as s:
        if s.get(Report, report_id) is None:
            raise NotFound(f"no report with id {report_id}")
        if s.scalar(select(Cell.cell_id).where(Cell.report_id == report_id, Cell.cell_id == cell_id)) is None:
            raise NotFound(f"report {report_id} has no cell {cell_id}")
        correction = Correction(report_id=report_id, cell_id=cell_id, value=number, author=author, reason=reason)
        s.add(correction)
        s.flush()
        s.refresh(correction)  # the stored values, as every later read returns them
        return correction_row(correction)


def corrections_of(archive: Archive, report_id: int) -> list[dict[str, Any]]:
    with archive.session() as s:
        rows = s.scalars(select(Correction).where(Correction.report_id == report_id).order_by(Correction.id))
        return [correction_row(c) for c in rows]
