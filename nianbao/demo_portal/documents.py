"""The bytes and truth records of the demo reports.

Truth records come from ``parsers.render.make_record`` (deterministic).  PDF and DOC files need
LibreOffice and DOCX rendering takes seconds, so they are rendered once by ``python -m nianbao.demo_portal.build_documents`` into
``nianbao/demo_portal/documents/<key>.<ext>`` (package data, with ``<key>.truth.json`` next to
every report); HTML is rendered live.  A *revision* > 0 is a re-issued document (for
recrawl tests): one cell and the publish date change, so its bytes and truth change too.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from nianbao.demo_portal.catalog import DemoReport

DOCUMENTS_DIR = Path(__file__).with_name("documents")


def truth_record(report: DemoReport, revision: int = 0) -> dict[str, Any]:
    """The full record (with renderer hints) the document of ``report`` is rendered from."""
    from parsers.render import make_record

    record = make_record(
        agency=report.unit, region=report.region, year=report.year, template=report.template,
        seed=report.seed, published=report.published, violate=report.violate,
    )
    if revision:
        record = copy.deepcopy(record)
        active = record["tables"]["active_disclosure"]
        if isinstance(active.get("administrative_penalty"), int):
            active["administrative_penalty"] += revision
        else:
            active["administrative_penalty"]["decisions"] += revision
        day = dt.date.fromisoformat(report.published) + dt.timedelta(days=7 * revision)
        record["published"] = day.isoformat()
    return record


def truth(report: DemoReport, revision: int = 0) -> dict[str, Any]:
    """The REPORT_FORMAT truth of the document (what a perfect parse yields)."""
    from parsers.render import truth_view

    return truth_view(truth_record(report, revision))


@lru_cache(maxsize=128)
def document_bytes(report: DemoReport, revision: int = 0) -> bytes:
    """The document as served; pre-rendered PDF/DOC are read from package data."""
    shipped = DOCUMENTS_DIR / f"{report.key}.{report.extension}"
    if revision == 0 and report.prerendered and shipped.exists():
        return shipped.read_bytes()
    from parsers.render import render

    return render(truth_record(report, revision), report.form)


def write_truth_files(reports: list[DemoReport]) -> None:
    DOCUMENTS_DIR.mkdir(exist_ok=True)
    for r in reports:
        path = DOCUMENTS_DIR / f"{r.key}.truth.json"
        path.write_text(json.dumps(truth(r), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def shipped_truth(key: str) -> dict[str, Any]:
    """The committed truth file of one demo report (what end-to-end tests compare against)."""
    return json.loads((DOCUMENTS_DIR / f"{key}.truth.json").read_text(encoding="utf-8"))
