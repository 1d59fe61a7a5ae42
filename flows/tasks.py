"""The Prefect tasks every flow shares: crawl one portal, ingest one document, run bookkeeping.

Retries go where retrying helps and nowhere else:

- :func:`crawl_portal` retries a portal that could not be reached or whose crawl process
  failed (network trouble passes); a *blocked* portal (412/521/captcha) is never retried.
- :func:`ingest_one` retries a document when the database is busy (locked SQLite, a
  PostgreSQL serialization failure or lost connection); an unreadable file is an outcome
  (``parse_error``), not an exception, so it is never retried.

Documents are ingested in batches (:func:`ingest_batch_task`, up to :data:`INGEST_BATCH_SIZE`
documents of one portal per task run), each document with its own outcome.

Idempotency: batch results are cached under the archive, keyed by the parser version and every
document's sha256, unit and year (:func:`ingest_cache_key`), so re-running a harvest skips every
batch already read by this parser; :func:`nianbao.ingest.ingest_document` skips each document
already archived on its own, so a lost cache or a batch cut short costs time, never correctness.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from prefect import task
from prefect.cache_policies import NONE as NO_CACHE
from prefect.context import TaskRunContext
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError

from flows import progress
from nianbao.settings import Settings, get_settings
from storage.archive import Archive
from storage.models import CrawlRun

# crawl retries: a few minutes apart (a portal that is down now is often up again soon)
CRAWL_RETRY_DELAYS: list[float] = [60, 300]
INGEST_RETRY_DELAYS: list[float] = [1, 5, 15]
# documents per ingest task run: few task runs, yet a portal's documents spread over the workers
INGEST_BATCH_SIZE = 10
INGEST_WORKERS = 8  # threads of the harvest flow's task runner (ingest batches)
ENV_PASSED_TO_CRAWLS = (
    "NIANBAO_HOME", "NIANBAO_DATABASE_URL", "NIANBAO_BLOB_STORE", "NIANBAO_WARC_DIR",
    "NIANBAO_PORTALS_DIR", "NIANBAO_USER_AGENT", "NIANBAO_CONTACT_URL",
)

_archives: dict[tuple[str, str], Archive] = {}
_archives_lock = threading.Lock()


def thread_pool(max_workers: int) -> Any:
    """The task runner of nianbao's flows: tasks in threads of the flow's process (crawls are
    subprocesses anyway; parsing releases the GIL in pdfium/lxml for much of its time)."""
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=max_workers)


def open_archive(settings: Settings | None = None) -> Archive:
    """One :class:`Archive` per database and blob store in this process (tasks share it)."""
    settings = settings or get_settings()
    key = (settings.database_url, settings.blob_store)
    with _archives_lock:
        archive = _archives.get(key)
        if archive is None:
            archive = _archives[key] = Archive.open(settings)
        return archive


def archive_identity(settings: Settings | None = None) -> str:
    """A short stable name of the archive (database + blob store) for cache keys."""
    settings = settings or get_settings()
    return hashlib.sha256(f"{settings.database_url}\n{settings.blob_store}".encode()).hexdigest()[:16]


def results_dir(settings: Settings | None = None) -> Path:
    """Where this archive's task results and cache records live (next to the archive's data)."""
    settings = settings or get_settings()
    return settings.home / "prefect-results" / archive_identity(settings)


def crawl_env(settings: Settings) -> dict[str, str]:
    """The environment a crawl subprocess needs to write into this archive (set explicitly)."""
    env = {k: os.environ[k] for k in ENV_PASSED_TO_CRAWLS if k in os.environ}
    env.update(
        NIANBAO_HOME=str(settings.home),
        NIANBAO_DATABASE_URL=settings.database_url,
        NIANBAO_BLOB_STORE=settings.blob_store,
        NIANBAO_WARC_DIR=str(settings.warc_dir),
    )
    return env


# --------------------------------------------------------------------------- crawl


class TransientCrawlError(Exception):
    """The portal could not be reached or its crawl process failed: worth another try."""

    def __init__(self, portal_id: str, outcome: str, message: str, summary: dict[str, Any]) -> None:
        super().__init__(f"{portal_id}: {outcome}: {message}")
        self.portal_id, self.outcome, self.message, self.summary = portal_id, outcome, message, summary


@dataclass
class CrawlReport:
    """What one portal's crawl brought back (a task result: picklable, small)."""

    portal: str
    outcome: str  # ok | blocked | unreachable | failed
    error: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    return isinstance(state.data, TransientCrawlError)


def _summary_error(summary: dict[str, Any]) -> str:
    cls, msg = summary.get("error_class"), summary.get("error_message")
    if cls and msg and str(cls) in str(msg):
        return str(msg)
    return ": ".join(str(p) for p in (cls, msg) if p) or str(summary.get("outcome", "failed"))


@task(
    name="crawl portal",
    task_run_name="crawl {portal_id} {year}",
    retries=len(CRAWL_RETRY_DELAYS),
    retry_delay_seconds=CRAWL_RETRY_DELAYS,
    retry_condition_fn=_retry_transient,
    cache_policy=NO_CACHE,
)
def crawl_portal(
    portal_id: str, year: int, force: bool = False, timeout: float | None = None, run_id: int | None = None,
    fast: bool = False,
) -> CrawlReport:
    """Crawl one portal in its own process; the documents land in the archive's blob store.

    ``fast`` drops the politeness delays: for the local demo portal and benchmarks only.
    """
    from spiders.run import crawl_in_subprocess

    settings = get_settings()
    progress.emit("portal_started", portal=portal_id)
    out_dir = settings.home / "crawls" / (f"run-{run_id}" if run_id else "adhoc")
    result = crawl_in_subprocess(
        portal_id, year, force=force, output_dir=out_dir, settings_env=crawl_env(settings),
        timeout=timeout, run_id=run_id, fast=fast,
    )
    summary = dict(result.summary or {})
    outcome = summary.get("outcome") or ("ok" if result.returncode == 0 else "failed")
    if outcome in ("unreachable", "failed"):
        raise TransientCrawlError(portal_id, outcome, _summary_error(summary), summary)
    error = None if outcome == "ok" else _summary_error(summary)
    items = [i for i in result.items if i.get("year") in (None, year)]
    return CrawlReport(portal_id, outcome, error, items, summary)


# --------------------------------------------------------------------------- ingest


def is_database_busy(exc: BaseException | None) -> bool:
    """A database error worth another try: "database is locked", connection lost, server restarting."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


_T = TypeVar("_T")


def retry_while_database_busy(attempt: Callable[[], _T]) -> _T:
    """``attempt()``, tried again after each of :data:`INGEST_RETRY_DELAYS` while the database is busy;
    any other exception, or a busy database after the last delay, is raised."""
    for delay in INGEST_RETRY_DELAYS:
        try:
            return attempt()
        except Exception as exc:
            if not is_database_busy(exc):
                raise
            time.sleep(delay)
    return attempt()


@dataclass(frozen=True)
class IngestResult:
    portal: str | None
    status: str  # inserted | unchanged | new_version | parse_error | missing_blob | error
    report_id: int | None
    version: int | None
    unit_id: int | None
    year: int | None
    sha256: str
    error: str | None = None  # the parse error class, or for ``error`` the exception
    checks_failed: int = 0


def ingest_batches(documents: list[dict[str, Any]], size: int = INGEST_BATCH_SIZE) -> list[list[dict[str, Any]]]:
    """A portal's documents in batches of at most ``size``, in crawl order (one task run each)."""
    return [documents[i:i + size] for i in range(0, len(documents), size)]


def _document_key(doc: dict[str, Any], year: int | None) -> str | None:
    if not doc.get("sha256"):
        return None
    unit = doc.get("unit_id") or f"{doc.get('unit')}@{doc.get('region_code') or ''}"
    return f"{doc['sha256']}|{unit}|{doc.get('year') or year}"


def ingest_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str | None:
    """The archive, the parser version and every document of the batch (sha256, unit, year)."""
    import parsers

    keys = [_document_key(d, parameters.get("year")) for d in parameters["documents"]]
    if not keys or None in keys:
        return None
    raw = "\n".join([archive_identity(), parsers.PARSER_VERSION, *sorted(k for k in keys if k)])
    return "nianbao-ingest-" + hashlib.sha256(raw.encode()).hexdigest()


def _fetched_at(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def ingest_one(archive: Archive, document: dict[str, Any], year: int | None, run_id: int | None) -> IngestResult:
    """Parse -> validate -> archive one stored document (:func:`nianbao.ingest.ingest_document`).

    Retried after :data:`INGEST_RETRY_DELAYS` while the database is busy; any other failure is
    this document's ``error`` outcome, so the rest of its batch goes on.
    """
    from nianbao.ingest import ingest_document
    from storage.blobs import BlobNotFound

    sha = document["sha256"]
    portal = document.get("portal")
    try:
        data = archive.read_blob(sha)
    except BlobNotFound:
        return IngestResult(portal, "missing_blob", None, None, None, year, sha, "blob not in the store")
    try:
        outcome = retry_while_database_busy(lambda: ingest_document(
            archive, data=data, unit=document.get("unit_id") or document["unit"],
            year=document.get("year") or year, region_code=document.get("region_code"), portal_id=portal,
            url=document.get("url"), document_url=document.get("document_url"),
            fetched_at=_fetched_at(document.get("fetched_at")), title=document.get("title"),
            published_hint=document.get("published"), fetch_id=document.get("fetch_id"), run_id=run_id,
            media_type=document.get("media_type"),
        ))
    except Exception as exc:
        return IngestResult(portal, "error", None, None, None, year, sha, f"{type(exc).__name__}: {exc}"[:500])
    return IngestResult(portal, outcome.status, outcome.report_id, outcome.version, outcome.unit_id,
                        outcome.year, sha, outcome.error, outcome.checks_failed)


@task(
    name="ingest documents",
    task_run_name="ingest {portal} batch {batch}",
    cache_key_fn=ingest_cache_key,
    persist_result=True,
)
def ingest_batch_task(
    documents: list[dict[str, Any]], year: int | None, run_id: int | None = None, portal: str = "", batch: int = 0,
) -> list[IngestResult]:
    """Ingest a batch of one portal's documents (:func:`ingest_one` each, reporting progress per document).

    One task run per batch, not per document: Prefect's cost per task run (state changes, events,
    a persisted result) would otherwise be a large share of a harvest.  Retries are per document
    (:func:`ingest_one`), so a busy database never makes a whole batch run again.
    """
    archive = open_archive()
    results = []
    for document in documents:
        result = ingest_one(archive, document, year, run_id)
        progress.emit("document_done", portal=document.get("portal") or portal, status=result.status)
        results.append(result)
    return results


# --------------------------------------------------------------------------- runs


def run_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's run: not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_run(archive: Archive, flow: str, parameters: dict[str, Any], started_by: str | None = None) -> int:
    """Record a run; runs of this machine whose process died mid-way are marked ``interrupted``."""
    with archive.session() as s:
        for run in s.scalars(select(CrawlRun).where(CrawlRun.outcome == "running")):
            owner = str((run.counts or {}).get("owner", ""))
            if owner and not _alive(owner):
                run.outcome = "interrupted"
                run.ended_at = dt.datetime.now(dt.UTC)
    run_id = archive.start_run(flow, started_by or os.environ.get("USER", "nianbao"), parameters)
    try:
        from prefect.runtime import flow_run

        flow_run_id = flow_run.get_id()
    except Exception:  # not inside a flow run
        flow_run_id = None
    with archive.session() as s:
        new_run = s.get(CrawlRun, run_id)
        assert new_run is not None
        new_run.counts = {"owner": run_owner()}
        new_run.prefect_flow_run_id = str(flow_run_id) if flow_run_id else None
    return run_id


def result_dict(obj: Any) -> dict[str, Any]:
    return asdict(obj)
