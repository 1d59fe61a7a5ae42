"""Coverage rules (deadlines, states) and the progress display, without a crawl."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from flows.console import ProgressDisplay
from storage.coverage import PortalOutcome, deadline, region_prefix, unit_state
from storage.models import Report, Unit


def test_deadlines_are_31_january_for_departments_and_31_march_for_governments() -> None:
    assert deadline(2023, "department") == dt.date(2024, 1, 31)
    assert deadline(2023, "government") == dt.date(2024, 3, 31)


@pytest.mark.parametrize(("code", "prefix"), [("640000", "64"), ("640500", "6405"), ("640502", "640502")])
def test_region_prefix(code: str, prefix: str) -> None:
    assert region_prefix(code) == prefix


def _report(**kw: Any) -> Report:
    base: dict[str, Any] = {"id": 5, "published": dt.date(2024, 1, 31), "parse_error": None, "checks_failed": 0}
    return Report(**{**base, **kw})


@pytest.mark.parametrize(("kind", "report", "portal", "state"), [
    ("department", _report(), None, "found"),  # on the deadline day is on time
    ("department", _report(published=dt.date(2024, 2, 1)), None, "late"),
    ("government", _report(published=dt.date(2024, 3, 31)), None, "found"),
    ("government", _report(published=dt.date(2024, 4, 1)), None, "late"),
    ("department", _report(checks_failed=2, published=dt.date(2024, 3, 1)), None, "invalid"),
    ("department", _report(parse_error="corrupt_pdf"), None, "invalid"),
    ("department", None, PortalOutcome("p", "ok"), "missing"),
    ("department", None, PortalOutcome("p", "blocked", "blocked_412: http://x/"), "blocked"),
    ("department", None, PortalOutcome("p", "unreachable", "connection_refused"), "unreachable"),
    ("department", None, PortalOutcome("p", "failed", "crawler_crashed"), "unreachable"),
])
def test_unit_state(kind: str, report: Report | None, portal: PortalOutcome | None, state: str) -> None:
    unit = Unit(name="某某局", kind=kind, region_code="640402")
    got, detail, report_id, _published = unit_state(unit, 2023, report, portal)
    assert got == state
    assert report_id == (report.id if report else None)
    if state in ("blocked", "unreachable"):
        assert portal is not None and detail == portal.error


def test_progress_display_prints_plain_lines_when_not_a_terminal() -> None:
    from flows import progress

    out = io.StringIO()
    display = ProgressDisplay(out=out, tty=False)
    with display.shown():
        progress.emit("portal_started", portal="demo-trs")
        progress.emit("portal_crawled", portal="demo-trs", outcome="ok", documents=2, error=None)
        progress.emit("document_done", portal="demo-trs", status="inserted")
        progress.emit("document_done", portal="demo-trs", status="unchanged")
    progress.emit("document_done", portal="demo-trs", status="inserted")  # no longer listening
    assert out.getvalue().splitlines() == [
        "demo-trs: crawling",
        "demo-trs: crawl ok, 2 document(s)",
        "demo-trs: document inserted (inserted 1)",
        "demo-trs: document unchanged (inserted 1, unchanged 1)",
    ]
