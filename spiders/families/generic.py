"""Generic: a static page of links, as small portals and department sites have.

Direct PDF/DOCX/DOC links (often with percent-encoded Chinese file names), ``../`` links,
meta-refresh entry pages and 302 download links (both handled by Scrapy's redirect
middlewares).  A link whose text names the report column (政府信息公开年报, 年度报告) without a
year is followed as a further list page, up to ``max_depth`` levels from the start URL.

Example portals: 平顶山市新华区人民政府 (ha-pingdingshan-xinhua), demo-generic.
History: 2026-11-30 first version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scrapy.http import Request, TextResponse

from spiders.families.base import Entry, ReportSpider, link_title
from spiders.recognition import document_extension, normalize_title, report_year

_COLUMN = re.compile(r"年度报告|年报")


class GenericSpider(ReportSpider):
    name = "generic"
    family = "generic"

    def list_entries(self, response: TextResponse) -> list[Entry]:
        entries = []
        for a in response.css(self.selectors["list_link"]):
            href = a.attrib.get("href", "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            entries.append(Entry(link_title(a), response.urljoin(href)))
        return entries

    def next_pages(self, response: TextResponse) -> Iterator[Request]:
        depth = response.meta.get("nianbao_depth", 0)
        if depth >= self.max_depth:
            return
        for entry in self.list_entries(response):
            title = normalize_title(entry.title)
            if (_COLUMN.search(title) and report_year(title) is None and not document_extension(entry.url)
                    and self.portal.allows(entry.url)):
                yield self.list_request(entry.url, depth=depth + 1)
