"""``/api/…``: the JSON API (documented at ``/openapi.json``), one endpoint per auditor question."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from storage import queries as q
from storage.archive import Archive, run_read
from storage.corrections import corrections_of, record_correction


class ReadRoute(APIRoute):
    """A route whose plain (threadpool) GET endpoint runs inside one read of the archive: one read-only
    session for all its questions (:func:`storage.archive.one_read`), asked again on a new connection if
    the pooled one was dropped (:func:`storage.archive.run_read`), and the archive's state read once
    (:func:`storage.queries.one_generation`)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if set(kwargs.get("methods") or ()) <= {"GET", "HEAD"} and not inspect.iscoroutinefunction(endpoint):
            endpoint = _in_one_read(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _in_one_read(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)  # FastAPI reads the parameters through __wrapped__
    def reading(*args: Any, **kwargs: Any) -> Any:
        def answer() -> Any:
            with q.one_generation():
                return endpoint(*args, **kwargs)

        return run_read(answer)

    return reading


router = APIRouter(prefix="/api", tags=["api"], route_class=ReadRoute)

Limit = Annotated[int, Query(ge=1, le=q.MAX_LIMIT, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]
Year = Annotated[int, Query(ge=2000, le=2100, description="report year (the year the statistics cover)")]
OptYear = Annotated[int | None, Query(ge=2000, le=2100, description="report year")]
Region = Annotated[str | None, Query(max_length=60, description="行政区划代码 (6 digits or a prefix) or an area name")]
Level = Annotated[Literal["province", "city", "county"] | None, Query(description="administrative level of the unit")]
ReportId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CellId = Annotated[str, Query(max_length=120, description="cell id, e.g. applications/new_received/total")]


async def archive_of(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


ArchiveDep = Annotated[Archive, Depends(archive_of)]


@router.get("/reports", summary="Search reports by agency/unit name, region, year, level")
def list_reports(
    archive: ArchiveDep,
    q_: Annotated[str | None, Query(alias="q", max_length=100, description="part of the unit or agency name")] = None,
    region: Region = None,
    year: OptYear = None,
    level: Level = None,
    unit_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    all_versions: bool = False,
    limit: Limit = q.DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    return q.search_reports(archive, text=q_, region=region, year=year, level=level, unit_id=unit_id,
                            all_versions=all_versions, limit=limit, offset=offset).as_dict()


@router.get("/reports/{report_id}", summary="One report version: metadata, record with source, versions, corrections")
def get_report(archive: ArchiveDep, report_id: ReportId) -> dict[str, Any]:
    return q.report_detail(archive, report_id)


@router.get("/reports/{report_id}/record", summary="The REPORT_FORMAT record of a report version (with source)")
def get_record(archive: ArchiveDep, report_id: ReportId) -> dict[str, Any]:
    q.report_detail(archive, report_id)  # 404 for an unknown id
    return archive.report_record(report_id)


@router.get("/reports/{report_id}/provenance", summary="Where one cell's number came from")
def get_provenance(archive: ArchiveDep, report_id: ReportId, cell: CellId) -> dict[str, Any]:
    return q.cell_provenance(archive, report_id, cell)


@router.get("/units/{unit_id}/years", summary="One unit across years: cells side by side, changes, cross-year rule")
def get_unit_years(
    archive: ArchiveDep,
    unit_id: ReportId,
    cell: Annotated[list[str] | None, Query(max_length=50, description="only these cell ids")] = None,
) -> dict[str, Any]:
    return q.agency_years(archive, unit_id, cells=cell)


@router.get("/regions/{region}/reports", summary="A region's reports for a year (with subordinate units), totals")
def get_region_reports(
    archive: ArchiveDep,
    region: Annotated[str, Path(max_length=60)],
    year: Year,
    level: Level = None,
    limit: Limit = q.DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    return q.region_reports(archive, region=region, year=year, level=level, limit=limit, offset=offset)


@router.get("/coverage", summary="Per unit of a region: found, late, missing ... for a year")
def get_coverage(
    archive: ArchiveDep,
    year: Year,
    region: Region = None,
    state: Annotated[list[str] | None, Query(max_length=10)] = None,
    limit: Limit = q.DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    return q.coverage(archive, region=region, year=year, states=tuple(state) if state else None,
                      limit=limit, offset=offset)


@router.get("/violations", summary="Every failed check of canonical reports")
def get_violations(
    archive: ArchiveDep,
    rule: Annotated[str | None, Query(max_length=50, description=", ".join(q.RULES))] = None,
    region: Region = None,
    year: OptYear = None,
    level: Level = None,
    limit: Limit = q.DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    return q.violations(archive, rule=rule, region=region, year=year, level=level,
                        limit=limit, offset=offset).as_dict()


@router.get("/diff", summary="Cell-by-cell and text differences between two report versions")
def get_diff(
    archive: ArchiveDep,
    a: Annotated[int, Query(ge=1, le=2**31 - 1)],
    b: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> dict[str, Any]:
    return q.version_diff(archive, a, b)


@router.get("/rankings", summary="Units ranked by a metric in a year, with the aggregate")
def get_ranking(
    archive: ArchiveDep,
    year: Year,
    metric: Annotated[str, Query(max_length=120, description=", ".join(q.METRICS) + " or a cell id")]
    = "applications_received",
    region: Region = None,
    level: Level = None,
    order: Literal["desc", "asc"] = "desc",
    limit: Limit = q.DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    return q.ranking(archive, year=year, metric=metric, region=region, level=level, ascending=order == "asc",
                     limit=limit, offset=offset)


@router.get("/repeated-text", summary="Share of each report's sentences copied from last year's report")
def get_repeated_text(
    archive: ArchiveDep,
    year: Year,
    region: Region = None,
    level: Level = None,
    limit: Limit = q.DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    return q.repeated_text(archive, year=year, region=region, level=level, limit=limit, offset=offset).as_dict()


class CorrectionIn(BaseModel):
    cell_id: str = Field(max_length=120, examples=["applications/new_received/total"])
    value: float | int | str | None = Field(description="the correct number, or null for a blank cell")
    author: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/reports/{report_id}/corrections", summary="Auditors' corrections recorded for a report")
def list_corrections(archive: ArchiveDep, report_id: ReportId) -> list[dict[str, Any]]:
    q.report_detail(archive, report_id)
    return corrections_of(archive, report_id)


@router.post("/reports/{report_id}/corrections", status_code=201,
             summary="Record a correction of one cell (needs Authorization: Bearer <NIANBAO_CORRECTION_TOKEN>)")
def post_correction(
    archive: ArchiveDep,
    report_id: ReportId,
    body: CorrectionIn,
    authorization: Annotated[str | None, Header(max_length=300)] = None,
) -> dict[str, Any]:
    token = authorization[7:].strip() if authorization and authorization.lower().startswith("bearer ") else None
    return record_correction(archive, token=token, report_id=report_id, cell_id=body.cell_id, value=body.value,
                             author=body.author, reason=body.reason)
