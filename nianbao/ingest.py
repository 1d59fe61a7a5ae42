"""Parse -> validate -> archive one report document: the step every path shares.

``nianbao archive FILE``, ``nianbao crawl`` and the Prefect harvest all call
:func:`ingest_document`, so a document is read, checked and stored the same way wherever
it came from.  Work already done is skipped: when the canonical report of the unit and year
has the same bytes and was read by the same parser version, nothing is parsed again.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from dataclasses import dataclass
from typing import Any

from nianbao.errors import UserError
from storage.archive import Archive
from storage.blobs import sha256_hex

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "text": "text/plain",
    "image": "image/png",
}


@dataclass(frozen=True)
class IngestOutcome:
    status: str  # inserted | unchanged | new_version | parse_error
    report_id: int | None
    version: int | None
    unit_id: int
    year: int | None
    sha256: str
    error: str | None = None  # parse error class
    message: str | None = None
    checks_failed: int = 0


def ingest_document(
    archive: Archive,
    *,
    data: bytes,
    unit: str | int,
    year: int | None,
    region_code: str | None = None,
    portal_id: str | None = None,
    url: str | None = None,
    document_url: str | None = None,
    fetched_at: dt.datetime | None = None,
    title: str | None = None,
    published_hint: str | None = None,
    fetch_id: int | None = None,
    run_id: int | None = None,
    media_type: str | None = None,
    fmt: str = "auto",
    force: bool = False,
) -> IngestOutcome:
    """Archive one found report document, parsed and checked; idempotent."""
    import parsers
    from parsers.validate import validate

    unit_id = unit if isinstance(unit, int) else archive.ensure_unit(unit, region_code=region_code, portal_id=portal_id)
    sha = sha256_hex(data)
    if year is not None and not force:
        current = archive.canonical_report(unit_id, year)
        if (
            current is not None
            and current.blob_sha256 == sha
            and current.parser_version == parsers.PARSER_VERSION
        ):
            return IngestOutcome("unchanged", current.id, current.version, unit_id, year, sha,
                                 current.parse_error, current.parse_message, current.checks_failed)

    record: dict[str, Any] | None = None
    error = message = text = form = None
    try:
        result = parsers.parse_bytes(data, fmt=fmt, filename=document_url)
        record, text, form = result.record, result.text, result.form
    except parsers.ParseError as exc:
        error, message = exc.error, exc.message

    if record is not None:
        year = record.get("year") or year
    if year is None:
        raise UserError(f"cannot tell the report year of {document_url or url or sha[:12]}: give it with --year")
    if record is not None:
        previous = archive.previous_year_record(unit_id, int(year))
        record["checks"] = validate(record, previous=previous, text=text)

    outcome = archive.archive_report(
        unit_id=unit_id,
        year=int(year),
        data=data,
        media_type=media_type or MEDIA_TYPES.get(form or "") or _guess_type(document_url),
        record=record,
        parser_name=parsers.PARSER_NAME,
        parser_version=parsers.PARSER_VERSION,
        text=text,
        form=form,
        parse_error=error,
        parse_message=message,
        title=title,
        portal_id=portal_id,
        source_url=url,
        document_url=document_url or url,
        fetch_id=fetch_id,
        fetched_at=fetched_at,
        run_id=run_id,
        published=published_hint,
    )
    status = "parse_error" if error and outcome.status != "unchanged" else outcome.status
    return IngestOutcome(
        status, outcome.report_id, outcome.version, unit_id, int(year), sha, error, message,
        len(record["checks"]) if record else 0,
    )


def _guess_type(name: str | None) -> str | None:
    return mimetypes.guess_type(name)[0] if name else None
