"""One spider class per CMS family; a portal entry picks one with ``family:``."""

from __future__ import annotations

from spiders.families.base import ReportSpider
from spiders.registry import Portal


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


def portal_spider_class(portal: Portal) -> type[ReportSpider]:
    """The portal's own subclass (``spider: module:Class``) if it names one, else its family's spider."""
    base = spider_class(portal.family)
    if not portal.spider:
        return base
    from scrapy.utils.misc import load_object

    from nianbao.errors import UserError

    try:
        cls = load_object(portal.spider.replace(":", "."))
    except (ImportError, AttributeError, ValueError, NameError) as exc:
        raise UserError(f"portal {portal.id}: cannot load spider {portal.spider}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise UserError(f"portal {portal.id}: {portal.spider} is not a subclass of {base.__name__}")
    return cls
