"""The item one crawl yields per report document found (one line of the crawl's ITEMS.jsonl)."""

from __future__ import annotations

import scrapy

ITEM_FIELDS = ("portal", "unit", "region_code", "year", "title", "url", "document_url", "sha256",
               "media_type", "fetched_at", "published", "fetch_id", "reissue", "form", "unchanged",
               "error_class")


class ReportItem(scrapy.Item):
    """A report document with its sources.

    ``url`` is the article page that announced it (or the list page for a direct link),
    ``document_url`` the file (equal to ``url`` for an inline HTML report); ``sha256`` is of the
    bytes archived by fetch ``fetch_id``; ``unchanged`` is true when the archive already held these
    bytes (304 or a known URL); ``error_class`` is set when the document is unusable as fetched
    (e.g. ``corrupt_document``) but was still found and archived.
    """

    portal = scrapy.Field()
    unit = scrapy.Field()
    region_code = scrapy.Field()
    year = scrapy.Field()
    title = scrapy.Field()
    url = scrapy.Field()
    document_url = scrapy.Field()
    sha256 = scrapy.Field()
    media_type = scrapy.Field()
    fetched_at = scrapy.Field()
    published = scrapy.Field()
    fetch_id = scrapy.Field()
    reissue = scrapy.Field()
    form = scrapy.Field()
    unchanged = scrapy.Field()
    error_class = scrapy.Field()
