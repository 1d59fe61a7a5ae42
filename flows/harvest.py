"""The yearly harvest: crawl every portal, ingest every new document, report coverage.

For each portal (at most ``concurrency`` crawls at once): crawl it in a subprocess
(:func:`flows.tasks.crawl_portal`), then for each document it found, parse → validate →
archive (:func:`flows.tasks.ingest_batch_task`: one task run per batch of a portal's documents,
each document with its own outcome; cached by the documents' sha256 and the parser version).  The run ends with the coverage report (:mod:`storage.coverage`), stored
under the run's ``crawl_runs`` row and published as the Prefect artifact ``coverage-<year>``.

Resumable: every step is idempotent (blobs are content-addressed, ``ingest_document`` skips
what is archived, the crawl is incremental), so a harvest killed at any moment and started
again loses nothing, duplicates nothing and finishes the rest.
"""

from __future__ import annotations

import datetime as dt
import functools
import queue
from collections import Counter
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.exceptions import TerminationSignal
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run

from flows import progress
from flows.scope import check_regions, register_portals, select_portals
from flows.tasks import (
    INGEST_WORKERS,
    CrawlReport,
    IngestResult,
    TransientCrawlError,
    crawl_portal,
    ingest_batch_task,
    ingest_batches,
    open_archive,
    results_dir,
    start_run,
    thread_pool,
)
from spiders.registry import Portal
from storage.archive import Archive
from storage.coverage import (
    PortalOutcome,
    compute_coverage,
    coverage_markdown,
    state_counts,
    store_coverage,
    units_in_scope,
)

TIME_ZONE = ZoneInfo("Asia/Shanghai")
CRAWL_TIMEOUT = 6 * 3600.0  # seconds; a crawl that hangs longer is killed and reported as failed


def previous_year() -> int:
    """Reports are published in the year after the one they cover (Beijing time)."""
    return dt.datetime.now(TIME_ZONE).year - 1


def _run_name() -> str:
    params = flow_run.parameters
    scope = ",".join([*(params.get("regions") or []), *(params.get("portals") or [])]) or "all"
    return f"{flow_run.flow_name} {params.get('year') or previous_year()} {scope}"


def _crawl_outcome(portal_id: str, future: PrefectFuture[CrawlReport]) -> CrawlReport:
    future.wait()
    state = future.state
    if state.is_completed():
        return future.result()
    exc = state.result(raise_on_failure=False)
    if isinstance(exc, TransientCrawlError):
        return CrawlReport(portal_id, exc.outcome, exc.message, [], exc.summary)
    return CrawlReport(portal_id, "failed", f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException)
                       else str(state.message))


def run_harvest(
    flow_name: str,
    year: int | None,
    regions: Sequence[str] | None,
    portals: Sequence[str] | None,
    *,
    force: bool = False,
    concurrency: int = 4,
    crawl_retries: int | None = None,
    crawl_timeout: float | None = CRAWL_TIMEOUT,
    fast: bool = False,
) -> dict[str, Any]:
    """The body of ``harvest`` and ``recrawl`` (``force`` re-downloads every document)."""
    from spiders.registry import load_registry

    year = year or previous_year()
    regions = check_regions(regions)
    portals = list(portals or [])
    archive = open_archive()
    chosen = select_portals(load_registry(), regions, portals)
    parameters = {"year": year, "regions": regions, "portals": portals, "force": force}
    run_id = start_run(archive, flow_name, parameters)
    try:
        return _harvest_run(archive, flow_name, run_id, year, regions, portals, chosen, force=force,
                            concurrency=concurrency, crawl_retries=crawl_retries, crawl_timeout=crawl_timeout,
                            fast=fast)
    except BaseException as exc:  # the run record says how it ended; the next run redoes the rest
        # stopped (Ctrl-C; SIGTERM, which Prefect turns into TerminationSignal inside a flow run) is
        # "interrupted", as a run found dead is
        outcome = "interrupted" if isinstance(exc, KeyboardInterrupt | TerminationSignal) else "failed"
        archive.finish_run(run_id, outcome, {"error": f"{type(exc).__name__}: {exc}"[:500]})
        raise


def _harvest_run(
    archive: Archive, flow_name: str, run_id: int, year: int, regions: list[str], portals: list[str],
    chosen: list[Portal], *, force: bool, concurrency: int, crawl_retries: int | None,
    crawl_timeout: float | None, fast: bool,
) -> dict[str, Any]:
    registry_units = register_portals(archive, chosen)
    progress.emit("run_started", run_id=run_id, year=year, portals=[p.id for p in chosen])

    crawl = crawl_portal if crawl_retries is None else crawl_portal.with_options(retries=crawl_retries)
    ingest_task = ingest_batch_task.with_options(result_storage=results_dir())
    crawls: dict[str, PrefectFuture[CrawlReport]] = {}
    finished: queue.Queue[str] = queue.Queue()  # portal ids, as their crawl futures complete
    outcomes: dict[str, PortalOutcome] = {}
    ingests: list[tuple[list[dict[str, Any]], PrefectFuture[list[IngestResult]]]] = []

    def batch_done(future: PrefectFuture[list[IngestResult]], portal_id: str, size: int) -> None:
        # a batch that ran reported each document itself; a cached or failed one did not.
        # wait() first: the future is done, and waiting keeps its final state, so reading ``state``
        # below asks nothing of the Prefect API (it would open a new API client for every batch)
        future.wait()
        if future.state.name == "Cached":
            status = "unchanged"
        elif future.state.is_completed():
            return
        else:
            status = "error"
        for _ in range(size):
            progress.emit("document_done", portal=portal_id, status=status)

    # crawls get a pool of their own (``concurrency`` portals at a time), so they never queue
    # behind the ingest tasks on the flow's task runner: crawling and parsing overlap
    with thread_pool(max(1, concurrency)) as crawl_runner:
        for portal in chosen:
            future = crawl_runner.submit(crawl, {"portal_id": portal.id, "year": year, "force": force,
                                                 "timeout": crawl_timeout, "run_id": run_id, "fast": fast})
            crawls[portal.id] = future
            future.add_done_callback(lambda _f, pid=portal.id: finished.put(pid))  # type: ignore[misc]
        while crawls:
            pid = finished.get()
            report = _crawl_outcome(pid, crawls.pop(pid))
            outcomes[pid] = PortalOutcome(pid, report.outcome, report.error, len(report.items))
            progress.emit("portal_crawled", portal=pid, outcome=report.outcome, documents=len(report.items),
                          error=report.error)
            for number, batch in enumerate(ingest_batches(report.items)):
                ingest = ingest_task.submit(batch, year, run_id, portal=pid, batch=number)
                ingest.add_done_callback(functools.partial(batch_done, portal_id=pid, size=len(batch)))
                ingests.append((batch, ingest))

    statuses: Counter[str] = Counter()
    errors = []
    for batch, done in ingests:
        done.wait()
        state = done.state
        if state.name == "Cached":
            statuses["unchanged"] += len(batch)
        elif state.is_completed():
            for result in done.result():
                statuses[result.status] += 1
                if result.status == "error":
                    errors.append(f"{result.sha256[:12]}: {result.error}")
        else:
            statuses["error"] += len(batch)
            errors.append(str(state.message))
    progress.emit("ingest_done", counts=dict(statuses))

    units = units_in_scope(archive, year, registry_units, regions=regions, portals=portals)
    rows = compute_coverage(archive, year, units, outcomes)
    store_coverage(archive, run_id, rows)
    title = f"{flow_name} {year}: coverage of {len(rows)} units on {len(chosen)} portals (run {run_id})"
    markdown = coverage_markdown(rows, title)
    create_markdown_artifact(markdown, key=f"coverage-{year}", description=title)

    portal_outcomes = Counter(o.outcome for o in outcomes.values())
    counts: dict[str, Any] = {
        "documents": dict(statuses),
        "portals": dict(portal_outcomes),
        "coverage": state_counts(rows),
        "errors": errors[:20],
    }
    outcome = "ok" if not errors and set(portal_outcomes) <= {"ok"} else "partial"
    archive.finish_run(run_id, outcome, counts)
    progress.emit("run_finished", run_id=run_id, outcome=outcome)
    return {
        "run_id": run_id,
        "year": year,
        "outcome": outcome,
        "counts": counts,
        "portals": {pid: o.__dict__ for pid, o in sorted(outcomes.items())},
        "coverage": [r.as_dict() for r in rows],
        "markdown": markdown,
    }


@flow(name="harvest", flow_run_name=_run_name, task_runner=thread_pool(INGEST_WORKERS),
      persist_result=False)
def harvest(
    year: int | None = None,
    regions: list[str] | None = None,
    portals: list[str] | None = None,
    concurrency: int = 4,
    crawl_retries: int | None = None,
    crawl_timeout: float | None = CRAWL_TIMEOUT,
    fast: bool = False,
) -> dict[str, Any]:
    """Harvest the reports of ``year`` (default: last year) from every portal of the registry,
    or those of ``regions`` (行政区划代码) / ``portals`` (registry ids); end with the coverage report."""
    return run_harvest("harvest", year, regions, portals, concurrency=concurrency,
                       crawl_retries=crawl_retries, crawl_timeout=crawl_timeout, fast=fast)
