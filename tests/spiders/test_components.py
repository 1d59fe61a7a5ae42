"""Classification and middlewares, built from a test crawler with plain Request/Response objects."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from nianbao.demo_portal import sites
from spiders.classify import classify_response, sniff_form
from spiders.families.generic import GenericSpider
from spiders.middlewares.blocked import BlockedMiddleware
from spiders.middlewares.capture import CaptureMiddleware, exception_class
from spiders.middlewares.offsite import OffsiteMiddleware
from spiders.registry import Portal

URL = "http://127.0.0.1:8700/gen/x"


def resp(body: bytes, status: int = 200, ctype: str = "text/html; charset=utf-8", url: str = URL) -> Response:
    cls = HtmlResponse if "html" in ctype else Response
    return cls(url, status=status, body=body, headers={"Content-Type": ctype})


@pytest.mark.parametrize(
    ("response", "error_class"),
    [
        (resp(sites.CHALLENGE_412.encode(), 412), "blocked_412"),
        (resp(b"<html>Just a moment</html>", 521), "blocked_521"),
        (resp('<html><form><input id="captcha">请输入验证码</form></html>'.encode()), "blocked_captcha"),
        (resp(sites.SOFT_404.encode()), "soft_404"),
        (resp('<html><h1>某县2023年政府信息公开工作年度报告</h1><form>留言<input>验证码</form></html>'.encode()), None),
        (resp(b"", 200, "application/pdf", URL + ".pdf"), "empty_body"),
        (resp(b"%PDF-1.4\n1 0 obj", 200, "application/pdf", URL + ".pdf"), "corrupt_document"),
        (resp(b"<html>oops</html>", 200, "application/pdf", URL + ".pdf"), "corrupt_document"),
        (resp(b"not found", 404), "http_404"),
        (resp(b"%PDF-1.4\n...\n%%EOF\n", 200, "application/pdf", URL + ".pdf"), None),
        (resp(b"PK\x03\x04rest", 200, "application/msword", URL + ".doc"), None),  # a DOCX behind .doc
        (resp("<html><body><p>中卫市2023年政府信息公开工作年度报告</p></body></html>".encode()), None),
        (resp(b"", 304), None),
    ],
)
def test_classify(response: Response, error_class: str | None) -> None:
    assert classify_response(response)[0] == error_class


def test_sniff_form() -> None:
    assert sniff_form(b"%PDF-1.7", "x.doc") == "pdf"
    assert sniff_form(b"PK\x03\x04", "x.doc") == "docx"
    assert sniff_form(b"\xd0\xcf\x11\xe0", "x.docx") == "doc"
    assert sniff_form(b"<html>", "x") == "html"


def test_exception_class() -> None:
    from scrapy.exceptions import DownloadConnectionRefusedError, DownloadTimeoutError
    from twisted.internet import error

    assert exception_class(DownloadConnectionRefusedError()) == "connection_refused"
    assert exception_class(DownloadTimeoutError()) == "timeout"
    assert exception_class(error.DNSLookupError()) == "dns_error"
    assert exception_class(error.ConnectionRefusedError()) == "connection_refused"


def crawler_with_portal(settings: dict[str, Any] | None = None) -> Any:
    portal = Portal.model_validate({"id": "test-portal", "name": "测试", "family": "generic", "region_code": "640500",
                                    "units": [{"name": "测试县人民政府"}], "start_urls": ["http://127.0.0.1:8700/gen/"]})
    crawler = get_crawler(GenericSpider, {"NIANBAO_ARCHIVE": False, **(settings or {})})
    crawler.spider = GenericSpider.from_crawler(crawler, portal=portal, years=[2023])
    return crawler


def test_offsite_refused_and_listed() -> None:
    crawler = crawler_with_portal()
    mw = OffsiteMiddleware.from_crawler(crawler)
    mw.process_request(Request("http://127.0.0.1:8700/gen/a.pdf"))  # allowed: no exception
    for _ in range(2):
        with pytest.raises(IgnoreRequest, match="offsite"):
            mw.process_request(Request("http://localhost:8700/mirror/a.pdf"))
    assert crawler.stats.get_value("nianbao/error/offsite") == 1
    assert crawler.stats.get_value("nianbao/offsite_urls") == ["http://localhost:8700/mirror/a.pdf"]


def test_blocked_host_is_never_asked_again() -> None:
    crawler = crawler_with_portal()
    mw = BlockedMiddleware.from_crawler(crawler)
    request = Request("http://127.0.0.1:8700/blocked/index.html", meta={"nianbao_error_class": "blocked_412"})
    with pytest.raises(IgnoreRequest):
        mw.process_response(request, resp(b"", 412))
    with pytest.raises(IgnoreRequest, match="host blocked"):
        mw.process_request(Request("http://127.0.0.1:8700/blocked/other.html"))
    assert crawler.stats.get_value("nianbao/blocked/blocked_412") == 1
    assert crawler.stats.get_value("nianbao/skipped/host_blocked") == 1


def test_capture_records_every_exchange(archive: Any) -> None:
    """With the archive on, a response becomes a fetch row, a blob and a WARC record."""
    from storage.models import Fetch
    from storage.warc import WarcLocation, read_record_payload

    crawler = crawler_with_portal({"NIANBAO_ARCHIVE": True, "NIANBAO_PORTAL_ID": None})
    mw = CaptureMiddleware.from_crawler(crawler)
    request = Request(URL + ".pdf")
    mw.process_request(request)
    body = b"%PDF-1.4\nhello\n%%EOF\n"
    out = mw.process_response(request, resp(body, 200, "application/pdf", URL + ".pdf"))
    assert out.status == 200
    fetch_id = request.meta["nianbao_fetch_id"]
    recorder = crawler._nianbao_recorder
    recorder.flush()
    recorder.warc.close()
    with archive.session() as s:
        row = s.get(Fetch, fetch_id)
        assert row.status == 200 and row.error_class is None and row.run_id == recorder.run_id
        assert archive.read_blob(row.blob_sha256) == body
        loc = WarcLocation(row.warc_file, row.warc_offset, row.warc_length, row.warc_record_id)
    assert read_record_payload(loc) == body
    # a failure with no response is a row too, with its error class
    failed = Request(URL + "/timeout")
    mw.process_request(failed)
    from scrapy.exceptions import DownloadTimeoutError

    mw.process_exception(failed, DownloadTimeoutError("took too long"))  # recorded, then left to retry
    recorder.flush()
    with archive.session() as s:
        row = s.get(Fetch, failed.meta["nianbao_fetch_id"])
        assert row.status is None and row.error_class == "timeout" and row.blob_sha256 is None
