"""The read-only web interface and JSON API over the archive: ``create_app(settings)``.

Pages (Jinja2, server-rendered, no front-end build) and ``/api/…`` (OpenAPI at ``/openapi.json``,
docs at ``/docs``) call the same :mod:`storage.queries`.  Every route is a GET except recording a
correction, which needs ``NIANBAO_CORRECTION_TOKEN``.  Errors: an unknown id is a 404, a malformed
parameter a 422 with a message (an HTML page for pages, JSON for the API).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nianbao.errors import UserError
from nianbao.settings import Settings, get_settings
from storage.archive import Archive
from storage.corrections import CorrectionRefused
from storage.queries import NotFound

HERE = Path(__file__).parent


class PageEnvironment(Environment):
    """Jinja with ``row.name`` read as ``row["name"]`` first when ``row`` is a dict holding that key.

    Pages loop over hundreds of dict rows and cells; Jinja's own order (attribute, then item) raises
    and catches an AttributeError for every such lookup, which was a sixth of a report page's time.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)

GIL_SWITCH_INTERVAL = 0.001  # seconds; see create_app's lifespan

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
}


def create_app(settings: Settings | None = None, *, archive: Archive | None = None) -> FastAPI:
    """The FastAPI app for one archive (opened once; its schema is checked)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # A page is Python work under the process's one GIL.  Forty threads (anyio's default) sharing it
        # finish every request late and in random order; two per process (one computing while the other
        # waits for the database), with as many processes as cores, serve requests nearly in turn.  The
        # event loop's thread (reading requests, writing answers) waits for them at each GIL switch:
        # 1 ms rather than Python's 5 ms.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        # What the process holds once started (modules, the 行政区划 tables, the app) lives as long as it
        # does: out of the garbage collector's sight, a full collection walks only what requests made
        # since.  Walking it all stopped every request in the process for ~70 ms every few hundred pages.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()

    app = FastAPI(
        lifespan=lifespan,
        title="nianbao archive",
        summary="政府信息公开工作年度报告 archive: reports, cells with provenance, checks, coverage.",
        description="Read-only API over the nianbao archive. Lists take `limit` (1-500) and `offset`. "
        "The only write is `POST /api/reports/{id}/corrections` with `Authorization: Bearer <token>`.",
        version="1",
    )
    app.state.settings = settings
    app.state.archive = archive or Archive.open(settings)
    templates = Jinja2Templates(env=PageEnvironment(loader=FileSystemLoader(HERE / "templates"), autoescape=True))
    from nianbao.web import views

    views.install_filters(templates)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    from nianbao.web.api import router as api_router
    from nianbao.web.pages import router as pages_router

    app.include_router(api_router)
    app.include_router(pages_router)

    # plain ASGI middleware (HttpMiddleware below)
    app.add_middleware(DropEmptyFormFields)
    app.add_middleware(SecurityHeaders)

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


class HttpMiddleware:
    """A plain ASGI middleware (Starlette's BaseHTTPMiddleware costs a task and a stream per request):
    :meth:`handle` sees HTTP requests, anything else passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class DropEmptyFormFields(HttpMiddleware):
    """An HTML form sends its empty fields as ``year=&level=``: on pages (not the API) they mean "no filter"."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("query_string") and not scope["path"].startswith("/api/"):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            scope = dict(scope, query_string=urlencode([(k, v) for k, v in pairs if v.strip()]).encode("latin-1"))
        await self.app(scope, receive, send)


class SecurityHeaders(HttpMiddleware):
    """Adds :data:`SECURITY_HEADERS` to every response that does not set them itself."""

    RAW = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in self.RAW if k not in present)
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
