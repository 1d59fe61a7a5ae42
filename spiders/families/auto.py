"""``--family auto``: look at the first list page, pick the family whose markers it shows.

Detection (:func:`spiders.detect.detect_family`) runs on the start page itself, so it costs no
extra request; from then on the spider parses as that family with its default selectors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response, TextResponse

from spiders.detect import detect_family
from spiders.families import spider_class
from spiders.families.base import Entry, ReportSpider
from spiders.selectors import family_selectors


class AutoSpider(ReportSpider):
    name = "auto"
    family = "auto"

    def parse_list(self, response: Response) -> Iterator[Any]:
        if self.family == "auto" and isinstance(response, TextResponse):
            self.family = detect_family(response.body)
            self.selectors = family_selectors(self.family, self.portal.selectors)
            self.crawler.stats.set_value("nianbao/detected_family", self.family)
            self.logger.info("detected CMS family %s at %s", self.family, response.url)
        yield from super().parse_list(response)

    def _impl(self) -> type[ReportSpider]:
        return spider_class(self.family if self.family != "auto" else "generic")

    def list_entries(self, response: TextResponse) -> list[Entry]:
        return self._impl().list_entries(self, response)

    def next_pages(self, response: TextResponse) -> Iterator[Request]:
        return self._impl().next_pages(self, response)

    def attachment_links(self, response: TextResponse) -> list[Entry]:
        return self._impl().attachment_links(self, response)
