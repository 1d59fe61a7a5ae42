"""The form of a document comes from its content, not its name."""

from __future__ import annotations

import io
import zipfile

import pytest

import parsers


def _zip(name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, "<x/>")
    return buf.getvalue()


@pytest.mark.parametrize("data, form", [
    (b"%PDF-1.7\n...", "pdf"),
    (b"\n\n%PDF-1.4 junk before the header is tolerated", "pdf"),
    (_zip("word/document.xml"), "docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "WordDocument".encode("utf-16-le"), "doc"),
    (b"{\\rtf1\\ansi hello}", "doc"),
    (b"\x89PNG\r\n\x1a\n....", "image"),
    (b"\xff\xd8\xff\xe0....", "image"),
    ("<!DOCTYPE html><html><body><p>报告</p></body></html>".encode(), "html"),
    ("  <meta charset=gbk><table><tr><td>1</td></tr></table>".encode("gbk"), "html"),
    ("某局2023年政府信息公开工作年度报告\n一、总体情况\n".encode("gb18030"), "text"),
])
def test_detect_form(data: bytes, form: str) -> None:
    assert parsers.detect_form(data) == form


@pytest.mark.parametrize("data, error", [
    (b"", "empty_file"),
    (_zip("xl/workbook.xml"), "unknown_format"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "Workbook".encode("utf-16-le"), "unknown_format"),
    (b"\x00\x00\x01\x00" * 1000, "unknown_format"),
])
def test_detect_form_errors(data: bytes, error: str) -> None:
    with pytest.raises(parsers.ParseError) as err:
        parsers.detect_form(data)
    assert err.value.error == error
