"""TRS WCM (拓尔思): many provincial and city portals.

Column lists are ``index.html``, ``index_1.html`` … with the page count in a
``createPageHTML(count, current, "index", "html")`` script call; articles are
``./YYYYMM/tYYYYMMDD_NNN.html`` with the body in ``div.TRS_Editor`` and attachments
``./P0…pdf`` linked relatively; pages are often GBK.

Example portals: 中卫市人民政府 (nx-zhongwei), demo-trs.
History: 2026-11-30 first version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scrapy.http import Request, TextResponse

from spiders.families.base import Entry, ReportSpider, iso_date, link_title


class TrsSpider(ReportSpider):
    name = "trs"
    family = "trs"

    def list_entries(self, response: TextResponse) -> list[Entry]:
        entries: list[Entry] = []
        for row in response.css(self.selectors["list_item"]):
            link = row.css(self.selectors["list_link"])
            if not link or "href" not in link[0].attrib:
                continue
            a = link[0]
            date = next((iso_date(t) for t in row.css(self.selectors["list_date"]).getall() if iso_date(t)), None)
            entries.append(Entry(link_title(a), response.urljoin(a.attrib["href"].strip()),
                                 date or iso_date(" ".join(row.css("::text").getall()))))
        return entries

    def next_pages(self, response: TextResponse) -> Iterator[Request]:
        m = re.search(self.selectors["page_count_re"], response.text)
        if not m:
            return
        count, current, prefix, suffix = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        if current != 0:
            return  # pages are all announced by the first one
        for i in range(1, min(count, self.portal.max_list_pages)):
            yield self.list_request(response.urljoin(f"{prefix}_{i}.{suffix}"),
                                    depth=response.meta.get("nianbao_depth", 0))
