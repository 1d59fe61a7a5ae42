"""What every CMS family shares: column list -> article -> document, items with their sources.

A family subclasses :class:`ReportSpider` and provides ``list_entries`` (the links of one list
page), ``next_pages`` (further list pages) and, if its articles keep attachments somewhere
special, ``attachment_links``.  Everything else — recognising report titles, following a direct
document link or an article, treating an article without attachments as an inline HTML report,
incremental 304s, soft errors — happens here, the same for every family.

An empty list page is "layout changed" (``nianbao/error/layout_changed``), never "no report".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import scrapy
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from twisted.python.failure import Failure

from spiders.classify import sniff_form
from spiders.items import ReportItem
from spiders.recognition import (
    document_extension,
    is_interpretation,
    looks_like_report,
    match_report_title,
    normalize_title,
)
from spiders.registry import Portal, Unit
from storage.blobs import sha256_hex

_DATE = re.compile(r"(20\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
SOFT_ERRORS = ("soft_404", "empty_body", "blocked_captcha")


@dataclass
class Entry:
    """One link of a list page: what it says, where it goes, the date shown next to it."""

    title: str
    url: str
    published: str | None = None


def iso_date(text: str | None) -> str | None:
    m = _DATE.search(text or "")
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def link_title(a: Any) -> str:
    """A link's title: its ``title`` attribute, else its text, else the file name in its URL."""
    title = (a.attrib.get("title") or "").strip()
    text = normalize_title(" ".join(a.css("::text").getall()))
    best = title if len(normalize_title(title)) >= len(text) else text
    if not normalize_title(best):
        best = unquote(urlsplit(a.attrib.get("href", "")).path.rsplit("/", 1)[-1])
    return normalize_title(best)


class ReportSpider(scrapy.Spider):
    name = "report"
    family = "generic"
    max_depth = 2  # list pages reached by following column links from a start page

    def __init__(self, portal: Portal, years: Iterable[int], *, scout: bool = False, **kwargs: Any) -> None:
        super().__init__(name=f"{self.family}-{portal.id}", **kwargs)
        self.portal = portal
        self.years = sorted({int(y) for y in years})
        self.scout = scout
        self.selectors = portal.effective_selectors
        self.error_messages: dict[str, str] = {}
        self.scouted: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ family hooks

    def list_entries(self, response: TextResponse) -> list[Entry]:
        raise NotImplementedError

    def next_pages(self, response: TextResponse) -> Iterator[Request]:
        return iter(())

    def attachment_links(self, response: TextResponse) -> list[Entry]:
        """Links to document files inside the article body (whole page if no body matches)."""
        scope: Any = response.css(self.selectors.get("body", "body")) or response.css("body") or [response]
        out: list[Entry] = []
        for part in scope:
            for a in part.css("a[href]"):
                href = a.attrib["href"].strip()
                url = response.urljoin(href)
                if document_extension(url) or "downfile" in href.lower():
                    out.append(Entry(link_title(a), url))
        return out

    # ------------------------------------------------------------------ requests

    async def start(self):  # type: ignore[no-untyped-def]
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[Request]:
        for url in self.portal.start_urls:
            yield self.list_request(url, depth=0)

    def list_request(self, url: str, depth: int = 0, **kwargs: Any) -> Request:
        meta = {"nianbao_kind": "list", "nianbao_depth": depth, **kwargs.pop("meta", {})}
        cls = kwargs.pop("cls", Request)
        return cls(url, callback=self.parse_list, errback=self.on_error, meta=meta, **kwargs)

    def entry_request(self, entry: Entry, *, article_url: str | None = None, year: int | None = None,
                      reissue: bool = False, list_url: str | None = None) -> Request:
        kind = "document" if document_extension(entry.url) else "article"
        meta = {"nianbao_kind": kind, "nianbao_entry": {**asdict(entry), "year": year, "reissue": reissue,
                                                        "article_url": article_url, "list_url": list_url}}
        callback = self.parse_document if kind == "document" else self.parse_article
        return Request(entry.url, callback=callback, errback=self.on_error, meta=meta)

    # ------------------------------------------------------------------ callbacks

    def parse_list(self, response: Response) -> Iterator[Any]:
        """A column list page: follow every report of the wanted years, then further pages."""
        response = self.decoded(response)
        if not isinstance(response, TextResponse) or self.soft_error(response):
            return
        entries = self.list_entries(response)
        if not entries:
            self.layout_changed(response, "list page has no entries")
            return
        for entry in entries:
            yield from self.follow(response, entry)
        yield from self.next_pages(response)  # scout mode too: it reads the whole list layer

    def follow(self, response: TextResponse, entry: Entry) -> Iterator[Request]:
        match = match_report_title(entry.title, self.years)
        if match is None and document_extension(entry.url):
            match = match_report_title(unquote(entry.url.rsplit("/", 1)[-1]), self.years)
        if match is None:
            self.crawler.stats.inc_value("nianbao/entries/not_a_report")
            return
        self.crawler.stats.inc_value("nianbao/entries/report")
        if self.scout:
            self.scouted.append({**asdict(entry), "year": match.year, "reissue": match.reissue})
            return
        yield self.entry_request(entry, article_url=response.url if document_extension(entry.url) else None,
                                 year=match.year, reissue=match.reissue, list_url=response.url)

    def parse_article(self, response: Response) -> Iterator[Any]:
        """An article page: its report attachments, or the page itself if the report is inline."""
        response = self.decoded(self.known_body(response))
        if not isinstance(response, TextResponse):
            # the "article" link served a document directly (no extension in its URL)
            yield from self.parse_document(response)
            return
        if self.soft_error(response):
            return
        entry = response.meta["nianbao_entry"]
        entry["published"] = entry.get("published") or self.article_date(response)
        links = [a for a in self.attachment_links(response) if not is_interpretation(a.title)]
        reports = [a for a in links if looks_like_report(a.title)] or links
        if reports:
            for a in reports:
                doc = Entry(entry["title"], a.url, entry["published"])
                yield self.entry_request(doc, article_url=response.url, year=entry["year"],
                                         reissue=entry["reissue"] or bool(match_report_title(a.title) and
                                                                          match_report_title(a.title).reissue))  # type: ignore[union-attr]
            return
        yield self.item(response, entry, document_url=response.url, form="html")

    def parse_document(self, response: Response) -> Iterator[Any]:
        """A report file (PDF, DOCX, DOC …)."""
        if response.meta.get("nianbao_error_class") in SOFT_ERRORS:
            self.skip(response, response.meta["nianbao_error_class"])
            return
        entry = response.meta["nianbao_entry"]
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        form = "html" if response.status == 304 and document_extension(response.url) is None else None
        if form is None:
            known = response.meta.get("nianbao_known") or {}
            form = sniff_form(response.body, response.url, ctype or known.get("media_type"))
        yield self.item(response, entry, document_url=response.url, form=form)

    # ------------------------------------------------------------------ items

    def item(self, response: Response, entry: dict[str, Any], *, document_url: str, form: str) -> ReportItem | None:
        known = response.meta.get("nianbao_known")
        unchanged = response.status == 304
        if unchanged and not isinstance(known, dict):
            self.skip(response, "304_without_known_copy")
            return None
        unit = self.resolve_unit(entry["title"])
        meta = response.meta
        started = meta.get("nianbao_started_at")
        media_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").split(";")[0].strip() or None
        item = ReportItem(
            portal=self.portal.id, unit=unit.name,
            region_code=None if unit.region_code in (None, "000000") else unit.region_code, year=entry["year"],
            title=entry["title"], document_url=document_url,
            # the page that announced it: the article, or the list page for a direct link
            url=entry.get("article_url") or (entry.get("list_url") if document_url == response.url and
                                             form != "html" else None) or response.url,
            published=entry.get("published"), reissue=bool(entry.get("reissue")), form=form,
            unchanged=unchanged, error_class=meta.get("nianbao_error_class"),
        )
        if unchanged and isinstance(known, dict):
            item.update(sha256=known["sha256"], fetch_id=known["fetch_id"], fetched_at=known["fetched_at"],
                        media_type=known.get("media_type") or media_type)
        else:
            from spiders.recorder import decoded_body

            item.update(sha256=sha256_hex(decoded_body(response)),
                        fetch_id=meta.get("nianbao_fetch_id"),
                        fetched_at=started.isoformat() if started else None, media_type=media_type)
        return item

    def resolve_unit(self, title: str) -> Unit:
        """The registry unit the title names (longest match), else the agency the title names."""
        title = normalize_title(title)
        named = [u for u in self.portal.units if u.name in title]
        if named:
            return max(named, key=lambda u: len(u.name))
        for u in self.portal.units:
            if u.kind == "government" and u.name.endswith("人民政府") and title.startswith(u.name[:-4]):
                head = re.split(r"(?:关于)?(?:20\d{2}|二[〇○零一二三四五六七八九]{3})", title)[0]
                if head in (u.name[:-4], u.name[:-2]):
                    return u
        head = re.split(r"(?:关于)?(?:20\d{2}|二[〇○零一二三四五六七八九]{3})", title)[0].strip("：:")
        if len(head) >= 2:
            return Unit(name=head, region_code=self.portal.region_code,
                        kind="government" if head.endswith("政府") else "department")
        return self.portal.units[0]

    # ------------------------------------------------------------------ helpers

    def decoded(self, response: Response) -> Response:
        """Apply the portal's ``encoding`` to pages that do not declare a charset in HTTP."""
        if self.portal.encoding and isinstance(response, TextResponse):
            ctype = (response.headers.get(b"Content-Type") or b"").lower()
            if b"charset" not in ctype:
                return response.replace(encoding=self.portal.encoding)
        return response

    def known_body(self, response: Response) -> Response:
        """A 304 article page: the archived copy stands in for the body."""
        known = response.meta.get("nianbao_known")
        if response.status != 304 or not known:
            return response
        from spiders.recorder import get_recorder

        recorder = get_recorder(self.crawler)
        if recorder is None:
            return response
        body = recorder.archive.read_blob(known["sha256"])
        if sniff_form(body, response.url, known.get("media_type")) != "html":
            return response
        return HtmlResponse(response.url, status=304, body=body, request=response.request,
                            encoding=self.portal.encoding or None)  # type: ignore[arg-type]

    def article_date(self, response: TextResponse) -> str | None:
        for text in response.css(self.selectors.get("article_date", ".date::text")).getall():
            if iso_date(text):
                return iso_date(text)
        return iso_date(" ".join(response.css("body ::text").getall())[:3000])

    def soft_error(self, response: Response) -> bool:
        error_class = response.meta.get("nianbao_error_class")
        if error_class in SOFT_ERRORS:
            self.skip(response, error_class)
            return True
        return False

    def skip(self, response: Response, reason: str) -> None:
        self.crawler.stats.inc_value(f"nianbao/skipped/{reason}")
        self.logger.info("skipped %s: %s", response.url, reason)

    def layout_changed(self, response: Response, message: str) -> None:
        self.crawler.stats.inc_value("nianbao/error/layout_changed")
        self.error_messages["layout_changed"] = f"{response.url}: {message}"
        self.logger.warning("layout changed? %s: %s", response.url, message)

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        meta = request.meta if request is not None else {}
        error_class = meta.get("nianbao_error_class") or type(failure.value).__name__
        self.error_messages.setdefault(error_class, f"{getattr(request, 'url', '?')}: {failure.getErrorMessage()}")
        self.logger.info("failed %s: %s", getattr(request, "url", "?"), failure.getErrorMessage())


def join(response: TextResponse, href: str) -> str:
    return urljoin(response.url, href.strip())
