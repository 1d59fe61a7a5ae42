"""Capture every exchange: a fetch row, a content-addressed blob and a WARC record.

Sits close to the downloader (priority 650, outside the redirect, retry and compression
middlewares), so each attempt is seen: a 500 that is retried, the 302 before its target, a
timeout.  The response is classified (:mod:`spiders.classify`) and the request's meta gets
``nianbao_fetch_id`` and ``nianbao_error_class`` for the spider's callbacks.

Stats: ``nianbao/fetches``, ``nianbao/error/<error_class>``.
Settings: ``NIANBAO_ARCHIVE`` (False disables capture).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from twisted.internet import error as neterr
from twisted.web._newclient import ResponseNeverReceived

from spiders.classify import classify_response
from spiders.recorder import Recorder, get_recorder

SYNTHETIC = "nianbao_synthetic"  # response flag of answers made up without a download


_BY_NAME = {  # Scrapy >= 2.14 wraps network errors in its own exception classes
    "DownloadConnectionRefusedError": "connection_refused",
    "CannotResolveHostError": "dns_error",
    "DownloadTimeoutError": "timeout",
    "ResponseDataLossError": "connection_lost",
}


def exception_class(exc: BaseException) -> str:
    """The archive's error_class for a failed download."""
    if type(exc).__name__ in _BY_NAME:
        return _BY_NAME[type(exc).__name__]
    if isinstance(exc, neterr.DNSLookupError):
        return "dns_error"
    if isinstance(exc, neterr.ConnectionRefusedError):
        return "connection_refused"
    if isinstance(exc, neterr.TimeoutError | neterr.TCPTimedOutError) or "Timeout" in type(exc).__name__:
        return "timeout"
    if isinstance(exc, neterr.ConnectionLost | ResponseNeverReceived | neterr.ConnectionDone):
        return "connection_lost"
    if isinstance(exc, neterr.ConnectError):
        return "connect_error"
    return "download_error"


class CaptureMiddleware:
    def __init__(self, recorder: Recorder, crawler: Crawler) -> None:
        self.recorder = recorder
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CaptureMiddleware:
        recorder = get_recorder(crawler)
        if recorder is None:
            raise NotConfigured("NIANBAO_ARCHIVE is off")
        return cls(recorder, crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        request.meta["nianbao_t0"] = time.monotonic()
        request.meta["nianbao_started_at"] = dt.datetime.now(dt.UTC)

    def _timing(self, request: Request) -> tuple[dt.datetime | None, float | None]:
        t0 = request.meta.get("nianbao_t0")
        return request.meta.get("nianbao_started_at"), (time.monotonic() - t0) * 1000 if t0 else None

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if SYNTHETIC in response.flags:
            return response
        error_class, message = classify_response(response)
        started_at, duration = self._timing(request)
        fetch_id = self.recorder.record_response(request, response, started_at=started_at,
                                                 duration_ms=duration, error_class=error_class,
                                                 error_message=message)
        request.meta["nianbao_fetch_id"] = fetch_id
        request.meta["nianbao_error_class"] = error_class
        self.stats.inc_value("nianbao/fetches")
        if response.status == 304:
            self.stats.inc_value("nianbao/not_modified")
        if error_class:
            self.stats.inc_value(f"nianbao/error/{error_class}")
        return response

    def process_exception(self, request: Request, exception: BaseException, spider: Any = None) -> None:
        if isinstance(exception, IgnoreRequest):
            return None
        error_class = exception_class(exception)
        started_at, duration = self._timing(request)
        fetch_id = self.recorder.record_failure(request, error_class=error_class,
                                                error_message=f"{type(exception).__name__}: {exception}",
                                                started_at=started_at, duration_ms=duration)
        request.meta["nianbao_fetch_id"] = fetch_id
        request.meta["nianbao_error_class"] = error_class
        self.stats.inc_value("nianbao/fetches")
        self.stats.inc_value(f"nianbao/error/{error_class}")
        return None
