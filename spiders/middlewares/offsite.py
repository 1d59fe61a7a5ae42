"""Only the portal's own domains are fetched; a link elsewhere is recorded as ``offsite``.

Runs first (priority 40), before robots.txt is even looked up for a foreign host.  The allowlist
is the spider's ``portal.domains`` (host, subdomain, or exact ``host:port``).  Each refused URL is
a fetch row with ``error_class="offsite"`` and no network traffic, listed in the crawl summary.

Stats: ``nianbao/error/offsite``.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from spiders.recorder import get_recorder
from spiders.registry import url_allowed


class OffsiteMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsiteMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        spider = self.crawler.spider
        portal = getattr(spider, "portal", None)
        if portal is None or url_allowed(request.url, portal.domains):
            return None
        if request.url not in self.seen:
            self.seen.add(request.url)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("nianbao/error/offsite")
            offsite = self.crawler.stats.get_value("nianbao/offsite_urls") or []
            self.crawler.stats.set_value("nianbao/offsite_urls", [*offsite, request.url])
            recorder = get_recorder(self.crawler)
            if recorder is not None:
                recorder.record_failure(request, error_class="offsite",
                                        error_message=f"not on the portal's domains {portal.domains}")
        raise IgnoreRequest(f"offsite: {request.url}")
