"""One read of the archive (a web request): every session inside it is one read-only session on one
pooled connection (storage.archive.one_read)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.exc import DBAPIError

from storage import db
from storage import queries as q
from storage.archive import Archive, one_read, run_read
from storage.models import Unit


def test_sessions_inside_one_read_are_one_session(archive: Archive) -> None:
    unit = archive.ensure_unit("中卫市审批服务管理局")
    with archive.session() as a, archive.session() as b:
        assert a is not b  # outside: a session each
    with one_read():
        with archive.session() as a:
            first = a.scalar(select(Unit.name).where(Unit.id == unit))
        with archive.session() as b:
            assert b is a  # the block's session, still open after the first ``with``
            assert b.scalar(select(func.count()).select_from(Unit)) == 1
        with one_read(), archive.session() as nested:
            assert nested is a  # a nested block joins the outer one
    assert first == "中卫市审批服务管理局"
    with archive.session() as after:
        assert after is not a


def test_a_request_asking_several_questions_checks_out_one_connection(archive: Archive) -> None:
    archive.ensure_unit("中卫市审批服务管理局")
    checkouts: list[object] = []
    engine = db.get_read_engine(archive.url)

    def checked_out(*_: object) -> None:
        checkouts.append(1)

    event.listen(engine, "checkout", checked_out)
    try:
        with one_read(), q.one_generation():
            # coverage and region reports: the archive's state, units, coverage rows, reports, a page, totals
            summary = q.coverage(archive, region="640500", year=2023)["summary"]
            q.region_reports(archive, region="640500", year=2023, coverage_summary=summary)
            q.search_reports(archive, text="审批", year=2023)
    finally:
        event.remove(engine, "checkout", checked_out)
    assert len(checkouts) == 1


def test_a_write_inside_one_read_fails_on_postgresql(archive: Archive) -> None:
    if archive.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no read-only connections; one_read is used only by GET requests")
    unit = archive.ensure_unit("中卫市审批服务管理局")
    with pytest.raises(DBAPIError, match="read-only transaction"), one_read(), archive.session() as s:
        s.execute(update(Unit).where(Unit.id == unit).values(name="改名"))
    with archive.session() as s:
        assert s.scalar(select(Unit.name).where(Unit.id == unit)) == "中卫市审批服务管理局"


def _drop_other_connections(archive: Archive) -> int:
    """What a database restart does to the pools: the server ends every other session of the database."""
    with archive.engine.connect() as admin:
        return len(admin.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all())


def test_a_read_is_asked_again_when_its_pooled_connection_was_dropped(archive: Archive) -> None:
    if archive.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    unit = archive.ensure_unit("中卫市审批服务管理局")
    asked: list[int] = []

    def name() -> str | None:
        asked.append(1)
        with archive.session() as s:
            return s.scalar(select(Unit.name).where(Unit.id == unit))

    assert run_read(name) == "中卫市审批服务管理局"  # the read pool now holds a connection
    assert _drop_other_connections(archive) >= 1
    with pytest.raises(DBAPIError) as dropped, one_read():
        name()  # a plain read meets the dead connection (the pool does not ping it first)
    assert dropped.value.connection_invalidated

    assert run_read(name) == "中卫市审批服务管理局"  # a fresh connection after the failed one is gone
    assert _drop_other_connections(archive) >= 1
    asked.clear()
    assert run_read(name) == "中卫市审批服务管理局"
    assert len(asked) == 2  # the first try hit the dropped connection, the second answered
