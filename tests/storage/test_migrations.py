from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect

from storage import db
from storage.archive import Archive
from storage.db import SchemaError
from tests.conftest import make_settings

TABLES = {"portals", "units", "crawl_runs", "blobs", "fetches", "reports", "cells", "check_results",
          "coverage", "corrections"}


def test_upgrade_then_downgrade_to_base_and_up_again(empty_database_url: str) -> None:
    assert db.current_revision(empty_database_url) is None
    db.upgrade(empty_database_url)
    assert db.current_revision(empty_database_url) == db.head_revision()
    assert TABLES <= set(inspect(db.get_engine(empty_database_url)).get_table_names())
    db.downgrade(empty_database_url, "base")
    assert db.current_revision(empty_database_url) is None
    assert not TABLES & set(inspect(db.get_engine(empty_database_url)).get_table_names())
    db.upgrade(empty_database_url)
    assert db.current_revision(empty_database_url) == db.head_revision()


def test_archive_refuses_unmigrated_database(empty_database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaError, match="not initialised: run `nianbao db upgrade`"):
        Archive.open(make_settings(tmp_path, empty_database_url))


def test_archive_refuses_schema_newer_than_code(empty_database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db.upgrade(empty_database_url)
    with db.get_engine(empty_database_url).begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    with pytest.raises(SchemaError, match="newer than this nianbao knows"):
        Archive.open(make_settings(tmp_path, empty_database_url))


def test_migrations_build_exactly_the_models(empty_database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.models import Base

    db.upgrade(empty_database_url)
    with db.get_engine(empty_database_url).connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": db.autogenerate_filter(conn.dialect.name)})
        assert compare_metadata(context, Base.metadata) == []


def _two_reports_of_one_unit(conn, text_of_2022: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """A unit with its 2022 and 2023 reports (2022's text given), written as an older schema holds them."""
    from sqlalchemy import text

    conn.execute(text("INSERT INTO units (id, name, region_code, kind, created_at) "
                      "VALUES (1, '中卫市教育局', '640500', 'department', CURRENT_TIMESTAMP)"))
    conn.execute(text("INSERT INTO blobs (sha256, size, created_at) VALUES (:sha, 1, CURRENT_TIMESTAMP)"),
                 {"sha": "0" * 64})
    conn.execute(text(
        "INSERT INTO reports (id, unit_id, year, version, is_canonical, blob_sha256, text, checks_failed, "
        "created_at) VALUES (1, 1, 2022, 1, true, :sha, :prose, 0, CURRENT_TIMESTAMP), "
        "(2, 1, 2023, 1, true, :sha, NULL, 0, CURRENT_TIMESTAMP)"), {"prose": text_of_2022, "sha": "0" * 64})


def test_sentence_digests_are_filled_in_for_reports_archived_before_them(empty_database_url: str) -> None:
    from sqlalchemy import text

    from storage.sentences import sentence_digests

    prose = "本机关坚持公开为常态、不公开为例外。全年主动公开政府信息一百二十条。\n表格\t1\t2"
    db.upgrade(empty_database_url, "0003")
    with db.get_engine(empty_database_url).begin() as conn:
        _two_reports_of_one_unit(conn, prose)
    db.upgrade(empty_database_url)
    with db.get_engine(empty_database_url).connect() as conn:
        stored = dict(conn.execute(text("SELECT id, sentence_digests FROM reports")).all())
    assert stored[1] is not None and bytes(stored[1]) == sentence_digests(prose)
    assert len(stored[1]) == 2 * 8  # two sentences (the table row is not prose)
    assert stored[2] is None  # no text, nothing to compare


def test_figures_are_filled_in_from_the_cells_of_reports_archived_before_them(empty_database_url: str) -> None:
    from sqlalchemy import text

    from storage.cell_keys import KEY_OF

    db.upgrade(empty_database_url, "0004")
    received, fees = KEY_OF["applications/new_received/total"], KEY_OF["active_disclosure/administrative_fees"]
    reconsidered = KEY_OF["review_litigation/reconsideration/total"]
    with db.get_engine(empty_database_url).begin() as conn:
        _two_reports_of_one_unit(conn)
        conn.execute(text("INSERT INTO cells (report_id, cell_key, value, is_decimal) VALUES "
                          "(1, :received, 12, false), (1, :fees, 3.5, true), (1, :reconsidered, NULL, false)"),
                     {"received": received, "fees": fees, "reconsidered": reconsidered})
    db.upgrade(empty_database_url)
    with db.get_engine(empty_database_url).connect() as conn:
        stored = dict(conn.execute(text("SELECT id, figures FROM reports")).all())
    figures = {r: json.loads(f) if isinstance(f, str) else f for r, f in stored.items()}
    assert figures == {1: {str(received): 12}, 2: {}}  # fees are no figure; a blank cell has no value
