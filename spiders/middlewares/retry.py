"""Scrapy's retry middleware with exponential backoff before each retry.

Replaces ``scrapy.downloadermiddlewares.retry.RetryMiddleware`` (priority 550).  A retried request
waits ``NIANBAO_RETRY_BACKOFF * 2**(attempt-1)`` seconds (capped by ``NIANBAO_RETRY_BACKOFF_MAX``)
before it is handed back to the scheduler; blocked answers (412/521) are never in
``RETRY_HTTP_CODES``.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("NIANBAO_RETRY_BACKOFF", 1.0)
        self.backoff_max = settings.getfloat("NIANBAO_RETRY_BACKOFF_MAX", 30.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        mw = cls(crawler.settings)
        mw.crawler = crawler
        return mw

    async def _wait(self, result: Any) -> Any:
        if isinstance(result, Request) and self.backoff > 0:
            attempt = int(result.meta.get("retry_times", 1))
            delay = min(self.backoff * 2 ** (attempt - 1), self.backoff_max)
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))  # type: ignore[arg-type]
        return result

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:  # type: ignore[override]
        return await self._wait(super().process_response(request, response))

    async def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Any:  # type: ignore[override]
        return await self._wait(super().process_exception(request, exception))
