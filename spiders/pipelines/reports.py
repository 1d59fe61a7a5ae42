"""Check each report item has its sources, and pass on each document once.

An item without ``portal``, ``url``, ``document_url`` or ``sha256`` is dropped with the missing
field named (stats ``nianbao/items/invalid``); the same document reached twice (two list entries,
a list page and an article) is dropped as ``nianbao/items/duplicate``.  The rest are counted in
``nianbao/items/new`` or ``nianbao/items/unchanged`` and written by the JSONL feed.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

REQUIRED = ("portal", "url", "document_url", "sha256", "year", "unit")


class ReportItemPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReportItemPipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        assert self.stats is not None
        missing = [k for k in REQUIRED if not item.get(k)]
        if missing:
            self.stats.inc_value("nianbao/items/invalid")
            raise DropItem(f"report item without {', '.join(missing)}: {dict(item)}")
        key = (item["document_url"], item["sha256"])
        if key in self.seen:
            self.stats.inc_value("nianbao/items/duplicate")
            raise DropItem(f"document already yielded: {item['document_url']}")
        self.seen.add(key)
        self.stats.inc_value("nianbao/items/unchanged" if item.get("unchanged") else "nianbao/items/new")
        return item
