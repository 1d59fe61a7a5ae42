"""Render reports from truth records: the documents of the test fixtures and of the demo portal.

    from parsers.render import make_record, render
    record = make_record(agency="中卫市审批服务管理局", region="中卫市", year=2023, seed=7)
    pdf = render(record, "pdf")

Forms: ``html`` (TRS-style article page, UTF-8), ``html_gbk`` (old Hanweb page, GBK, nested layout
tables, ``&nbsp;``), ``docx``, ``pdf`` (DOCX -> LibreOffice -> PDF, as offices make them), ``doc``
(LibreOffice), ``scan.pdf`` (the PDF rasterized: images only) and ``txt`` (tab-separated text like
the seeds).  ``quirks`` adds the difficulties of real documents: ``no_rules`` (tables without
borders), ``fake_bold`` (doubled characters in the PDF).

LibreOffice conversions take seconds, so rendered bytes are cached on disk under
``$XDG_CACHE_HOME/nianbao-render`` (default ``~/.cache/nianbao-render``), keyed by a hash of the
record, the form, the quirks and the renderer's source code.  ``NIANBAO_RENDER_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from parsers.render.record import VIOLABLE_RULES, make_record, truth_view

__all__ = ["FORMS", "QUIRKS", "RENDER_VERSION", "VIOLABLE_RULES", "make_record", "render", "truth_view"]

RENDER_VERSION = "1"
FORMS = ("html", "html_gbk", "docx", "pdf", "doc", "scan.pdf", "txt")
QUIRKS = frozenset({"no_rules", "fake_bold"})
_SLOW_FORMS = {"pdf", "doc", "scan.pdf"}


def render(record: dict[str, Any], form: str, *, quirks: Iterable[str] = ()) -> bytes:
    """The document for ``record`` in ``form`` (see the module docstring), as bytes."""
    wanted = frozenset(quirks)
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}; expected one of {', '.join(FORMS)}")
    if wanted - QUIRKS:
        raise ValueError(f"unknown quirks {sorted(wanted - QUIRKS)}; expected some of {sorted(QUIRKS)}")
    if form not in _SLOW_FORMS:
        return _render_now(record, form, wanted)
    cache = _cache_path(record, form, wanted)
    if cache is not None and cache.exists():
        return cache.read_bytes()
    data = _render_now(record, form, wanted)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(cache)
    return data


def _render_now(record: dict[str, Any], form: str, quirks: frozenset[str]) -> bytes:
    if form == "html":
        from parsers.render.html import render_html

        return render_html(record)
    if form == "html_gbk":
        from parsers.render.html import render_html_gbk

        return render_html_gbk(record)
    if form == "txt":
        from parsers.render.txt import render_txt

        return render_txt(record)
    from parsers.render.docx import render_docx

    docx = render_docx(record, quirks)
    if form == "docx":
        return docx
    from parsers.render.office import convert

    if form == "doc":
        return convert(docx, "docx", "doc")
    if form == "pdf":
        return convert(docx, "docx", "pdf")
    pdf = render(record, "pdf", quirks=quirks)
    from parsers.render.scan import render_scan

    return render_scan(pdf, seed=record["year"])


@functools.cache
def _code_version() -> str:
    """RENDER_VERSION plus a hash of this package's source, so a changed renderer never hits old bytes."""
    digest = hashlib.sha256(RENDER_VERSION.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_path(record: dict[str, Any], form: str, quirks: frozenset[str]) -> Path | None:
    if os.environ.get("NIANBAO_RENDER_CACHE", "1") == "0":
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nianbao-render"
    key = json.dumps([_code_version(), record, form, sorted(quirks)], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(key.encode()).hexdigest()
    return base / digest[:2] / f"{digest}.{form.replace('.', '_')}"
