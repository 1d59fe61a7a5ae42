"""GenerationMemo: answers kept per key, one computation for concurrent askers, failures not kept; the archive's
state read once per web request."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage.archive import Archive
from storage.queries import GenerationMemo, one_generation


def test_concurrent_askers_share_one_computation() -> None:
    memo = GenerationMemo(8)
    calls = []

    def compute() -> dict[str, list[int]]:
        calls.append(threading.get_ident())
        time.sleep(0.2)
        return {"ranking": [3, 2, 1]}

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: memo.get(("url", 7, "q"), compute), range(10)))
    assert len(calls) == 1
    assert all(a == {"ranking": [3, 2, 1]} for a in answers)
    answers[0]["ranking"].append(0)  # a caller changing its copy does not change the kept answer
    assert memo.get(("url", 7, "q"), compute) == {"ranking": [3, 2, 1]}
    assert len(calls) == 1


def test_a_new_generation_is_computed_and_old_answers_age_out() -> None:
    memo = GenerationMemo(2)
    assert memo.get(("url", 1), lambda: 10) == 10
    assert memo.get(("url", 2), lambda: 20) == 20  # the archive gained a report: another key
    assert memo.get(("url", 1), lambda: -1) == 10
    memo.get(("url", 3), lambda: 30)  # size 2: the least recently used key (generation 2) goes
    assert memo.get(("url", 2), lambda: 21) == 21


def test_a_failed_computation_is_not_kept_and_waiters_compute_themselves() -> None:
    memo = GenerationMemo(4)
    started = threading.Event()

    def failing() -> int:
        started.set()
        time.sleep(0.2)
        raise RuntimeError("database went away")

    errors: list[Exception] = []

    def first() -> None:
        try:
            memo.get(("k",), failing)
        except RuntimeError as exc:
            errors.append(exc)

    t = threading.Thread(target=first)
    t.start()
    started.wait()
    assert memo.get(("k",), lambda: 5) == 5  # waited for the failure, then computed on its own
    t.join()
    assert len(errors) == 1
    with pytest.raises(RuntimeError):
        memo.get(("j",), failing)


def generation(archive: Archive) -> tuple[int, int, int]:
    with archive.session() as s:
        return GenerationMemo.generation(s)


def test_a_new_unit_is_a_new_state_but_not_inside_one_request(archive: Archive) -> None:
    before = generation(archive)
    archive.ensure_unit("中卫市审批服务管理局")
    after = generation(archive)
    assert after != before  # outside a request every question sees the archive as it is now
    with one_generation():
        first = generation(archive)
        archive.ensure_unit("中卫市教育局")
        assert generation(archive) == first == after  # one request: one state, read once
    assert generation(archive) != after


def test_a_kept_search_page_follows_the_archive(archive: Archive) -> None:
    from storage import queries as q
    from tests.storage.test_archive import seed_record

    unit = archive.ensure_unit("中卫市审批服务管理局")
    archive.archive_report(unit_id=unit, year=2023, data=b"v1", record=seed_record(1))
    assert q.search_reports(archive, text="审批", year=2023).total == 1
    assert q.search_reports(archive, text="审批", year=2023).total == 1  # kept: asked again, same answer
    other = archive.ensure_unit("沙坡头区审批服务管理局")
    archive.archive_report(unit_id=other, year=2023, data=b"v2", record=seed_record(2))
    page = q.search_reports(archive, text="审批", year=2023)
    assert page.total == 2 and {r["unit"] for r in page.items} == {"中卫市审批服务管理局", "沙坡头区审批服务管理局"}
