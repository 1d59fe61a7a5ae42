"""Each family's parsing callbacks on saved responses (tests/fixtures/responses/<family>/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import FormRequest, HtmlResponse, Request, Response, XmlResponse
from scrapy.utils.test import get_crawler

from spiders.families.base import ReportSpider
from spiders.families.generic import GenericSpider
from spiders.families.hanweb import HanwebSpider
from spiders.families.trs import TrsSpider
from spiders.items import ReportItem
from spiders.registry import Portal

FIXTURES = Path(__file__).parents[1] / "fixtures" / "responses"


def file_response(family: str, name: str, meta: dict[str, Any] | None = None) -> Response:
    info = json.loads((FIXTURES / family / "urls.json").read_text())[name]
    body = (FIXTURES / family / name).read_bytes()
    cls = XmlResponse if "xml" in (info["content_type"] or "") else HtmlResponse
    request = Request(info["url"], method=info["method"], meta=meta or {})
    return cls(info["url"], body=body, headers={"Content-Type": info["content_type"]}, request=request)


def spider_for(cls: type[ReportSpider], family: str, years: list[int], units: list[dict[str, str]]) -> ReportSpider:
    info = json.loads((FIXTURES / family / "urls.json").read_text())
    origin = "/".join(next(iter(info.values()))["url"].split("/")[:3])
    portal = Portal.model_validate({
        "id": f"fixture-{family}", "name": "fixture", "family": cls.family, "region_code": "640500",
        "units": units, "start_urls": [origin + "/"], "domains": [origin.split("//")[1]],
    })
    crawler = get_crawler(cls, {"NIANBAO_ARCHIVE": False})
    spider = cls.from_crawler(crawler, portal=portal, years=years)
    crawler.spider = spider
    return spider


def split(results: list[Any]) -> tuple[list[Request], list[ReportItem]]:
    return [r for r in results if isinstance(r, Request)], [r for r in results if isinstance(r, ReportItem)]


# ------------------------------------------------------------------------------ TRS

def test_trs_list_page_gbk_entries_and_paging() -> None:
    spider = spider_for(TrsSpider, "trs", [2023], [{"name": "中卫市人民政府"}])
    response = file_response("trs", "index.html", {"nianbao_kind": "list", "nianbao_depth": 0})
    assert isinstance(response, HtmlResponse) and response.encoding in ("gb18030", "gbk", "gb2312")
    entries = spider.list_entries(response)  # type: ignore[arg-type]
    assert len(entries) == 8
    assert entries[2].title == "中卫市人民政府2023年政府信息公开工作年度报告"
    assert entries[2].published == "2024-03-20"
    requests, items = split(list(spider.parse_list(response)))
    urls = [r.url for r in requests]
    base = response.url.rsplit("/", 1)[0]
    assert f"{base}/index_1.html" in urls and f"{base}/index_2.html" in urls
    assert f"{base}/202403/t20240320_1001.html" in urls  # the 2023 report
    assert f"{base}/202401/t20240125_1006.html" in urls
    assert not any("解读" in str(r.meta.get("nianbao_entry")) for r in requests)  # interpretation skipped
    assert any("localhost" in u for u in urls)  # off-domain link is requested: the middleware refuses it
    assert not items


def test_trs_second_page_does_not_announce_pages_again() -> None:
    spider = spider_for(TrsSpider, "trs", [2022, 2023], [{"name": "中卫市人民政府"}])
    response = file_response("trs", "index_1.html", {"nianbao_kind": "list", "nianbao_depth": 0})
    requests, _ = split(list(spider.parse_list(response)))
    assert not [r for r in requests if "index_" in r.url]
    assert [r for r in requests if r.meta["nianbao_kind"] == "article"]


def test_trs_article_with_attachment() -> None:
    spider = spider_for(TrsSpider, "trs", [2023], [{"name": "中卫市人民政府"}])
    entry = {"title": "中卫市人民政府2023年政府信息公开工作年度报告", "url": "", "published": None,
             "year": 2023, "reissue": False, "article_url": None}
    response = file_response("trs", "t20240320_1001.html", {"nianbao_kind": "article", "nianbao_entry": entry})
    requests, items = split(list(spider.parse_article(response)))
    assert [r.url.rsplit("/", 1)[1] for r in requests] == ["P020240320004005.pdf"]
    assert requests[0].meta["nianbao_entry"]["article_url"] == response.url
    assert requests[0].meta["nianbao_entry"]["published"] == "2024-03-20"
    assert not items


def test_trs_inline_html_report_is_the_document() -> None:
    spider = spider_for(TrsSpider, "trs", [2022], [{"name": "中卫市人民政府", "kind": "government"}])
    entry = {"title": "中卫市人民政府2022年政府信息公开工作年度报告", "url": "", "published": "2023-03-15",
             "year": 2022, "reissue": False, "article_url": None}
    response = file_response("trs", "t20230315_1002.html", {"nianbao_kind": "article", "nianbao_entry": entry})
    requests, items = split(list(spider.parse_article(response)))
    assert not requests
    (item,) = items
    assert item["document_url"] == item["url"] == response.url
    assert item["form"] == "html" and item["unit"] == "中卫市人民政府" and item["region_code"] == "640500"
    assert len(item["sha256"]) == 64 and item["unchanged"] is False


# ------------------------------------------------------------------------------ Hanweb

def test_hanweb_datastore_records_and_post_paging() -> None:
    spider = spider_for(HanwebSpider, "hanweb", [2022], [{"name": "原州区人民政府"}])
    response = file_response("hanweb", "col1001.html", {"nianbao_kind": "list", "nianbao_depth": 0})
    entries = spider.list_entries(response)  # type: ignore[arg-type]
    assert len(entries) == 10 and all(e.published for e in entries)
    requests, _ = split(list(spider.parse_list(response)))
    posts = [r for r in requests if isinstance(r, FormRequest)]
    assert len(posts) == 1
    post = posts[0]
    assert post.method == "POST" and "dataproxy.jsp?startrecord=11&endrecord=23&perpage=10" in post.url
    form = dict(x.split("=", 1) for x in post.body.decode().split("&"))
    assert form["columnid"] == "1001" and form["unitid"] == "5001"
    # 2022 reports are not among the embedded records: nothing else to follow for 2022
    assert [r for r in requests if not isinstance(r, FormRequest)] == [
        r for r in requests if "art_1001_3002" in r.url]


def test_hanweb_dataproxy_records() -> None:
    spider = spider_for(HanwebSpider, "hanweb", [2022], [{"name": "原州区审批服务管理局"}])
    response = file_response("hanweb", "dataproxy.xml", {"nianbao_kind": "list", "nianbao_depth": 0,
                                                         "hanweb_proxy": True})
    requests, _ = split(list(spider.parse_list(response)))
    titles = sorted(r.meta["nianbao_entry"]["title"] for r in requests)
    assert "原州区审批服务管理局2022年政府信息公开工作年度报告（更正）" in titles
    assert [r.meta["nianbao_entry"]["reissue"] for r in requests if "更正" in r.meta["nianbao_entry"]["title"]] == [True]
    assert not [r for r in requests if isinstance(r, FormRequest)]  # no paging from a proxy answer


def test_hanweb_article_attachment_in_zoom() -> None:
    spider = spider_for(HanwebSpider, "hanweb", [2023], [{"name": "原州区人民政府"}])
    entry = {"title": "原州区人民政府2023年政府信息公开工作年度报告", "url": "", "published": "2024-03-28",
             "year": 2023, "reissue": False, "article_url": None}
    response = file_response("hanweb", "art_1001_3001.html", {"nianbao_kind": "article", "nianbao_entry": entry})
    requests, _ = split(list(spider.parse_article(response)))
    assert [r.url.rsplit("/", 1)[1] for r in requests] == ["2403285001.pdf"]


# ------------------------------------------------------------------------------ generic

def test_generic_list_direct_links() -> None:
    spider = spider_for(GenericSpider, "generic", [2023], [{"name": "新华区人民政府"}])
    response = file_response("generic", "list.html", {"nianbao_kind": "list", "nianbao_depth": 1})
    requests, _ = split(list(spider.parse_list(response)))
    by_kind: dict[str, list[str]] = {}
    for r in requests:
        by_kind.setdefault(r.meta["nianbao_kind"], []).append(r.url)
    docs = by_kind["document"]
    assert any(u.endswith(".pdf") and "%E6%96%B0%E5%8D%8E%E5%8C%BA" in u for u in docs)  # percent-encoded name
    assert any("/gen/files/zwj/" in u for u in docs)  # ../../files resolved
    assert not any("gstz.pdf" in u or "tjgb.pdf" in u for u in docs)  # not reports
    assert any("fgw2023.html" in u for u in by_kind["article"])


def test_generic_follows_the_report_column() -> None:
    spider = spider_for(GenericSpider, "generic", [2023], [{"name": "新华区人民政府"}])
    response = file_response("generic", "index.html", {"nianbao_kind": "list", "nianbao_depth": 0})
    requests, _ = split(list(spider.parse_list(response)))
    assert [r.url.split("/gen/")[1] for r in requests] == ["zwgk/ndbg/list.html"]
    deep = file_response("generic", "index.html", {"nianbao_kind": "list", "nianbao_depth": 2})
    assert not split(list(spider.parse_list(deep)))[0]


def test_empty_list_is_layout_changed() -> None:
    spider = spider_for(TrsSpider, "trs", [2023], [{"name": "中卫市人民政府"}])
    response = file_response("generic", "refresh.html", {"nianbao_kind": "list", "nianbao_depth": 0})
    assert list(spider.parse_list(response)) == []
    assert spider.crawler.stats.get_value("nianbao/error/layout_changed") == 1


@pytest.mark.parametrize(
    ("title", "unit"),
    [
        ("中卫市审批服务管理局2023年政府信息公开工作年度报告", "中卫市审批服务管理局"),
        ("中卫市2023年政府信息公开工作年度报告", "中卫市人民政府"),
        ("中卫市卫生健康委员会2023年政府信息公开工作年度报告", "中卫市卫生健康委员会"),
    ],
)
def test_resolve_unit(title: str, unit: str) -> None:
    spider = spider_for(TrsSpider, "trs", [2023], [{"name": "中卫市人民政府", "kind": "government"},
                                                   {"name": "中卫市审批服务管理局", "kind": "department"}])
    assert spider.resolve_unit(title).name == unit


class ZhongweiSpider(TrsSpider):
    """A portal that needs code gets a small subclass of its family (as juriscraper's Site siblings)."""

    def article_date(self, response: Any) -> str | None:
        return "2024-01-01"


def test_portal_spider_subclass() -> None:
    from nianbao.errors import UserError
    from spiders.families import portal_spider_class

    base = {"id": "nx-custom", "name": "中卫市人民政府", "family": "trs", "region_code": "640500",
            "units": [{"name": "中卫市人民政府"}], "start_urls": ["http://www.nxzw.gov.cn/"]}
    assert portal_spider_class(Portal.model_validate(base)) is TrsSpider
    custom = Portal.model_validate({**base, "spider": "tests.spiders.test_families:ZhongweiSpider"})
    assert portal_spider_class(custom) is ZhongweiSpider
    wrong = Portal.model_validate({**base, "spider": "tests.spiders.test_families:HanwebSpider"})
    with pytest.raises(UserError, match="not a subclass of TrsSpider"):
        portal_spider_class(wrong)
    missing = Portal.model_validate({**base, "spider": "tests.spiders.nowhere:Nope"})
    with pytest.raises(UserError, match="cannot load spider"):
        portal_spider_class(missing)
