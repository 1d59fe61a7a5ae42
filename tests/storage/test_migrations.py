from __future__ import annotations

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
