"""The demo portal's data: shipped documents and truth stay in step with the catalog and renderer."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from nianbao.demo_portal import COVERAGE_YEAR, REPORTS, DemoPortal
from nianbao.demo_portal.documents import DOCUMENTS_DIR, shipped_truth, truth
from spiders.registry import load_registry


@pytest.mark.parametrize("r", REPORTS, ids=lambda r: r.key)
def test_shipped_truth_and_documents(r) -> None:  # type: ignore[no-untyped-def]
    assert shipped_truth(r.key) == truth(r), "regenerate: python -m nianbao.demo_portal.build_documents"
    if r.prerendered:
        data = (DOCUMENTS_DIR / f"{r.key}.{r.extension}").read_bytes()
        assert data[:4] in (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def test_coverage_cases_are_what_the_catalog_says() -> None:
    year = [r for r in REPORTS if r.year == COVERAGE_YEAR and not r.reissue]
    deadline = {"government": dt.date(COVERAGE_YEAR + 1, 3, 31), "department": dt.date(COVERAGE_YEAR + 1, 1, 31)}
    late = [r.unit for r in year if dt.date.fromisoformat(r.published) >
            deadline["government" if r.unit.endswith("人民政府") else "department"]]
    assert late == ["原州区教育局"]
    assert [r.unit for r in year if r.violate] == ["原州区财政局"]
    assert "原州区民政局" not in {r.unit for r in year}


def test_registry_and_faults_served() -> None:
    with DemoPortal(port=0, slow_seconds=0) as portal:
        reg = load_registry(portal.registry_dir)
        assert {p.id: p.family for p in reg} == {"demo-trs": "trs", "demo-hanweb": "hanweb",
                                                 "demo-generic": "generic", "demo-blocked": "trs",
                                                 "demo-unreachable": "generic"}
        with httpx.Client() as c:
            path = "/trs/zwgk/zfxxgkndbg/202401/t20240125_1006.html"
            assert [c.get(portal.origin + path).status_code for _ in range(2)] == [500, 200]
            assert c.get(portal.origin + "/blocked/x").status_code == 412
            doc = portal.origin + portal.document_path("hw-spj-2023")
            first = c.get(doc)
            assert c.get(doc, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
            portal.reissue("hw-spj-2023")
            again = c.get(doc, headers={"If-None-Match": first.headers["ETag"]})
            assert again.status_code == 200 and again.content == portal.document("hw-spj-2023") != first.content
            assert portal.truth("hw-spj-2023") != shipped_truth("hw-spj-2023")
            with pytest.raises(httpx.ConnectError):
                c.get(portal.start_url("unreachable"))
        assert [r.path for r in portal.requests_to("/blocked/")] == ["/blocked/x"]
