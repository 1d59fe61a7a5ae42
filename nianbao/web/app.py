"""The read-only web interface and JSON API over the archive: ``create_app(settings)``.

Pages (Jinja2, server-rendered, no front-end build) and ``/api/…`` (OpenAPI at ``/openapi.json``,
docs at ``/docs``) call the same :mod:`storage.queries`.  Every route is a GET except recording a
correction, which needs ``NIANBAO_CORRECTION_TOKEN``.  Errors: an unknown id is a 404, a malformed
parameter a 422 with a message (an HTML page for pages, JSON for the API).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from nianbao.errors import UserError
from nianbao.settings import Settings, get_settings
from storage.archive import Archive
from storage.corrections import CorrectionRefused
from storage.queries import NotFound

HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
}


def create_app(settings: Settings | None = None, *, archive: Archive | None = None) -> FastAPI:
    """The FastAPI app for one archive (opened once; its schema is checked)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="nianbao archive",
        summary="政府信息公开工作年度报告 archive: reports, cells with provenance, checks, coverage.",
        description="Read-only API over the nianbao archive. Lists take `limit` (1-500) and `offset`. "
        "The only write is `POST /api/reports/{id}/corrections` with `Authorization: Bearer <token>`.",
        version="1",
    )
    app.state.settings = settings
    app.state.archive = archive or Archive.open(settings)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    from nianbao.web import views

    views.install_filters(templates)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    from nianbao.web.api import router as api_router
    from nianbao.web.pages import router as pages_router

    app.include_router(api_router)
    app.include_router(pages_router)

    @app.middleware("http")
    async def drop_empty_form_fields(request: Request, call_next: Any) -> Response:
        # an HTML form sends its empty fields as ``year=&level=``: on pages they mean "no filter"
        if not request.url.path.startswith("/api/") and request.scope.get("query_string"):
            pairs = parse_qsl(request.scope["query_string"].decode("latin-1"), keep_blank_values=True)
            request.scope["query_string"] = urlencode([(k, v) for k, v in pairs if v.strip()]).encode("latin-1")
        response: Response = await call_next(request)
        return response

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def error(request: Request, status: int, message: str) -> Response:
        if is_api(request):
            return JSONResponse({"detail": message}, status_code=status)
        return templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message}, status_code=status
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error(request, 404, exc.format_message())

    @app.exception_handler(CorrectionRefused)
    async def refused(request: Request, exc: CorrectionRefused) -> Response:
        return error(request, 403, exc.format_message())

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        return error(request, 422, exc.format_message())

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body"))
            parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else str(e.get("msg", "invalid")))
        message = "; ".join(parts) or "invalid request"
        if is_api(request):
            return JSONResponse({"detail": message, "errors": _jsonable(exc.errors())}, status_code=422)
        return error(request, 422, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}"
        return error(request, exc.status_code, message)

    return app


def _jsonable(errors: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(errors, custom_encoder={Exception: str})


def html_response(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status)


def warm_up() -> None:
    """Load the 行政区划 tables (cpca) before the first request rather than during it."""
    from storage.regions import region_by_code, resolve_region

    resolve_region("宁夏回族自治区中卫市")
    region_by_code("640500")
