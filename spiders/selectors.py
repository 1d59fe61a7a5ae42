"""Each CMS family's default selectors and URL patterns: the keys a portal entry may override.

A portal entry in ``spiders/portals/*.yaml`` lists under ``selectors:`` only what differs from
its family's defaults; the registry rejects any key that is not listed here for that family.
Values are CSS selectors (``::attr()``/``::text`` allowed) or regular expressions (keys ending in
``_re``).
"""

from __future__ import annotations

FAMILY_DEFAULTS: dict[str, dict[str, str]] = {
    "trs": {
        # one entry of the column list: a link with a title and a date near it
        "list_item": "ul li, .list li, table.list tr",
        "list_link": "a",
        "list_date": "span::text, .date::text, td:last-child::text",
        "page_count_re": r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([^'\"]+)['\"]\s*,\s*['\"]([^'\"]+)['\"]",
        "article_re": r"/t\d{8}_\d+\.s?html?$",
        "body": "div.TRS_Editor, div.trs_editor_view, div#zoom, div.view",
        "article_title": "meta[name=ArticleTitle]::attr(content), h1::text, title::text",
        "article_date": "meta[name=PubDate]::attr(content), .pubdate::text, .info::text",
    },
    "hanweb": {
        "record_link": "a",
        "record_date": "span::text, .date::text, td:last-child::text",
        "article_re": r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$",
        "body": "div#zoom, div.zoom, div#barrierfree_container",
        "article_title": "meta[name=ArticleTitle]::attr(content), h1::text, title::text",
        "article_date": "meta[name=PubDate]::attr(content), .pubdate::text, .info::text",
        "perpage": "15",
    },
    "generic": {
        "list_link": "a[href]",
        "body": "body",
        "article_title": "h1::text, title::text",
        "article_date": ".date::text, .pubdate::text, .info::text",
    },
}

FAMILIES: tuple[str, ...] = tuple(FAMILY_DEFAULTS)


def family_selectors(family: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The family's defaults with a portal's overrides applied."""
    merged = dict(FAMILY_DEFAULTS[family])
    merged.update(overrides or {})
    return merged
