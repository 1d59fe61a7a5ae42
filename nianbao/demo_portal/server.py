"""The demo portal's HTTP server on 127.0.0.1, its request log, and its registry entries.

    with DemoPortal(port=0) as portal:
        portal.base_url("trs")          # http://127.0.0.1:PORT/trs/
        portal.registry_dir             # a directory with demo.yaml (set NIANBAO_PORTALS_DIR to it)
        portal.request_log              # every request the server saw, in order
        portal.reissue("hw-spj-2023")   # the document changes: new bytes, new ETag

All sites share one server and are told apart by path prefix (``/trs/``, ``/hanweb/``, ``/gen/``,
``/blocked/``); the registry allows ``127.0.0.1:PORT`` only, so the off-domain link
(``http://localhost:PORT/mirror/…``) reaches the same server if anyone is impolite enough to follow
it — and the request log shows it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from email.utils import format_datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from nianbao.demo_portal import sites as S
from nianbao.demo_portal.catalog import REPORTS, SITES, UNREACHABLE, DemoReport, DemoSite, report
from nianbao.demo_portal.documents import document_bytes, truth


@dataclass(frozen=True)
class LoggedRequest:
    time: float
    method: str
    path: str  # as sent (percent-encoded), with query
    host: str
    status: int
    user_agent: str
    headers: dict[str, str]


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (for the unreachable portal)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DemoPortal:
    """The demo sites, served from a background thread while the context is open."""

    def __init__(self, port: int = 0, *, registry_dir: str | Path | None = None,
                 slow_seconds: float = 1.0, extra: dict[str, S.Resource] | None = None) -> None:
        self._requested_port = port
        self.slow_seconds = slow_seconds
        self._registry_arg = Path(registry_dir) if registry_dir else None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._hits: dict[str, int] = {}
        self.revisions: dict[str, int] = {}
        self._extra = extra or {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.unreachable_port = free_port()
        self.routes: dict[str, S.Resource] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> DemoPortal:
        handler = _make_handler(self)
        self._server = _Server(("127.0.0.1", self._requested_port), handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._build_routes()
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-portal", daemon=True)
        self._thread.start()
        self._write_registry()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> DemoPortal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ URLs and data

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def base_url(self, site_key: str = "trs") -> str:
        if site_key == "unreachable":
            return f"http://127.0.0.1:{self.unreachable_port}/"
        return f"{self.origin}/{site_key}/"

    def start_url(self, site_key: str) -> str:
        s = UNREACHABLE if site_key == "unreachable" else next(x for x in SITES if x.key == site_key)
        if site_key == "unreachable":
            return f"http://127.0.0.1:{self.unreachable_port}{s.start_path}"
        return self.origin + s.start_path

    @property
    def sites(self) -> tuple[DemoSite, ...]:
        return (*SITES, UNREACHABLE)

    def expected_reports(self, years: int | list[int] | None = None, site_key: str | None = None) -> list[DemoReport]:
        """Reports a polite, complete crawl must archive."""
        wanted = {years} if isinstance(years, int) else set(years or [])
        return [r for r in REPORTS if r.expected and (not wanted or r.year in wanted)
                and (site_key is None or r.site == site_key)]

    def document(self, key: str) -> bytes:
        r = report(key)
        return document_bytes(r, self.revisions.get(key, 0))

    def truth(self, key: str) -> dict[str, Any]:
        """Truth record of the document currently served for ``key`` (after any reissue)."""
        return truth(report(key), self.revisions.get(key, 0))

    def document_path(self, key: str) -> str:
        """Server path of the file (or inline page) of ``key``."""
        for path, res in self.routes.items():
            if getattr(res.body, "report_key", None) == key:
                return path
        raise KeyError(key)

    def reissue(self, key: str) -> None:
        """Serve a changed document for ``key`` at the same URL (new bytes, new ETag)."""
        report(key)
        self.revisions[key] = self.revisions.get(key, 0) + 1

    @property
    def request_log(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def requests_to(self, path_prefix: str) -> list[LoggedRequest]:
        return [r for r in self.request_log if unquote(r.path).startswith(path_prefix)]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # ------------------------------------------------------------------ registry

    @property
    def registry_dir(self) -> Path:
        if self._registry_arg is not None:
            return self._registry_arg
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="nianbao-demo-registry-")
        return Path(self._tmp.name)

    def registry_entries(self) -> list[dict[str, Any]]:
        entries = []
        for s in self.sites:
            start = self.start_url(s.key)
            host = urlsplit(start).netloc
            entry: dict[str, Any] = {
                "id": s.portal_id, "name": s.name, "family": s.family, "region_code": s.region_code,
                "units": [{"name": u.name, "region_code": u.region_code, "level": u.level, "kind": u.kind}
                          for u in s.units],
                "start_urls": [start], "domains": [host],
            }
            if s.encoding != "utf-8":
                entry["encoding"] = s.encoding
            entries.append(entry)
        return entries

    def _write_registry(self) -> None:
        d = self.registry_dir
        d.mkdir(parents=True, exist_ok=True)
        text = ("# Demo portal entries, written by nianbao.demo_portal for port "
                f"{self.port}; not part of the production registry.\n")
        text += yaml.safe_dump({"portals": self.registry_entries()}, allow_unicode=True, sort_keys=False)
        (d / "demo.yaml").write_text(text, encoding="utf-8")

    # ------------------------------------------------------------------ routes

    def _doc(self, r: DemoReport) -> bytes:
        return document_bytes(r, self.revisions.get(r.key, 0))

    def _corrupt_pdf(self) -> bytes:
        whole = document_bytes(report("trs-gov-2023"))
        return whole[: len(whole) // 3]  # truncated: no xref, no %%EOF

    def _build_routes(self) -> None:
        offsite = f"http://localhost:{self.port}"
        routes: dict[str, S.Resource] = {"/robots.txt": S.Resource(content_type="text/plain", body=S.ROBOTS_TXT)}
        routes.update(S.build_trs(self._doc, offsite, slow=self.slow_seconds > 0))
        routes.update(S.build_hanweb(self._doc))
        routes.update(S.build_generic(self._doc, self._corrupt_pdf))
        routes["/mirror/zw2023.pdf"] = S.Resource(content_type="application/pdf", body=b"%PDF-1.4 offsite\n")
        routes.update(self._extra)
        # tag document bodies with their report key (document_path, reissue)
        for res in routes.values():
            fn = res.body
            if isinstance(fn, partial) and fn.args and isinstance(fn.args[0], DemoReport):
                res.body = _Tagged(fn, fn.args[0].key)
        self.routes = routes

    def _record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    def _hit(self, path: str) -> int:
        with self._lock:
            self._hits[path] = self._hits.get(path, 0) + 1
            return self._hits[path]


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 drops SYNs under many parallel crawlers (1 s retransmits)
    daemon_threads = True


class _Tagged:
    def __init__(self, fn: Any, key: str) -> None:
        self.fn = fn
        self.report_key = key

    def __call__(self) -> bytes:
        return bytes(self.fn())


def _http_date(iso: str) -> str:
    return format_datetime(dt.datetime.fromisoformat(iso).replace(hour=2, tzinfo=dt.UTC), usegmt=True)


def _make_handler(portal: DemoPortal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "TRS WCM/7.0"
        disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stalls

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

        def do_GET(self) -> None:  # noqa: N802
            self._serve()

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(head=True)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace"))) if length else {}
            self._serve(form=form)

        def _serve(self, head: bool = False, form: dict[str, str] | None = None) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            status, headers, body = self._respond(path, parts.query, form)
            portal._record(LoggedRequest(time.time(), self.command, self.path, self.headers.get("Host", ""),
                                         status, self.headers.get("User-Agent", ""), dict(self.headers.items())))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head and status != 304:
                self.wfile.write(body)

        def _respond(self, path: str, query: str, form: dict[str, str] | None) -> tuple[int, dict[str, str], bytes]:
            if path.startswith("/blocked/"):
                res: S.Resource | None = S.build_blocked()
            else:
                res = portal.routes.get(path)
            if res is None:
                return 404, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body><h1>404 Not Found</h1></body></html>"
            if res.fault == "500_once" and portal._hit(path) == 1:
                return 500, {"Content-Type": "text/html"}, b"<html><body>500 Internal Server Error</body></html>"
            if res.fault == "slow":
                time.sleep(portal.slow_seconds)
            if res.location:
                return res.status, {"Location": res.location, "Content-Type": "text/html"}, b""
            if res.handler is not None:
                if res.fault == "post_only" and (self.command != "POST" or not form
                                                  or "columnid" not in form or "unitid" not in form):
                    return 400, {"Content-Type": "text/plain"}, b"missing columnid/unitid"
                params = dict(parse_qsl(query))
                params.update(form or {})
                return res.status, {"Content-Type": res.content_type}, res.handler(params)
            body = res.payload()
            headers = {"Content-Type": res.content_type}
            if res.validators:
                etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
                headers["ETag"] = etag
                if res.last_modified:
                    headers["Last-Modified"] = _http_date(res.last_modified)
                if self.headers.get("If-None-Match") == etag:
                    return 304, headers, b""
            return res.status, headers, body

    return Handler
