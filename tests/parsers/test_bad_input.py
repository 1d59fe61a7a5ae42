"""Bad input: each a clear error class and one-line message, JSON on stdout with --json, never a traceback."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import parsers
from nianbao.cli import cli

DEMO_PDF = Path(__file__).resolve().parents[2] / "nianbao/demo_portal/documents/trs-gov-2023.pdf"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _ascii_pdf(text: str) -> bytes:
    """A one-page PDF with one line of Helvetica text and no table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


ERROR_PAGE = ("<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
              "<body><h1>404</h1><p>您访问的页面不存在</p></body></html>").encode()

CASES = {
    "empty": (b"", {"empty_file"}),
    "html_error_page": (ERROR_PAGE, {"html_error_page"}),
    "captcha_page": ("<html><head><title>安全验证</title></head><body>请输入验证码</body></html>".encode(),
                     {"html_error_page"}),
    "zip_not_docx": (_zip({"data.csv": b"a,b\n1,2\n"}), {"unknown_format"}),
    "binary": (b"\x00\x01\x02\x03" * 5000, {"unknown_format"}),
    "plain_text_not_a_report": ("购物清单\n苹果\t3\n梨\t2\n".encode(), {"not_a_report"}),
    "pdf_without_tables": (_ascii_pdf("Minutes of a meeting"), {"not_a_report", "no_tables", "no_text"}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_parse_bytes_raises_a_clear_error_class(name: str) -> None:
    data, classes = CASES[name]
    with pytest.raises(parsers.ParseError) as err:
        parsers.parse_bytes(data)
    assert err.value.error in classes
    assert err.value.message and "\n" not in err.value.message


def test_truncated_pdf() -> None:
    data = DEMO_PDF.read_bytes()[:4000]
    with pytest.raises(parsers.ParseError) as err:
        parsers.parse_bytes(data)
    assert err.value.error in {"corrupt_pdf", "truncated_pdf"}


def test_docx_zip_bomb_is_refused_quickly() -> None:
    body = b"<w:document>" + b" " * (80 * 1024 * 1024) + b"</w:document>"
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": body})
    assert len(bomb) < 2 * 1024 * 1024
    start = time.monotonic()
    with pytest.raises(parsers.ParseError) as err:
        parsers.parse_bytes(bomb)
    assert err.value.error in {"zip_bomb", "too_large", "unsupported_format"}
    assert time.monotonic() - start < 10


def test_unknown_format_option_value() -> None:
    with pytest.raises(parsers.ParseError) as err:
        parsers.parse_bytes(b"abc", fmt="xls")
    assert err.value.error == "unknown_format"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(parsers.ParseError) as err:
        parsers.parse_file(tmp_path / "nope.pdf")
    assert err.value.error == "not_found"
    with pytest.raises(parsers.ParseError) as err:
        parsers.parse_file(tmp_path)
    assert err.value.error == "not_a_file"


def test_cli_json_error_for_a_pdf_that_is_an_html_error_page(tmp_path: Path) -> None:
    fake = tmp_path / "report.pdf"  # the name says PDF, the content is an error page
    fake.write_bytes(ERROR_PAGE)
    result = CliRunner().invoke(cli, ["parse", str(fake), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"error": "html_error_page", "message": json.loads(result.stdout)["message"]}
    assert "404" in json.loads(result.stdout)["message"]
    assert "Traceback" not in result.output


def test_cli_summary_error_is_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    result = CliRunner().invoke(cli, ["parse", str(empty)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and "empty_file" in result.stderr


def test_cli_time_limit_raises_a_timeout_error() -> None:
    from nianbao.commands.parse import time_limit

    with pytest.raises(parsers.ParseError) as err, time_limit(0.05):
        time.sleep(2)
    assert err.value.error == "timeout"


def test_short_article_page_with_a_phone_number_is_not_an_error_page() -> None:
    from parsers.detect import html_error_page

    page = ("<html><head><title>某局2023年政府信息公开工作年度报告</title></head><body>"
            "<p>某局2023年政府信息公开工作年度报告</p><p>附件：年度报告.pdf 电话：0955-4040123</p></body></html>")
    assert html_error_page(page.encode()) is None
    assert html_error_page(ERROR_PAGE) is not None


def test_cli_missing_file_is_a_user_mistake(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["parse", str(tmp_path / "missing.pdf"), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"] == "not_found"
    assert result.stderr.startswith("nianbao: error:") and "Traceback" not in result.output
