"""The one object per crawl that writes to the archive: fetch rows, blobs and WARC records.

Every component that sees an exchange (the capture middleware, the offsite and robots recorders,
the incremental middleware) gets the crawl's :class:`Recorder` with :func:`get_recorder`.  It
opens the archive under ``NIANBAO_HOME`` (or ``NIANBAO_DATABASE_URL``), one WARC file for the
process, and the crawl run: the ``NIANBAO_RUN_ID`` setting when the caller (a Prefect flow)
started one, otherwise a run of its own that is finished when the spider closes.

Before opening its WARC file it repairs the ones a killed crawl left half-written (``.open``, no
live writer: :func:`storage.warc.repair_open_files`), so every file in the directory passes
``warcio check`` again; stats ``nianbao/warc/repaired``, ``nianbao/warc/repaired_cut_bytes``.

Fetch rows are written in batches (:mod:`spiders.batch`), flushed when the spider is idle and
when it closes; the ids are known at once.

Settings: ``NIANBAO_ARCHIVE`` (default True; False records nothing, for parser tests),
``NIANBAO_RUN_ID``, ``NIANBAO_PORTAL_ID``, ``NIANBAO_CAPTURE_BATCH_SIZE``,
``NIANBAO_CAPTURE_BATCH_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import logging
import zlib
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.utils.asyncio import create_looping_call

from nianbao.settings import get_settings

ATTR = "_nianbao_recorder"
log = logging.getLogger(__name__)


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
        from spiders.batch import FetchBatcher
        from storage.archive import Archive
        from storage.warc import WarcWriter, repair_open_files

        s = crawler.settings
        self.settings = get_settings()
        self.portal_id: str | None = s.get("NIANBAO_PORTAL_ID")
        self.archive = Archive.open(self.settings)
        self.stats = crawler.stats
        # WARC files left half-written by a killed crawl pass `warcio check` again before this one writes
        for repair in repair_open_files(self.settings.warc_dir):
            log.warning("repaired WARC file %s left open by a killed crawl: %d whole record(s) kept, %d byte(s) cut",
                        repair.path, repair.records, repair.cut_bytes)
            if self.stats is not None:
                self.stats.inc_value("nianbao/warc/repaired")
                self.stats.inc_value("nianbao/warc/repaired_cut_bytes", repair.cut_bytes)
        self.warc = WarcWriter(self.settings.warc_dir, prefix=f"crawl-{self.portal_id or 'url'}",
                               flush_each_record=False)
        given = s.getint("NIANBAO_RUN_ID", 0)
        self.own_run = not given
        self.run_id: int = given or self.archive.start_run(
            flow="crawl", started_by=s.get("NIANBAO_STARTED_BY", "cli"),
            parameters={"portal": self.portal_id, "years": s.getlist("NIANBAO_YEARS"),
                        "force": s.getbool("NIANBAO_FORCE")},
        )
        self.outcome = "ok"
        self.batch = FetchBatcher(self.archive, self.warc, size=s.getint("NIANBAO_CAPTURE_BATCH_SIZE", 100),
                                  seconds=s.getfloat("NIANBAO_CAPTURE_BATCH_SECONDS", 5.0), stats=self.stats)
        self._timer: Any = None
        crawler.signals.connect(self._opened, signal=signals.spider_opened)
        crawler.signals.connect(self.flush, signal=signals.spider_idle)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self._closed, signal=signals.engine_stopped)

    def record_response(self, request: Request, response: Response, *, started_at: dt.datetime | None,
                        duration_ms: float | None, error_class: str | None,
                        error_message: str | None = None) -> int:
        from storage.archive import FetchInfo

        body = decoded_body(response)
        request_headers, response_headers = headers_dict(request.headers), headers_dict(response.headers)
        loc = self.warc.write_exchange(
            url=response.url, method=request.method, request_headers=request_headers,
            request_body=request.body or b"", status=response.status,
            response_headers=response_headers, body=response.body,
        )
        keep_body = response.status != 304 and (len(body) > 0)
        return self.batch.add(
            FetchInfo(url=response.url, method=request.method, status=response.status,
                      request_headers=request_headers, response_headers=response_headers,
                      started_at=started_at, duration_ms=duration_ms, error_class=error_class,
                      error_message=error_message, portal_id=self.portal_id, run_id=self.run_id,
                      media_type=media_type_of(response)),
            body=body if keep_body else None, warc=loc,
        )

    def record_failure(self, request: Request, *, error_class: str, error_message: str | None,
                       started_at: dt.datetime | None = None, duration_ms: float | None = None) -> int:
        """An attempt that got no response: network error, robots.txt, offsite, blocked host."""
        from storage.archive import FetchInfo

        return self.batch.add(
            FetchInfo(url=request.url, method=request.method, status=None,
                      request_headers=headers_dict(request.headers), started_at=started_at,
                      duration_ms=duration_ms, error_class=error_class, error_message=error_message,
                      portal_id=self.portal_id, run_id=self.run_id)
        )

    def flush(self) -> None:
        """Write the fetch rows still waiting in the batch (see :mod:`spiders.batch`)."""
        self.batch.flush()

    def _opened(self) -> None:
        # a batch also goes out when it is old, even if no response comes to trigger it
        self._timer = create_looping_call(self.batch.flush_if_due)
        self._timer.start(max(self.batch.seconds, 0.1), now=False)

    def _spider_closed(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.flush()

    def _closed(self) -> None:
        try:
            self.flush()
        finally:
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
