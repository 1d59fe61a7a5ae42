"""Write the crawl's summary JSON when the spider closes, and judge its outcome.

``NIANBAO_SUMMARY`` names the file.  Outcome:

- ``unreachable``: no HTTP response at all came back (connection refused, DNS, timeouts);
- ``blocked``: the portal answered with an anti-bot challenge and no document was found;
- ``failed``: a callback raised, or list pages matched nothing (layout changed), and no document;
- ``ok`` otherwise (individual errors are counted in ``errors``).

The outcome is also stored in stats as ``nianbao/outcome`` (the crawl run's outcome).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

STATS_KEPT = ("downloader/request_count", "downloader/response_count", "item_scraped_count",
              "retry/count", "robotstxt/forbidden", "elapsed_time_seconds", "finish_reason")
NETWORK_ERRORS = ("connection_refused", "dns_error", "timeout", "connect_error", "connection_lost",
                  "download_error")


def judge(stats: dict[str, Any]) -> tuple[str, str | None]:
    errors = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("nianbao/error/")}
    documents = stats.get("nianbao/items/new", 0) + stats.get("nianbao/items/unchanged", 0)
    responses = stats.get("downloader/response_count", 0) - stats.get("nianbao/incremental/skipped", 0)
    blocked = [k for k in errors if k.startswith("blocked_")]
    if documents == 0 and responses <= 0 and any(k in errors for k in NETWORK_ERRORS):
        return "unreachable", next(k for k in NETWORK_ERRORS if k in errors)
    if documents == 0 and blocked:
        return "blocked", blocked[0]
    if documents == 0 and (stats.get("spider_exceptions/count") or errors.get("layout_changed")):
        return "failed", "layout_changed" if errors.get("layout_changed") else "spider_exception"
    return "ok", None


class SummaryExtension:
    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SummaryExtension:
        path = crawler.settings.get("NIANBAO_SUMMARY")
        if not path:
            raise NotConfigured("no NIANBAO_SUMMARY file")
        return cls(crawler, Path(path))

    def spider_closed(self, spider: Any, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        outcome, error_class = judge(stats)
        messages = getattr(spider, "error_messages", {})
        self.crawler.stats.set_value("nianbao/outcome", outcome)
        summary = {
            "portal": getattr(getattr(spider, "portal", None), "id", None),
            "outcome": outcome,
            "error_class": error_class,
            "error_message": messages.get(error_class) if error_class else None,
            "pages": stats.get("nianbao/fetches") or stats.get("downloader/response_count", 0),
            "documents": stats.get("nianbao/items/new", 0) + stats.get("nianbao/items/unchanged", 0),
            "new_documents": stats.get("nianbao/items/new", 0),
            "errors": {k.split("/", 2)[2]: v for k, v in sorted(stats.items()) if k.startswith("nianbao/error/")},
            "offsite": stats.get("nianbao/offsite_urls", []),
            "family": getattr(spider, "family", None),
            "run_id": getattr(getattr(self.crawler, "_nianbao_recorder", None), "run_id", None),
            "scouted": getattr(spider, "scouted", []),
            "stats": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in stats.items()
                      if k in STATS_KEPT or k.startswith(("nianbao/incremental", "nianbao/skipped", "nianbao/items"))},
        }
        summary["stats"]["finish_reason"] = reason
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
