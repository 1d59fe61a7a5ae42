"""Server-rendered pages: search, report, cell provenance, versions diff, unit over years, coverage,
violations, rankings.  Stable addresses: ``/reports/{id}``, ``/units/{id}``, ``/coverage``, ..."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from nianbao.errors import UserError
from nianbao.export.labels import cell_label
from nianbao.web import provenance as prov
from nianbao.web.api import ArchiveDep, CellId, Level, Limit, Offset, OptYear, ReadRoute, Region, ReportId
from nianbao.web.app import html_response
from nianbao.web.views import line_chart, report_tables, side_by_side
from storage import queries as q
from storage.corrections import CorrectionRefused, record_correction

router = APIRouter(include_in_schema=False, route_class=ReadRoute)
CHART_CELLS = ("new_received", "processed", "carried_to_next_year", "reconsideration")


def _params(request: Request) -> dict[str, Any]:
    return dict(request.query_params)


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    archive: ArchiveDep,
    q_: Annotated[str | None, Query(alias="q", max_length=100)] = None,
    region: Region = None,
    year: OptYear = None,
    level: Level = None,
    limit: Limit = q.DEFAULT_LIMIT,
    offset: Offset = 0,
) -> HTMLResponse:
    page = q.search_reports(archive, text=q_, region=region, year=year, level=level, limit=limit, offset=offset)
    return html_response(request, "search.html", {"page": page, "params": _params(request),
                                                  "form": {"q": q_ or "", "region": region or "",
                                                           "year": year or "", "level": level or ""}})


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(request: Request, archive: ArchiveDep, report_id: ReportId) -> HTMLResponse:
    detail = q.report_detail(archive, report_id, with_provenance=False)
    return html_response(request, "report.html", {"r": detail, "tables": report_tables(detail)})


@router.get("/reports/{report_id}/provenance", response_class=HTMLResponse)
def provenance_page(request: Request, archive: ArchiveDep, report_id: ReportId, cell: CellId) -> HTMLResponse:
    info = q.cell_provenance(archive, report_id, cell)
    context: dict[str, Any] = {"p": info, "label": cell_label(cell), "view": None, "problem": None,
                               "corrections_enabled": bool(archive.settings.correction_token)}
    kind, where = info["kind"], info["provenance"]
    try:
        if kind in ("pdf", "html"):
            context["view"] = kind
        elif kind == "docx":
            data = archive.read_blob(info["source"]["sha256"])
            context["view"] = "docx"
            context["table"] = prov.docx_table(data, int(where["table"]), int(where["row"]), int(where["col"]))
        elif kind == "text":
            data = archive.read_blob(info["source"]["sha256"])
            context["view"] = "text"
            context["lines"] = prov.text_lines(prov.decode_text(data), int(where["line"]))
        else:
            context["problem"] = "the parser recorded no position for this cell"
    except prov.ProvenanceUnavailable as exc:
        context["view"], context["problem"] = None, str(exc)
    return html_response(request, "provenance.html", context)


@router.get("/reports/{report_id}/page.png")
def page_image(archive: ArchiveDep, report_id: ReportId, cell: CellId) -> Response:
    """The PDF page holding ``cell``, rendered to PNG with the cell's box drawn on it."""
    info = q.cell_provenance(archive, report_id, cell)
    if info["kind"] != "pdf":
        raise q.NotFound(f"cell {cell} of report {report_id} has no PDF position")
    where = info["provenance"]
    bbox = tuple(float(v) for v in where["bbox"])
    try:
        png = prov.pdf_page_png(archive.read_blob(info["source"]["sha256"]), int(where["page"]),
                                bbox if len(bbox) == 4 else None)  # type: ignore[arg-type]
    except prov.ProvenanceUnavailable as exc:
        raise q.NotFound(str(exc)) from None
    return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=86400"})


@router.get("/reports/{report_id}/snapshot", response_class=HTMLResponse)
def html_snapshot(archive: ArchiveDep, report_id: ReportId, cell: CellId) -> HTMLResponse:
    """The archived HTML page, inert, with the cell outlined (shown in a sandboxed frame)."""
    info = q.cell_provenance(archive, report_id, cell)
    if info["kind"] != "html":
        raise q.NotFound(f"cell {cell} of report {report_id} has no HTML position")
    try:
        page = prov.html_snapshot(archive.read_blob(info["source"]["sha256"]), info["provenance"].get("xpath"))
    except prov.ProvenanceUnavailable as exc:
        raise q.NotFound(str(exc)) from None
    return HTMLResponse(page, headers={"Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'"})


@router.post("/reports/{report_id}/corrections")
async def correction_form(request: Request, report_id: ReportId) -> Response:
    """Record a correction from the provenance page's form (token field required)."""
    archive = request.app.state.archive
    body = await request.body()
    if len(body) > 10_000:
        raise UserError("the form is too large")
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    cell = form.get("cell_id", "")
    try:
        record_correction(archive, token=form.get("token"), report_id=report_id, cell_id=cell,
                          value=form.get("value"), author=form.get("author", ""), reason=form.get("reason", ""))
    except CorrectionRefused:
        raise
    return RedirectResponse(f"/reports/{report_id}/provenance?cell={quote(cell, safe='/')}", status_code=303)


@router.get("/units/{unit_id}", response_class=HTMLResponse)
def unit_page(request: Request, archive: ArchiveDep, unit_id: ReportId) -> HTMLResponse:
    data = q.agency_years(archive, unit_id)
    by_cell = {row["cell_id"]: row["values"] for row in data["cells"]}
    series = {name: by_cell.get(q.KEY_CELLS[name], {}) for name in CHART_CELLS}
    chart = line_chart(data["years"], series) if data["years"] else ""
    return html_response(request, "unit.html", {"d": data, "chart": chart, "rows": side_by_side(data)})


@router.get("/diff", response_class=HTMLResponse)
def diff_page(
    request: Request,
    archive: ArchiveDep,
    a: Annotated[int, Query(ge=1, le=2**31 - 1)],
    b: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> HTMLResponse:
    return html_response(request, "diff.html", {"d": q.version_diff(archive, a, b)})


@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(
    request: Request,
    archive: ArchiveDep,
    region: Region = None,
    year: OptYear = None,
    level: Level = None,
    limit: Limit = q.DEFAULT_LIMIT,
    offset: Offset = 0,
    unit_offset: Offset = 0,
) -> HTMLResponse:
    context: dict[str, Any] = {"params": _params(request), "form": {"region": region or "", "year": year or ""}}
    if region and year:
        context["coverage"] = q.coverage(archive, region=region, year=year, limit=100, offset=unit_offset)
        context["reports"] = q.region_reports(archive, region=region, year=year, level=level, limit=limit,
                                              offset=offset, coverage_summary=context["coverage"]["summary"])
    return html_response(request, "coverage.html", context)


@router.get("/violations", response_class=HTMLResponse)
def violations_page(
    request: Request,
    archive: ArchiveDep,
    rule: Annotated[str | None, Query(max_length=50)] = None,
    region: Region = None,
    year: OptYear = None,
    level: Level = None,
    limit: Limit = q.DEFAULT_LIMIT,
    offset: Offset = 0,
) -> HTMLResponse:
    page = q.violations(archive, rule=rule, region=region, year=year, level=level, limit=limit, offset=offset)
    return html_response(request, "violations.html", {
        "page": page, "params": _params(request), "rules": q.RULES,
        "form": {"rule": rule or "", "region": region or "", "year": year or "", "level": level or ""}})


@router.get("/rankings", response_class=HTMLResponse)
def rankings_page(
    request: Request,
    archive: ArchiveDep,
    year: OptYear = None,
    metric: Annotated[str, Query(max_length=120)] = "applications_received",
    region: Region = None,
    level: Level = None,
    order: Literal["desc", "asc"] = "desc",
    limit: Limit = q.DEFAULT_LIMIT,
    offset: Offset = 0,
) -> HTMLResponse:
    context: dict[str, Any] = {"params": _params(request), "metrics": q.METRICS,
                               "form": {"year": year or "", "metric": metric, "region": region or ""}}
    if year:
        context["r"] = q.ranking(archive, year=year, metric=metric, region=region, level=level,
                                 ascending=order == "asc", limit=limit, offset=offset)
        context["repeated"] = q.repeated_text(archive, year=year, region=region, level=level, limit=20)
    return html_response(request, "rankings.html", context)
