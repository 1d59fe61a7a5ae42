"""Re-crawl one region or one portal, forcing every document to be downloaded again.

A document whose bytes changed on the portal becomes a new version of its report (the old
one stays queryable); a document whose bytes did not change is left alone.  The run ends
with the same coverage report as a harvest, for the units of that region or portal.
"""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.runtime import flow_run

from flows.harvest import previous_year, run_harvest
from flows.tasks import INGEST_WORKERS, thread_pool
from nianbao.errors import UserError


def _run_name() -> str:
    p = flow_run.parameters
    return f"recrawl {p.get('region') or p.get('portal')} {p.get('year') or previous_year()}"


@flow(name="recrawl", flow_run_name=_run_name, task_runner=thread_pool(INGEST_WORKERS),
      persist_result=False)
def recrawl(
    region: str | None = None,
    portal: str | None = None,
    year: int | None = None,
    concurrency: int = 4,
    crawl_retries: int | None = None,
    fast: bool = False,
) -> dict[str, Any]:
    """Re-crawl the portals of one region (行政区划代码) or one portal for ``year``, re-downloading."""
    if not region and not portal:
        raise UserError("recrawl needs a region (行政区划代码) or a portal id")
    return run_harvest("recrawl", year, [region] if region else None, [portal] if portal else None,
                       force=True, concurrency=concurrency, crawl_retries=crawl_retries, fast=fast)
