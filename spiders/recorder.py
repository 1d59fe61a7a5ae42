"""The one object per crawl that writes to the archive: fetch rows, blobs and WARC records.

Every component that sees an exchange (the capture middleware, the offsite and robots recorders,
the incremental middleware) gets the crawl's :class:`Recorder` with :func:`get_recorder`.  It
opens the archive under ``NIANBAO_HOME`` (or ``NIANBAO_DATABASE_URL``), one WARC file for the
process, and the crawl run: the ``NIANBAO_RUN_ID`` setting when the caller (a Prefect flow)
started one, otherwise a run of its own that is finished when the spider closes.

Settings: ``NIANBAO_ARCHIVE`` (default True; False records nothing, for parser tests),
``NIANBAO_RUN_ID``, ``NIANBAO_PORTAL_ID``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import zlib
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from nianbao.settings import get_settings

ATTR = "_nianbao_recorder"


def headers_dict(headers: Any) -> dict[str, str]:
    """Scrapy ``Headers`` (bytes, multi-valued) as a plain ``{name: value}`` for JSON columns."""
    out: dict[str, str] = {}
    for key, values in (headers or {}).items():
        k = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        vals = values if isinstance(values, list) else [values]
        out[k] = ", ".join(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in vals)
    return out


def decoded_body(response: Response) -> bytes:
    """The payload with any Content-Encoding undone (what the blob store keeps)."""
    enc = (response.headers.get(b"Content-Encoding") or b"").decode("latin-1").lower().strip()
    body = response.body
    try:
        if enc in ("gzip", "x-gzip"):
            return gzip.decompress(body)
        if enc == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
        if enc == "br":
            import brotli  # type: ignore[import-not-found]

            return bytes(brotli.decompress(body))
    except Exception:
        return body
    return body


def media_type_of(response: Response) -> str | None:
    ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    return ctype.split(";")[0].strip().lower() or None


class Recorder:
    """Archive + WARC writer + run of one crawl process."""

    def __init__(self, crawler: Crawler) -> None:
        from storage.archive import Archive
        from storage.warc import WarcWriter

        s = crawler.settings
        self.settings = get_settings()
        self.portal_id: str | None = s.get("NIANBAO_PORTAL_ID")
        self.archive = Archive.open(self.settings)
        self.warc = WarcWriter(self.settings.warc_dir, prefix=f"crawl-{self.portal_id or 'url'}")
        given = s.getint("NIANBAO_RUN_ID", 0)
        self.own_run = not given
        self.run_id: int = given or self.archive.start_run(
            flow="crawl", started_by=s.get("NIANBAO_STARTED_BY", "cli"),
            parameters={"portal": self.portal_id, "years": s.getlist("NIANBAO_YEARS"),
                        "force": s.getbool("NIANBAO_FORCE")},
        )
        self.stats = crawler.stats
        self.outcome = "ok"
        crawler.signals.connect(self._closed, signal=signals.engine_stopped)

    def record_response(self, request: Request, response: Response, *, started_at: dt.datetime | None,
                        duration_ms: float | None, error_class: str | None,
                        error_message: str | None = None) -> int:
        body = decoded_body(response)
        loc = self.warc.write_exchange(
            url=response.url, method=request.method, request_headers=headers_dict(request.headers),
            request_body=request.body or b"", status=response.status,
            response_headers=headers_dict(response.headers), body=response.body,
        )
        from storage.archive import FetchInfo

        keep_body = response.status != 304 and (len(body) > 0)
        return self.archive.record_fetch(
            FetchInfo(url=response.url, method=request.method, status=response.status,
                      request_headers=headers_dict(request.headers),
                      response_headers=headers_dict(response.headers), started_at=started_at,
                      duration_ms=duration_ms, error_class=error_class, error_message=error_message,
                      portal_id=self.portal_id, run_id=self.run_id, media_type=media_type_of(response)),
            body=body if keep_body else None, warc=loc,
        )

    def record_failure(self, request: Request, *, error_class: str, error_message: str | None,
                       started_at: dt.datetime | None = None, duration_ms: float | None = None) -> int:
        """An attempt that got no response: network error, robots.txt, offsite, blocked host."""
        from storage.archive import FetchInfo

        return self.archive.record_fetch(
            FetchInfo(url=request.url, method=request.method, status=None,
                      request_headers=headers_dict(request.headers), started_at=started_at,
                      duration_ms=duration_ms, error_class=error_class, error_message=error_message,
                      portal_id=self.portal_id, run_id=self.run_id)
        )

    def _closed(self) -> None:
        self.warc.close()
        if self.own_run and self.stats is not None:
            counts = {k.split("/", 1)[1]: v for k, v in self.stats.get_stats().items()
                      if k.startswith("nianbao/") and isinstance(v, int)}
            self.archive.finish_run(self.run_id, outcome=self.stats.get_value("nianbao/outcome", "ok"),
                                    counts=counts)


def get_recorder(crawler: Crawler) -> Recorder | None:
    """The crawl's recorder (created on first use), or None when ``NIANBAO_ARCHIVE`` is off."""
    if not crawler.settings.getbool("NIANBAO_ARCHIVE", True):
        return None
    rec = getattr(crawler, ATTR, None)
    if rec is None:
        rec = Recorder(crawler)
        setattr(crawler, ATTR, rec)
    return rec
