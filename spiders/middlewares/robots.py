"""Scrapy's robots.txt middleware, plus a fetch row (``robots_disallowed``) for each refusal.

Replaces ``scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware`` at the same priority (100).
Stats: ``robotstxt/forbidden`` (Scrapy's) and ``nianbao/error/robots_disallowed``.
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from spiders.recorder import get_recorder


class RecordingRobotsTxtMiddleware(RobotsTxtMiddleware):
    def process_request_2(self, rp: Any, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("nianbao/error/robots_disallowed")
            recorder = get_recorder(self.crawler)
            if recorder is not None:
                recorder.record_failure(request, error_class="robots_disallowed",
                                        error_message="Forbidden by robots.txt")
            raise
