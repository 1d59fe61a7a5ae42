"""LibreOffice (``soffice --headless``) conversions: DOCX -> PDF and DOCX -> DOC, as offices make them.

Each conversion runs in its own temporary directory with its own user profile (so parallel
conversions do not fight over one profile lock) and a timeout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from parsers.tools import run_tool

SOFFICE_TIMEOUT = 180  # seconds for one conversion (first start of a fresh profile is slow)


class RenderError(RuntimeError):
    """A rendering tool is missing or failed."""


def convert(data: bytes, source_ext: str, target: str) -> bytes:
    """Convert ``data`` (a ``source_ext`` file) to ``target`` ("pdf", "doc", "docx") with LibreOffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RenderError("LibreOffice (soffice) is not installed; it is needed to render pdf/doc")
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as tmp:
        src = Path(tmp, f"report.{source_ext}")
        src.write_bytes(data)
        out_dir = Path(tmp, "out")
        filter_name = {
            "doc": "doc:MS Word 97",
            "pdf": "pdf:writer_pdf_Export",
            "docx": "docx:MS Word 2007 XML",
        }[target]
        cmd = [
            soffice,
            f"-env:UserInstallation=file://{tmp}/profile",
            "--headless",
            "--norestore",
            "--convert-to",
            filter_name,
            "--outdir",
            str(out_dir),
            str(src),
        ]
        env = {**os.environ, "HOME": tmp}
        try:
            proc = run_tool(cmd, env, SOFFICE_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise RenderError(
                f"soffice did not finish converting to {target} within {SOFFICE_TIMEOUT}s"
            ) from exc
        result = out_dir / f"report.{target}"
        if not result.exists():
            raise RenderError(
                f"soffice failed to convert to {target}: {proc.stderr.decode(errors='replace')[-300:]}"
            )
        return result.read_bytes()
