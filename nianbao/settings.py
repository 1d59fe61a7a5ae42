"""One settings object for nianbao, read from ``NIANBAO_*`` environment variables.

=============================  ==========================================================
``NIANBAO_HOME``               data directory (default ``./nianbao-data``): the SQLite
                               archive, blobs, WARC files and logs live under it
``NIANBAO_DATABASE_URL``       SQLAlchemy URL of the archive; a plain
                               ``postgresql://user@host/db`` works (psycopg 3 is used);
                               default ``sqlite:///$NIANBAO_HOME/archive.sqlite3``
``NIANBAO_BLOB_STORE``         blob store URI (default ``file://$NIANBAO_HOME/blobs``)
``NIANBAO_WARC_DIR``           where WARC files are written (default ``$NIANBAO_HOME/warc``)
``NIANBAO_USER_AGENT``         crawler User-Agent (names nianbao and the contact URL)
``NIANBAO_CONTACT_URL``        where site operators can reach the archive's operator
``NIANBAO_CORRECTION_TOKEN``   token that allows recording cell corrections (web/API)
``NIANBAO_WEB_THREADS``        requests one web server process works on at once (default
                               2: one computes while the other waits for the database; run
                               a process per core); the rest wait their turn in arrival order
=============================  ==========================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.errors import UserError

DEFAULT_CONTACT_URL = "https://github.com/nianbao/nianbao"


def normalize_database_url(url: str) -> str:
    """Make a plain ``postgresql://`` URL use the psycopg 3 driver the package installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    blob_store: str
    warc_dir: Path
    contact_url: str = DEFAULT_CONTACT_URL
    user_agent: str = ""
    correction_token: str | None = None
    web_threads: int = 2
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        home = Path(env.get("NIANBAO_HOME", "nianbao-data")).expanduser().resolve()
        db = env.get("NIANBAO_DATABASE_URL") or f"sqlite:///{home / 'archive.sqlite3'}"
        contact = env.get("NIANBAO_CONTACT_URL", DEFAULT_CONTACT_URL)
        ua = env.get("NIANBAO_USER_AGENT") or f"nianbao/0.1 (+{contact}; annual disclosure report archive)"
        return cls(
            home=home,
            database_url=normalize_database_url(db),
            blob_store=env.get("NIANBAO_BLOB_STORE") or (home / "blobs").as_uri(),
            warc_dir=Path(env.get("NIANBAO_WARC_DIR") or home / "warc"),
            contact_url=contact,
            user_agent=ua,
            correction_token=env.get("NIANBAO_CORRECTION_TOKEN") or None,
            web_threads=_positive_int(env, "NIANBAO_WEB_THREADS", 2),
        )


def _positive_int(env: dict[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise UserError(f"{key} must be a whole number of at least 1, not {raw!r}")
    return value


def get_settings() -> Settings:
    """Settings from the current environment (read fresh on each call: tests change env)."""
    return Settings.from_env()
