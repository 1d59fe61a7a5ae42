"""Scrapy settings of every nianbao crawl: polite by default, archive everything.

User-Agent from ``NIANBAO_USER_AGENT`` (names nianbao and the contact URL), robots.txt obeyed,
AutoThrottle on with one request at a time per host (two at most), retries with backoff on
5xx/timeouts, blocked answers never retried.  ``crawl_settings(..., fast=True)`` sets every delay to
zero (benchmarks against a local server only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nianbao.settings import Settings

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "spiders.middlewares.offsite.OffsiteMiddleware": 40,
    "spiders.middlewares.incremental.IncrementalMiddleware": 60,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.middlewares.robots.RecordingRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.retry.BackoffRetryMiddleware": 550,
    "spiders.middlewares.blocked.BlockedMiddleware": 640,
    "spiders.middlewares.capture.CaptureMiddleware": 650,
}


def crawl_settings(settings: Settings, *, portal_id: str | None, years: list[int], output: Path | None,
                   summary: Path | None, force: bool = False, run_id: int | None = None,
                   archive: bool = True, fast: bool = False, download_delay: float | None = None,
                   concurrency_per_host: int | None = None, log_level: str = "INFO") -> dict[str, Any]:
    s: dict[str, Any] = {
        "BOT_NAME": "nianbao",
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": True,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_INSTALL_ROOT_HANDLER": True,
        "LOG_LEVEL": log_level,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        # politeness
        "AUTOTHROTTLE_ENABLED": not fast,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_DELAY": 0.0 if fast else (1.0 if download_delay is None else download_delay),
        "CONCURRENT_REQUESTS": 32 if fast else 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16 if fast else (concurrency_per_host or 1),
        "DOWNLOAD_TIMEOUT": 30,
        # a callback yields a handful of requests/items; Scrapy starts one task per CONCURRENT_ITEMS
        # for every callback's output, so its default of 100 costs more than the parsing itself
        "CONCURRENT_ITEMS": 4,
        "DOWNLOAD_MAXSIZE": 200 * 1024 * 1024,
        # retries: 5xx, 408, 429, timeouts; never 412/521
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 3,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "NIANBAO_RETRY_BACKOFF": 0.0 if fast else 1.0,
        "HTTPERROR_ALLOWED_CODES": [304],
        "METAREFRESH_ENABLED": True,
        "REDIRECT_MAX_TIMES": 5,
        "DOWNLOADER_MIDDLEWARES": dict(DOWNLOADER_MIDDLEWARES),
        "ITEM_PIPELINES": {"spiders.pipelines.reports.ReportItemPipeline": 300},
        "EXTENSIONS": {"spiders.extensions.summary.SummaryExtension": 500},
        # nianbao
        "NIANBAO_ARCHIVE": archive,
        "NIANBAO_PORTAL_ID": portal_id,
        "NIANBAO_YEARS": [str(y) for y in years],
        "NIANBAO_FORCE": force,
        "NIANBAO_RUN_ID": run_id or 0,
        "NIANBAO_SUMMARY": str(summary) if summary else None,
    }
    if output is not None:
        s["FEEDS"] = {str(output): {"format": "jsonlines", "encoding": "utf8", "overwrite": True,
                                    "fields": None}}
    return s
