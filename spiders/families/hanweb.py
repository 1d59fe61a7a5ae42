"""Hanweb / 大汉 jcms: county and city portals of many provinces.

A column ``/col/colNNN/index.html`` hides its list in ``<script type="text/xml"><datastore>`` as
``<record><![CDATA[<li><a …>]]></record>``; the first records are embedded, the rest come only
from a POST to ``/module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…`` with the
``columnid``/``unitid``/``webid`` form fields that the ``<nextgroup>`` link carries.  Articles
are ``/art/Y/M/D/art_COL_ID.html`` with the body in ``div#zoom``.

Example portals: 固原市原州区人民政府 (nx-guyuan-yuanzhou), demo-hanweb.
History: 2026-11-30 first version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector
from scrapy.http import FormRequest, Request, TextResponse

from spiders.families.base import Entry, ReportSpider, iso_date, link_title

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)[\"']", re.S)
_TOTAL = re.compile(r"(?:totalRecord\s*[:=]\s*['\"]?|<totalrecord>)(\d+)", re.I)
_PERPAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.I)
GROUP_PAGES = 3  # jpage.js asks for three pages of records per POST


class HanwebSpider(ReportSpider):
    name = "hanweb"
    family = "hanweb"

    def list_entries(self, response: TextResponse) -> list[Entry]:
        entries: list[Entry] = []
        for html in _RECORD.findall(response.text):
            sel = Selector(text=html)
            link = sel.css(self.selectors["record_link"])
            if not link or "href" not in link[0].attrib:
                continue
            dates = [iso_date(t) for t in sel.css(self.selectors["record_date"]).getall()]
            date = next((d for d in dates if d), None) or iso_date(" ".join(sel.css("::text").getall()))
            entries.append(Entry(link_title(link[0]), response.urljoin(link[0].attrib["href"].strip()), date))
        return entries

    def next_pages(self, response: TextResponse) -> Iterator[Request]:
        if response.meta.get("hanweb_proxy"):
            return
        text = response.text
        total_m, group_m = _TOTAL.search(text), _NEXTGROUP.search(text)
        if not total_m or not group_m:
            return
        total = int(total_m.group(1))
        embedded = len(_RECORD.findall(text))
        per_m = _PERPAGE.search(text)
        perpage = int(per_m.group(1)) if per_m else int(self.selectors["perpage"])
        href = group_m.group(1).replace("&amp;", "&")
        parts = urlsplit(response.urljoin(href))
        params = dict(parse_qsl(parts.query))
        form = {"col": "1", "appid": params.get("appid", "1"), "webid": params.get("webid", "1"),
                "path": params.get("path", "/"), "columnid": params.get("columnid", ""),
                "sourceContentType": "1", "unitid": params.get("unitid", ""),
                "webname": params.get("webname", ""), "permissiontype": params.get("permissiontype", "0")}
        proxy = f"{parts.scheme}://{parts.netloc}{parts.path}"
        step = perpage * GROUP_PAGES
        limit = min(total, self.portal.max_list_pages * perpage)
        for start in range(embedded + 1, limit + 1, step):
            end = min(start + step - 1, total)
            yield self.list_request(f"{proxy}?startrecord={start}&endrecord={end}&perpage={perpage}",
                                    cls=FormRequest, formdata=form, meta={"hanweb_proxy": True},
                                    depth=response.meta.get("nianbao_depth", 0))
