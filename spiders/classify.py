"""Name what went wrong with a response, as the archive's ``error_class`` (None when all is well).

HTTP errors are ``http_<status>``; anti-bot answers are ``blocked_412``, ``blocked_521`` or
``blocked_captcha`` (a 200 page that asks for a captcha or a slider); a 200 page that says "page not
found" is ``soft_404``; a 200 with no bytes is ``empty_body``; a document whose bytes are not what
its type promises (a PDF without ``%PDF``/``%%EOF``, a DOCX that is not a zip) is ``corrupt_document``.
"""

from __future__ import annotations

import re

from scrapy.http import Response

BLOCKED_STATUSES = {412: "blocked_412", 521: "blocked_521"}
_CAPTCHA = re.compile(rb"(?:\xe9\xaa\x8c\xe8\xaf\x81\xe7\xa0\x81|captcha|slide-verify|nc_iconfont|geetest)", re.I)  # 验证码
_CAPTCHA_CONTEXT = re.compile(rb"<form|<input|verify", re.I)
_REPORT_TEXT = re.compile("年度报告|年报".encode()
                          + rb"|" + "年度报告".encode("gbk") + rb"|" + "年报".encode("gbk"))
_SOFT_404 = re.compile(
    "页面不存在|页面未找到|找不到页面|您访问的页面不存在|页面已删除|已被删除|404 Not Found|Page Not Found|文章不存在|信息不存在"
)
_OFFICE = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # a .doc link often serves a DOCX, and back
_MAGIC = {"pdf": (b"%PDF-",), "docx": _OFFICE, "doc": _OFFICE}


def sniff_form(body: bytes, url: str = "", media_type: str | None = None) -> str:
    """``pdf``, ``docx``, ``doc``, ``html`` or ``other``, from the bytes first, then type and URL."""
    head = body[:8]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    lowered = url.lower().split("?")[0]
    mt = (media_type or "").lower()
    if "pdf" in mt or lowered.endswith(".pdf"):
        return "pdf"
    if "wordprocessingml" in mt or lowered.endswith(".docx"):
        return "docx"
    if "msword" in mt or lowered.endswith(".doc"):
        return "doc"
    if "html" in mt or lowered.endswith((".html", ".htm", ".shtml")) or b"<html" in body[:2048].lower():
        return "html"
    return "other"


def classify_response(response: Response) -> tuple[str | None, str | None]:
    """``(error_class, message)`` for ``response``; ``(None, None)`` for a usable one."""
    status = response.status
    if status in BLOCKED_STATUSES:
        return BLOCKED_STATUSES[status], f"HTTP {status}: anti-bot challenge"
    if status == 304 or 300 <= status < 400:
        return None, None
    if status >= 400:
        return f"http_{status}", f"HTTP {status}"
    body = response.body
    if not body.strip():
        return "empty_body", "200 with an empty body"
    ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    form = sniff_form(body, response.url, ctype)
    if form == "html" or "html" in ctype:
        if len(body) < 20000 and _CAPTCHA.search(body) and _CAPTCHA_CONTEXT.search(body) \
                and not _REPORT_TEXT.search(body):  # a comment form with a captcha under a report is fine
            return "blocked_captcha", "page asks for a captcha"
        if len(body) < 6000:
            text = response.text if hasattr(response, "text") else body.decode("utf-8", "replace")
            if _SOFT_404.search(text):
                return "soft_404", "200 page that says the page does not exist"
        return None, None
    expected = _expected_form(response.url, ctype)
    if expected == "pdf" and b"%PDF-" not in body[:1024]:
        return "corrupt_document", f"not a PDF file (starts {body[:8]!r})"
    if expected in ("doc", "docx") and not body.startswith(_MAGIC[expected]):
        return "corrupt_document", f"not a {expected.upper()} file (starts {body[:8]!r})"
    if expected == "pdf" and b"%%EOF" not in body[-2048:]:
        return "corrupt_document", "truncated PDF (no %%EOF)"
    return None, None


def _expected_form(url: str, ctype: str) -> str | None:
    path = url.lower().split("?")[0]
    if "pdf" in ctype or path.endswith(".pdf"):
        return "pdf"
    if "wordprocessingml" in ctype or path.endswith(".docx"):
        return "docx"
    if "msword" in ctype or path.endswith(".doc"):
        return "doc"
    return None
