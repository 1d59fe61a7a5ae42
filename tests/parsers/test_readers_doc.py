"""Legacy .doc reader: LibreOffice conversion (then the DOCX reader), antiword fallback, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from parsers.model import ParseError
from parsers.readers import doc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_doc_through_libreoffice() -> None:
    document = doc.read((FIXTURES / "r2021_a.doc").read_bytes())
    assert document.form == "doc" and document.meta["converted_by"] == "soffice"
    assert [len(t.rows) for t in document.tables()] == [14, 28, 4]
    t = json.loads((FIXTURES / "r2021_a.truth.json").read_text(encoding="utf-8"))
    total = document.tables()[1].rows[26]
    assert total.cells[1].text == "（七）总计"
    assert total.cells[9].text == str(t["tables"]["applications"]["total"]["total"])
    assert total.cells[9].prov == {"table": 1, "row": 26, "col": 9}


@pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword is not installed")
def test_antiword_fallback_reads_text_and_simple_tables() -> None:
    antiword = shutil.which("antiword")
    assert antiword is not None
    document = doc._antiword((FIXTURES / "r2021_a.doc").read_bytes(), antiword, ["soffice failed"])
    assert document.meta == {"converted_by": "antiword", "problems": ["soffice failed"]}
    texts = [p.text for p in document.paragraphs()]
    assert "中卫市审批服务管理局2023年政府信息公开工作年度报告" in texts
    first = document.tables()[0]
    assert first.rows[1].texts() == ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]


def test_not_a_doc() -> None:
    for data, error in [(b"", "empty_file"), (b"PK\x03\x04", "unknown_format"), (b"hello", "unknown_format")]:
        with pytest.raises(ParseError) as info:
            doc.read(data)
        assert info.value.error == error


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_damaged_ole_file_is_a_clear_error() -> None:
    data = (FIXTURES / "r2021_a.doc").read_bytes()
    with pytest.raises(ParseError) as info:
        doc.read(data[:4096])
    assert info.value.error in ("corrupt_doc", "timeout")
