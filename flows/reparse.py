"""Re-parse stored documents with the current parsers, without touching the web.

Every canonical report (of ``year``, or all) that was read by another parser version (or by
``parser_version`` exactly, when given; or every one with ``force``) is parsed again from its
stored blob.  A new version is recorded only where the output changed; the run ends with a
diff summary (cells changed/added/removed, checks gained/lost per report).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.context import TaskRunContext
from prefect.runtime import flow_run
from sqlalchemy import select

from flows import progress
from flows.tasks import (
    archive_identity,
    open_archive,
    results_dir,
    retry_while_database_busy,
    start_run,
    thread_pool,
)
from storage.archive import Archive
from storage.models import Report
from storage.records import flatten_tables


@dataclass
class ReparseResult:
    report_id: int
    unit: str
    year: int
    status: str  # unchanged | new_version | parse_error | error
    old_version: int
    new_version: int | None = None
    old_parser: str | None = None
    portal: str | None = None
    cells_changed: list[str] = field(default_factory=list)
    cells_added: list[str] = field(default_factory=list)
    cells_removed: list[str] = field(default_factory=list)
    checks_gained: list[str] = field(default_factory=list)
    checks_lost: list[str] = field(default_factory=list)
    error: str | None = None


def record_diff(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, list[str]]:
    """Which cells and check rules differ between two records (either may be missing)."""
    a = flatten_tables((old or {}).get("tables"))
    b = flatten_tables((new or {}).get("tables"))
    rules_a = sorted({c.get("rule", "?") for c in (old or {}).get("checks") or []})
    rules_b = sorted({c.get("rule", "?") for c in (new or {}).get("checks") or []})
    return {
        "cells_changed": sorted(k for k in a.keys() & b.keys() if a[k] != b[k]),
        "cells_added": sorted(b.keys() - a.keys()),
        "cells_removed": sorted(a.keys() - b.keys()),
        "checks_gained": [r for r in rules_b if r not in rules_a],
        "checks_lost": [r for r in rules_a if r not in rules_b],
    }


REPARSE_BATCH_SIZE = 25  # reports per task run: Prefect's cost per task run stays a small share


def reparse_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    """The archive, the parser version and the batch's report ids."""
    import parsers

    ids = ",".join(str(i) for i in sorted(parameters["report_ids"]))
    raw = f"{archive_identity()}|reparse|{parsers.PARSER_VERSION}|{ids}"
    return "nianbao-reparse-" + hashlib.sha256(raw.encode()).hexdigest()


def reparse_one(archive: Archive, report_id: int, run_id: int | None = None) -> ReparseResult:
    """Parse one archived report's blob again; archive a new version only if the record changed.

    Retried while the database is busy (:func:`flows.tasks.retry_while_database_busy`); any other
    failure is this report's ``error`` outcome, so the rest of its batch goes on.
    """
    from nianbao.ingest import IngestOutcome, ingest_document

    report = archive.get_report(report_id)
    result = ReparseResult(report_id, report.unit.name, report.year, "unchanged", report.version,
                           old_parser=report.parser_version, portal=report.portal_id)

    def attempt() -> tuple[dict[str, Any] | None, IngestOutcome]:
        old = None if report.parse_error else archive.report_record(
            report_id, with_source=False, with_provenance=False)
        return old, ingest_document(
            archive, data=archive.read_blob(report.blob_sha256), unit=report.unit_id, year=report.year,
            portal_id=report.portal_id, url=report.source_url, document_url=report.document_url,
            fetched_at=report.fetched_at, title=report.title,
            published_hint=report.published.isoformat() if report.published else None,
            fetch_id=report.fetch_id, run_id=run_id,
        )

    try:
        old, outcome = retry_while_database_busy(attempt)
    except Exception as exc:
        result.status, result.error = "error", f"{type(exc).__name__}: {exc}"[:500]
        return result
    result.error = outcome.error
    if outcome.status in ("new_version", "parse_error") and outcome.report_id not in (None, report_id):
        result.status, result.new_version = outcome.status, outcome.version
        new = None if outcome.error else archive.report_record(
            outcome.report_id, with_source=False, with_provenance=False)
        for key, values in record_diff(old, new).items():
            setattr(result, key, values)
    return result


@task(
    name="reparse reports",
    task_run_name="reparse batch {batch}",
    cache_key_fn=reparse_cache_key,
    persist_result=True,
)
def reparse_batch(report_ids: list[int], run_id: int | None = None, batch: int = 0) -> list[ReparseResult]:
    """:func:`reparse_one` for each report of a batch (one task run per batch, not per report)."""
    archive = open_archive()
    results = []
    for report_id in report_ids:
        result = reparse_one(archive, report_id, run_id)
        progress.emit("document_done", portal=result.portal or "archive", status=result.status)
        results.append(result)
    return results


def _run_name() -> str:
    year = flow_run.parameters.get("year")
    return f"reparse {year or 'all years'}"


def reports_to_reparse(year: int | None, parser_version: str | None, force: bool) -> list[int]:
    import parsers

    archive = open_archive()
    with archive.session() as s:
        query = select(Report.id, Report.parser_version).where(Report.is_canonical)
        if year is not None:
            query = query.where(Report.year == year)
        rows = s.execute(query.order_by(Report.id)).all()
    if parser_version:
        return [rid for rid, version in rows if version == parser_version]
    if force:
        return [rid for rid, _ in rows]
    return [rid for rid, version in rows if version != parsers.PARSER_VERSION]


def diff_summary(results: list[ReparseResult]) -> list[dict[str, Any]]:
    """One row per report that got a new version (for the terminal and the artifact)."""
    rows = []
    for r in results:
        if r.status == "unchanged":
            continue
        rows.append({
            "unit": r.unit, "year": r.year, "version": f"{r.old_version}->{r.new_version}",
            "status": r.status, "cells_changed": len(r.cells_changed), "cells_added": len(r.cells_added),
            "cells_removed": len(r.cells_removed),
            "checks": " ".join([*(f"+{c}" for c in r.checks_gained), *(f"-{c}" for c in r.checks_lost)]),
            "example": ", ".join((r.cells_changed or r.cells_added or r.cells_removed)[:3]),
        })
    return rows


@flow(name="reparse", flow_run_name=_run_name, task_runner=thread_pool(4),
      persist_result=False)
def reparse(year: int | None = None, parser_version: str | None = None, force: bool = False) -> dict[str, Any]:
    """Re-parse stored blobs with the current parsers (reports read by another parser version, or by
    ``parser_version``, or all with ``force``); record new versions only where the output changed."""
    import parsers

    archive = open_archive()
    run_id = start_run(archive, "reparse", {"year": year, "parser_version": parser_version, "force": force})
    ids = reports_to_reparse(year, parser_version, force)
    progress.emit("run_started", run_id=run_id, year=year, reports=len(ids))
    task_ = reparse_batch.with_options(result_storage=results_dir())
    batches = [ids[i:i + REPARSE_BATCH_SIZE] for i in range(0, len(ids), REPARSE_BATCH_SIZE)]
    futures = [(batch, task_.submit(batch, run_id=run_id, batch=n)) for n, batch in enumerate(batches)]
    results: list[ReparseResult] = []
    failed = 0
    for batch, fut in futures:
        fut.wait()
        if fut.state.is_completed():
            results.extend(fut.result())
        else:
            failed += len(batch)
    failed += sum(1 for r in results if r.status == "error")
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    rows = diff_summary(results)
    counts = {"reports": len(ids), "failed": failed, "parser_version": parsers.PARSER_VERSION, **statuses}
    title = (f"reparse {year or 'all years'} with parser {parsers.PARSER_VERSION}: {len(ids)} report(s), "
             f"{len(rows)} new version(s)")
    lines = [f"# {title}", "", "| unit | year | version | status | changed | added | removed | checks |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['unit']} | {r['year']} | {r['version']} | {r['status']} | {r['cells_changed']} | "
              f"{r['cells_added']} | {r['cells_removed']} | {r['checks']} |" for r in rows]
    create_markdown_artifact("\n".join(lines) + "\n", key="reparse-diff", description=title)
    archive.finish_run(run_id, "ok" if not failed else "partial", counts)
    return {"run_id": run_id, "counts": counts, "changes": rows, "results": [asdict(r) for r in results]}


__all__ = ["ReparseResult", "diff_summary", "record_diff", "reparse", "reparse_batch", "reparse_one"]
