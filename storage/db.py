"""Engines, sessions and schema migrations (Alembic) for the archive.

``nianbao db upgrade`` brings a database to the newest schema this nianbao knows.  Every
other entry point calls :func:`check_schema` first and refuses an un-migrated archive or a
schema newer than the code, with a message saying what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from nianbao.errors import UserError
from nianbao.settings import normalize_database_url
from storage.models import CELLS_REPORT_FK

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaError(UserError):
    """The archive's schema is missing, behind or ahead of this nianbao."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# JSON columns (cell provenance, headers, parameters) are decoded by the thousand on every report page:
# orjson does it several times faster than the standard library, with the same results.
JSON_CODEC: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


@lru_cache(maxsize=16)
def get_engine(url: str) -> Engine:
    """One engine per database URL per process (SQLite files get their directory created)."""
    url = normalize_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **JSON_CODEC)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **JSON_CODEC)


@lru_cache(maxsize=16)
def get_read_engine(url: str) -> Engine:
    """The engine for reading only (web pages, API calls): on PostgreSQL its own pool of connections that
    are read-only from their start (``default_transaction_read_only``, set at connect: no extra round
    trip) and run each statement on its own (autocommit: no BEGIN and ROLLBACK round trips; under READ
    COMMITTED every statement took its own snapshot anyway), not pinged at checkout (see
    :func:`storage.archive.run_read`).  On SQLite, the archive's engine."""
    url = normalize_database_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return get_engine(url)
    # no ping at checkout (a round trip per request): storage.archive.run_read asks again on a new
    # connection when a pooled one turns out dead
    return create_engine(url, pool_size=10, max_overflow=20, isolation_level="AUTOCOMMIT",
                         connect_args={"options": "-c default_transaction_read_only=on"}, **JSON_CODEC)


def dispose_engines(url: str) -> None:
    """Close the pooled connections of both engines of ``url`` (before dropping its database, say)."""
    url = normalize_database_url(url)
    get_engine(url).dispose()
    get_read_engine(url).dispose()


def session_factory(url: str, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions on the URL's engine; ``read_only`` ones on :func:`get_read_engine`."""
    return sessionmaker(get_read_engine(url) if read_only else get_engine(url), expire_on_commit=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalize_database_url(url).replace("%", "%%"))
    return cfg


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(url: str) -> str | None:
    try:
        with get_engine(url).connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise UserError(f"cannot open the archive at {_display(url)}: {exc.orig}") from None


def autogenerate_filter(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for ``dialect``: what the models declare but the migrations build
    another way there (on PostgreSQL the cells' foreign key is statement-level triggers, migration 0003)."""
    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return not (dialect == "postgresql" and type_ == "foreign_key_constraint" and name == CELLS_REPORT_FK)
    return include


def upgrade(url: str, revision: str = "head") -> None:
    cfg = alembic_config(url)
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(url: str, revision: str) -> None:
    cfg = alembic_config(url)
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def check_schema(url: str) -> None:
    """Refuse to run on an un-migrated archive or one whose schema is newer than this code."""
    current = current_revision(url)
    head = head_revision()
    if current == head:
        return
    where = _display(url)
    if current is None:
        raise SchemaError(f"the archive at {where} is not initialised: run `nianbao db upgrade`")
    script = ScriptDirectory.from_config(alembic_config(url))
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise SchemaError(
            f"the archive at {where} has schema {current}, newer than this nianbao knows "
            f"(newest known: {head}); upgrade nianbao"
        )
    raise SchemaError(f"the archive at {where} is at schema {current}, behind {head}: run `nianbao db upgrade`")


def _display(url: str) -> str:
    return make_url(normalize_database_url(url)).render_as_string(hide_password=True)
