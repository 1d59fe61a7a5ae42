"""The ingest batch task: batches, its cache key, and each document's own outcome and retries (through ``.fn``)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from flows import progress
from flows.tasks import ingest_batch_task, ingest_batches, ingest_cache_key

YEAR = 2023


def _doc(sha: str, unit: str = "某某局") -> dict[str, Any]:
    return {"sha256": sha, "unit": unit, "region_code": "640502", "portal": None, "year": YEAR,
            "document_url": f"http://127.0.0.1/{sha[:8]}.docx"}


def test_batches_keep_crawl_order_and_cap_their_size() -> None:
    docs = [_doc(f"{i:064x}") for i in range(23)]
    batches = ingest_batches(docs, size=10)
    assert [len(b) for b in batches] == [10, 10, 3]
    assert [d for b in batches for d in b] == docs
    assert ingest_batches([], size=10) == []


def test_cache_key_is_the_batch_documents_and_the_parser_version(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import parsers

    docs = [_doc("a" * 64, "甲局"), _doc("b" * 64, "乙局")]

    def key(documents: list[dict[str, Any]]) -> str | None:
        return ingest_cache_key(None, {"documents": documents, "year": YEAR})  # type: ignore[arg-type]

    first = key(docs)
    assert first is not None and first == key(list(reversed(docs)))  # crawl order does not matter
    assert key([docs[0], _doc("c" * 64, "乙局")]) != first  # a changed document
    assert key([docs[0], _doc("b" * 64, "丙局")]) != first  # the same bytes for another unit
    assert key([docs[0], {**docs[1], "sha256": None}]) is None  # a document without bytes: no cache
    monkeypatch.setattr(parsers, "PARSER_VERSION", "99.0.0")
    assert key(docs) != first


@pytest.fixture
def events() -> Any:
    seen: list[tuple[str, dict[str, Any]]] = []
    with progress.listening(lambda event, data: seen.append((event, data))):
        yield seen


def test_each_document_of_a_batch_has_its_own_outcome(archive: Any, events: Any) -> None:
    from nianbao.demo_portal.catalog import report
    from nianbao.demo_portal.documents import document_bytes

    good = archive.store_blob(document_bytes(report("trs-spj-2023")))
    corrupt = archive.store_blob(b"%PDF-1.7 not really")
    docs = [_doc(good, "甲局"), _doc(corrupt, "乙局"), _doc("f" * 64, "丙局")]

    results = ingest_batch_task.fn(docs, YEAR, None, portal="demo-trs")
    assert [(r.sha256, r.status) for r in results] == [(good, "inserted"), (corrupt, "parse_error"),
                                                        ("f" * 64, "missing_blob")]
    assert results[0].report_id is not None and results[0].version == 1
    assert [(e, d["status"]) for e, d in events] == [("document_done", "inserted"),
                                                     ("document_done", "parse_error"),
                                                     ("document_done", "missing_blob")]

    again = ingest_batch_task.fn(docs, YEAR, None, portal="demo-trs")
    assert [r.status for r in again] == ["unchanged", "unchanged", "missing_blob"]
    assert again[0].report_id == results[0].report_id


def test_a_busy_database_is_retried_per_document_and_other_errors_stay_with_their_document(
    archive: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.tasks
    import nianbao.ingest
    from nianbao.demo_portal.catalog import report
    from nianbao.demo_portal.documents import document_bytes

    shas = [archive.store_blob(document_bytes(report(key))) for key in ("trs-spj-2023", "hw-jyj-2023", "hw-spj-2023")]
    docs = [_doc(shas[0], "甲局"), _doc(shas[1], "乙局"), _doc(shas[2], "丙局")]
    real = nianbao.ingest.ingest_document
    calls: list[str] = []

    def flaky(archive_: Any, **kw: Any) -> Any:
        calls.append(kw["unit"])
        if kw["unit"] == "甲局" and calls.count("甲局") < 3:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        if kw["unit"] == "乙局":
            raise ValueError("a bug")
        return real(archive_, **kw)

    monkeypatch.setattr(nianbao.ingest, "ingest_document", flaky)
    monkeypatch.setattr(flows.tasks, "INGEST_RETRY_DELAYS", [0, 0, 0])
    results = ingest_batch_task.fn(docs, YEAR, None, portal="demo-trs")

    assert calls == ["甲局", "甲局", "甲局", "乙局", "丙局"]  # locked twice, then archived; no retry of a bug
    assert [r.status for r in results] == ["inserted", "error", "inserted"]
    assert results[1].error == "ValueError: a bug"
