"""One spider class per CMS family; a portal entry picks one with ``family:``."""

from __future__ import annotations

from spiders.families.base import ReportSpider


def spider_class(family: str) -> type[ReportSpider]:
    if family == "trs":
        from spiders.families.trs import TrsSpider

        return TrsSpider
    if family == "hanweb":
        from spiders.families.hanweb import HanwebSpider

        return HanwebSpider
    if family == "generic":
        from spiders.families.generic import GenericSpider

        return GenericSpider
    raise ValueError(f"unknown CMS family {family!r}")
