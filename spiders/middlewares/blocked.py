"""Blocked is recorded as blocked and never evaded.

A 412/521 anti-bot challenge or a captcha page (classified by the capture middleware) ends that
host's crawl: the response goes to the request's errback, and every later request to the same
host is dropped without being sent (``nianbao/skipped/host_blocked``).  No retry, no other
User-Agent, no JavaScript execution.

Stats: ``nianbao/blocked/<error_class>``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

BLOCKED = ("blocked_412", "blocked_521", "blocked_captcha")


class BlockedMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.blocked_hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockedMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if urlsplit(request.url).netloc in self.blocked_hosts and not request.url.endswith("/robots.txt"):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("nianbao/skipped/host_blocked")
            raise IgnoreRequest(f"host blocked: {request.url}")

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        error_class = request.meta.get("nianbao_error_class")
        if error_class in BLOCKED:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(f"nianbao/blocked/{error_class}")
            self.blocked_hosts.add(urlsplit(request.url).netloc)
            raise IgnoreRequest(f"{error_class}: {request.url}")
        return response
