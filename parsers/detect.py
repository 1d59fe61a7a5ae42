"""What form a document is in, by its content (never its file name), and reading it.

Magic numbers first (PDF, ZIP-based DOCX, OLE2 DOC/WPS, RTF, images), then text: HTML
when markup appears near the start, else plain text.  A ZIP that is not a Word document,
an OLE2 file that is not a Word/WPS document, and binary data are ``unknown_format``;
zero bytes is ``empty_file``.  An HTML page that is an error page (404, 403, captcha, "页面
不存在") rather than a report is ``html_error_page``.
"""

from __future__ import annotations

import io
import re
import zipfile

from parsers.model import ParseError, SourceDocument
from parsers.readers import FORMS, reader_for

MAX_BYTES = 200 * 1024 * 1024

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")
_HTML_START = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|meta|title|table|div|p|span|style|script)[\s>/]",
                         re.IGNORECASE)
_ERROR_WORDS = re.compile(
    r"(?<!\d)(?:404|403|500|502|503)(?!\d)|not\s*found|forbidden|access\s*denied|页面不存在|页面未找到|找不到|无法访问|访问被拒绝|"
    r"拒绝访问|系统繁忙|服务器错误|出错了|验证码|安全验证|请开启JavaScript|error", re.IGNORECASE)
_REPORT_WORDS = ("年度报告", "政府信息公开", "政务公开", "依申请公开")
_TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.IGNORECASE | re.DOTALL)


def _ole_is_word(data: bytes) -> bool:
    head = data[: 1024 * 1024]
    return "WordDocument".encode("utf-16-le") in head or b"WordDocument" in head


def detect_form(data: bytes) -> str:
    """'pdf' | 'html' | 'docx' | 'doc' | 'text' | 'image', decided by content; raises ParseError."""
    if not data:
        raise ParseError("empty_file", "the file is empty (0 bytes)")
    if len(data) > MAX_BYTES:
        raise ParseError("too_large", f"the file is {len(data) // (1024 * 1024)} MB; the limit is "
                                      f"{MAX_BYTES // (1024 * 1024)} MB")
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            raise ParseError("corrupt_docx", "the file is a damaged ZIP archive") from None
        if "word/document.xml" in names:
            return "docx"
        if "OFD.xml" in names:
            raise ParseError("unknown_format", "the file is an OFD document; OFD is not supported (ask for PDF)")
        if any(n.startswith("xl/") for n in names):
            raise ParseError("unknown_format", "the file is an Excel workbook, not a report document")
        raise ParseError("unknown_format", "the file is a ZIP archive but not a Word (DOCX) document")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if _ole_is_word(data):
            return "doc"
        raise ParseError("unknown_format", "the file is an OLE2 (Office) file but not a Word/WPS document")
    if data.lstrip()[:5] == b"{\\rtf":
        return "doc"
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    sample = data[:65536]
    if sample.count(b"\x00") > len(sample) // 100 + 1 and not _utf16_text(sample):
        raise ParseError("unknown_format", "the file is binary data of no known document form")
    if _HTML_START.search(sample[:16384]):
        return "html"
    return "text"


def _utf16_text(sample: bytes) -> bool:
    return sample[:2] in (b"\xff\xfe", b"\xfe\xff")


def html_error_page(data: bytes) -> str | None:
    """A short description when the HTML is an error page rather than a report, else None."""
    from parsers.readers.text import decode

    try:
        html = decode(data[:200000])
    except ParseError:
        return None
    title_m = re.search(r"<title[^>]*>(.*?)</title>", html, re.IGNORECASE | re.DOTALL)
    title = re.sub(r"\s+", " ", title_m.group(1)).strip() if title_m else ""
    text = re.sub(r"\s+", "", _TAGS.sub(" ", html))
    if any(w in text for w in _REPORT_WORDS) and len(text) > 400:
        return None
    probe = title + " " + text[:400]
    if _ERROR_WORDS.search(probe) or len(text) < 40:
        return title or text[:60] or "an empty page"
    return None


def read_document(data: bytes, fmt: str = "auto") -> tuple[str, SourceDocument]:
    """Detect (or take) the form and read the bytes into a SourceDocument."""
    if fmt == "auto":
        form = detect_form(data)
    elif fmt in FORMS:
        if not data:
            raise ParseError("empty_file", "the file is empty (0 bytes)")
        form = fmt
    else:
        raise ParseError("unknown_format", f"unknown format {fmt!r}; use one of auto, {', '.join(FORMS)}")
    if form == "html":
        why = html_error_page(data)
        if why is not None:
            raise ParseError("html_error_page", f"the file is an HTML error page, not a report: {why}")
    doc = reader_for(form)(data)
    return form, doc
