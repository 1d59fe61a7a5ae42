"""Legacy Word (.doc), WPS (.wps) and RTF reader: LibreOffice headless converts to DOCX, then the DOCX reader.

``soffice --headless --convert-to docx`` runs in a private temporary directory with its own user
profile (parallel conversions do not share a profile lock) and a timeout (``SOFFICE_TIMEOUT``);
its whole process group is killed when the timeout passes.  Without LibreOffice, or when it fails,
``antiword`` is the fallback: its text output gives paragraphs, and its ``|``-ruled table lines
give table rows.  Provenance is then the DOCX one (table/row/col) or ``{"line": n}`` from antiword.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from parsers.model import Block, Paragraph, ParseError, SourceCell, SourceDocument, SourceRow, Table
from parsers.tools import run_tool

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SOFFICE_TIMEOUT = 120  # seconds
MAX_BYTES = 100 * 1024 * 1024


def read(data: bytes) -> SourceDocument:
    if not data:
        raise ParseError("empty_file", "the DOC file is empty")
    if len(data) > MAX_BYTES:
        raise ParseError(
            "too_large", f"the DOC file is {len(data) // 1_000_000} MB, more than {MAX_BYTES // 1_000_000} MB"
        )
    is_rtf = data.lstrip()[:5] == b"{\\rtf"
    if not data.startswith(OLE_MAGIC) and not is_rtf:
        raise ParseError("unknown_format", "the file is not a Word 97-2003 / WPS / RTF document (no OLE or RTF header)")
    problems: list[str] = []
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is not None:
        try:
            docx = to_docx(data, soffice)
        except ParseError as exc:
            problems.append(exc.message)
        else:
            from parsers.readers import docx as docx_reader

            document = docx_reader.read(docx)
            document.form = "doc"
            document.meta["converted_by"] = "soffice"
            return document
    else:
        problems.append("LibreOffice (soffice) is not installed")
    antiword = shutil.which("antiword")
    if antiword is None or is_rtf:
        raise ParseError("unsupported_format", "; ".join(problems + ["antiword is not installed"]))
    return _antiword(data, antiword, problems)


def to_docx(data: bytes, soffice: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as tmp:
        src = Path(tmp, "report.doc")
        src.write_bytes(data)
        out_dir = Path(tmp, "out")
        cmd = [
            soffice,
            f"-env:UserInstallation=file://{tmp}/profile",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out_dir),
            str(src),
        ]
        _run(cmd, {**os.environ, "HOME": tmp}, "LibreOffice")
        result = out_dir / "report.docx"
        if not result.exists():
            raise ParseError(
                "corrupt_doc", "LibreOffice could not convert the document (damaged or password-protected)"
            )
        return result.read_bytes()


def _run(cmd: list[str], env: dict[str, str], name: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return run_tool(cmd, env, SOFFICE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise ParseError("timeout", f"{name} did not finish within {SOFFICE_TIMEOUT}s") from None


def _antiword(data: bytes, antiword: str, problems: list[str]) -> SourceDocument:
    with tempfile.TemporaryDirectory(prefix="nianbao-antiword-") as tmp:
        src = Path(tmp, "report.doc")
        src.write_bytes(data)
        proc = _run(
            [antiword, "-w", "0", "-m", "UTF-8.txt", str(src)], {**os.environ, "HOME": tmp}, "antiword"
        )
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["failed"]
        raise ParseError("corrupt_doc", "; ".join(problems + [f"antiword: {detail[0]}"]))
    text = proc.stdout.decode("utf-8", "replace")
    blocks: list[Block] = []
    rows: list[SourceRow] = []
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if (
            stripped.startswith("|")
            and stripped.endswith("|")
            and stripped.count("|") >= 2
            and len(stripped) > 2
        ):
            cells = [
                SourceCell(c.strip(), {"line": n, "col": i}) for i, c in enumerate(stripped[1:-1].split("|"))
            ]
            rows.append(SourceRow(cells, {"line": n}))
            continue
        if rows:
            blocks.append(Table(rows, {"line": rows[0].prov["line"]}))
            rows = []
        if stripped:
            blocks.append(Paragraph(stripped, {"line": n}))
    if rows:
        blocks.append(Table(rows, {"line": rows[0].prov["line"]}))
    return SourceDocument(form="doc", blocks=blocks, meta={"converted_by": "antiword", "problems": problems})
