"""Incremental crawls: a document already archived is not downloaded again.

For requests the spider marks ``meta["nianbao_kind"]`` ``article`` or ``document``, the archive's
latest successful fetch of the URL is looked up (``Archive.latest_document_fetch``):

- it had an ``ETag`` or ``Last-Modified``: the request becomes conditional
  (``If-None-Match``/``If-Modified-Since``); a 304 means unchanged;
- a ``document`` without validators: the request is not sent at all and the callback gets a
  synthetic 304 (flag ``nianbao_synthetic``);

In both cases ``meta["nianbao_known"]`` holds ``{"sha256", "fetch_id", "fetched_at"}`` of the
archived copy.  ``NIANBAO_FORCE`` (a re-crawl) turns all of this off.

Stats: ``nianbao/incremental/conditional``, ``nianbao/incremental/skipped``.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from spiders.middlewares.capture import SYNTHETIC
from spiders.recorder import get_recorder


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        recorder = get_recorder(crawler)
        assert recorder is not None
        self.archive = recorder.archive

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        if crawler.settings.getbool("NIANBAO_FORCE") or get_recorder(crawler) is None:
            raise NotConfigured("re-crawl forced or archive off")
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> Response | None:
        kind = request.meta.get("nianbao_kind")
        if kind not in ("article", "document") or "nianbao_known" in request.meta or request.method != "GET":
            return None
        row = self.archive.latest_document_fetch(request.url)
        if row is None:
            return None
        headers = {str(k).lower(): v for k, v in (row.response_headers or {}).items()}
        request.meta["nianbao_known"] = {
            "sha256": row.blob_sha256, "fetch_id": row.id,
            "fetched_at": row.started_at.isoformat() if row.started_at else None,
            "media_type": row.media_type,
        }
        assert self.crawler.stats is not None
        if headers.get("etag") or headers.get("last-modified"):
            if headers.get("etag"):
                request.headers[b"If-None-Match"] = headers["etag"]
            if headers.get("last-modified"):
                request.headers[b"If-Modified-Since"] = headers["last-modified"]
            self.crawler.stats.inc_value("nianbao/incremental/conditional")
            return None
        if kind == "document":
            self.crawler.stats.inc_value("nianbao/incremental/skipped")
            return Response(request.url, status=304, request=request, flags=[SYNTHETIC])
        return None
