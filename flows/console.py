"""Running a flow from a ``nianbao`` command: Prefect's environment, progress, the coverage table.

:func:`prepare_prefect` must run before Prefect is imported: it turns analytics off, quiets
Prefect's own logging (``--verbose`` brings it back) and gives the ephemeral server time to
start on a slow machine.  With ``PREFECT_API_URL`` set, flows run against that server;
without it, Prefect starts a temporary local one (ephemeral mode).

:class:`ProgressDisplay` listens to :mod:`flows.progress`: a progress bar per portal on a
terminal, plain lines otherwise (logs, CI, pipes).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

import click


def prepare_prefect(verbose: bool = False) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if not os.environ.get("PREFECT_API_URL", "").lower().startswith("https:"):
        # Plain HTTP (the ephemeral server on 127.0.0.1, or an operator's http:// URL) has no certificate
        # to verify; without this, Prefect parses the whole CA bundle for every API client it creates,
        # about once per task run: ~10 ms of CPU each, the largest part of the flows' orchestration cost.
        os.environ.setdefault("PREFECT_API_TLS_INSECURE_SKIP_VERIFY", "true")
    if verbose:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
    else:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")


def where_prefect_runs() -> str:
    url = os.environ.get("PREFECT_API_URL")
    return f"Prefect server {url}" if url else "a temporary local Prefect server (ephemeral mode)"


class ProgressDisplay:
    """Shows flow progress events: rich bars on a TTY, one plain line per event otherwise."""

    def __init__(self, out: TextIO | None = None, tty: bool | None = None) -> None:
        self.out = out or sys.stderr
        self.tty = self.out.isatty() if tty is None else tty
        self.statuses: dict[str, Counter[str]] = {}
        self._bars: Any = None
        self._bar_ids: dict[str, Any] = {}

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        handler = getattr(self, f"on_{event}", None)
        if handler is not None:
            handler(**data)

    # plain lines or bars ------------------------------------------------------------------
    def _line(self, text: str) -> None:
        if self._bars is not None:
            self._bars.console.print(text, markup=False, highlight=False)
        else:
            click.echo(text, file=self.out)

    def _bar(self, portal: str) -> Any:
        if self._bars is None:
            return None
        if portal not in self._bar_ids:
            self._bar_ids[portal] = self._bars.add_task(portal, total=None, status="crawling")
        return self._bar_ids[portal]

    def on_run_started(self, run_id: int, **data: Any) -> None:
        portals = data.get("portals")
        what = f"{len(portals)} portal(s)" if portals is not None else (
            f"{data['reports']} report(s)" if "reports" in data else
            f"{data.get('blobs', 0)} blobs, {data.get('warc_records', 0)} WARC records")
        year = f" for {data['year']}" if data.get("year") else ""
        self._line(f"run {run_id}: {what}{year}")

    def on_portal_started(self, portal: str) -> None:
        if self._bar(portal) is None:
            self._line(f"{portal}: crawling")

    def on_portal_crawled(self, portal: str, outcome: str, documents: int, error: str | None) -> None:
        bar = self._bar(portal)
        self.statuses.setdefault(portal, Counter())
        if bar is not None:
            self._bars.update(bar, total=max(documents, 1) if documents else 1,
                              completed=0 if documents else 1,
                              status=f"{outcome}, {documents} document(s)" + (f": {error[:60]}" if error else ""))
        else:
            self._line(f"{portal}: crawl {outcome}, {documents} document(s)" + (f" ({error})" if error else ""))

    def on_document_done(self, portal: str, status: str) -> None:
        counts = self.statuses.setdefault(portal, Counter())
        counts[status] += 1
        bar = self._bar(portal)
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        if bar is not None:
            self._bars.update(bar, advance=1, status=summary)
        else:
            self._line(f"{portal}: document {status} ({summary})")

    def on_checked(self, kind: str, count: int) -> None:
        bar = self._bar(kind)
        if bar is not None:
            self._bars.update(bar, advance=count, status="checking")
        else:
            self._line(f"fixity: {count} {kind} record(s) checked")

    @contextmanager
    def shown(self) -> Iterator[ProgressDisplay]:
        from flows import progress

        if self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            console = Console(file=self.out)
            self._bars = Progress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[status]}"), console=console, transient=False)
            self._bars.start()
        try:
            with progress.listening(self):
                yield self
        finally:
            if self._bars is not None:
                self._bars.stop()
                self._bars = None


COVERAGE_COLUMNS = ("unit", "region_code", "portal", "state", "published", "report_id", "detail")


def print_coverage(result: dict[str, Any], fmt: str = "table") -> None:
    """The coverage table of a harvest/recrawl result, then the totals."""
    from nianbao.output import emit

    rows: Sequence[dict[str, Any]] = result["coverage"]
    if fmt != "table":
        emit(rows, fmt, columns=COVERAGE_COLUMNS)
        return
    emit(rows, "table", columns=COVERAGE_COLUMNS, title=f"\ncoverage {result['year']} (run {result['run_id']}):")
    totals = ", ".join(f"{k} {v}" for k, v in result["counts"]["coverage"].items())
    docs = ", ".join(f"{k} {v}" for k, v in sorted(result["counts"]["documents"].items())) or "none"
    click.echo(f"\n{totals}\ndocuments: {docs}")
    for err in result["counts"].get("errors") or []:
        click.echo(f"error: {err}", err=True)
