"""Shared fixtures: a fresh, migrated archive per test, on SQLite or PostgreSQL.

The backend is chosen by ``NIANBAO_TEST_DB`` (``sqlite``, the default, or ``postgresql``);
CI runs the whole suite once with each.  On PostgreSQL (``NIANBAO_TEST_PG_URL``, default
``postgresql://postgres@127.0.0.1:5432/test``) the schema is migrated once into a template
database and every test gets its own copy (``CREATE DATABASE … TEMPLATE``), dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from nianbao.settings import Settings, normalize_database_url

TEST_DB = os.environ.get("NIANBAO_TEST_DB", "sqlite")
PG_URL = normalize_database_url(os.environ.get("NIANBAO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"))
ENV_KEYS = ("NIANBAO_HOME", "NIANBAO_DATABASE_URL", "NIANBAO_BLOB_STORE", "NIANBAO_WARC_DIR")

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def pytest_report_header(config: pytest.Config) -> str:
    return f"nianbao archive backend: {TEST_DB}"


class PostgresDatabases:
    """Creates per-test databases from a migrated template."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.template = f"nianbao_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []

    def url_for(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def setup_template(self) -> None:
        from storage import db

        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        url = self.url_for(self.template)
        db.upgrade(url)
        db.dispose_engines(url)
        db.get_engine.cache_clear()
        db.get_read_engine.cache_clear()

    def new_database(self) -> str:
        name = f"nianbao_t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        self.created.append(name)
        return self.url_for(name)

    def drop(self, url: str) -> None:
        from storage import db

        try:
            db.dispose_engines(url)
        except Exception:
            pass
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def teardown(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PostgresDatabases | None]:
    if TEST_DB != "postgresql":
        yield None
        return
    dbs = PostgresDatabases(PG_URL)
    dbs.setup_template()
    yield dbs
    dbs.teardown()


def make_settings(home: Path, database_url: str) -> Settings:
    return Settings.from_env({"NIANBAO_HOME": str(home), "NIANBAO_DATABASE_URL": database_url})


@pytest.fixture
def empty_database_url(tmp_path: Path, pg_databases: PostgresDatabases | None) -> Iterator[str]:
    """A database with no schema at all (for migration tests)."""
    if pg_databases is None:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"nianbao_e_{uuid.uuid4().hex[:12]}"
    with pg_databases.admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_databases.url_for(name)
    yield url
    pg_databases.drop(url)


@pytest.fixture
def settings(tmp_path: Path, pg_databases: PostgresDatabases | None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A fresh migrated archive under a temporary NIANBAO_HOME; the environment points at it."""
    from storage import db

    home = tmp_path / "nianbao-home"
    if pg_databases is None:
        url = f"sqlite:///{home / 'archive.sqlite3'}"
        db.upgrade(url)
    else:
        url = pg_databases.new_database()
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NIANBAO_HOME", str(home))
    monkeypatch.setenv("NIANBAO_DATABASE_URL", url)
    s = make_settings(home, url)
    yield s
    if pg_databases is not None:
        pg_databases.drop(url)
    else:
        db.dispose_engines(s.database_url)


@pytest.fixture
def archive(settings: Settings):  # type: ignore[no-untyped-def]
    from storage.archive import Archive

    return Archive.open(settings)
