"""An archive built by the real pipeline from the demo portal's documents, once per test session.

Every report of ``nianbao.demo_portal.catalog`` (several units of three regions, 2020-2023, PDF /
HTML / DOCX / DOC, a re-issued 更正 version, a late report, a missing one, one breaking
``applications.balance``) goes through :func:`nianbao.ingest.ingest_document` (parse -> validate ->
archive) in catalog order, oldest year first so the cross-year rule sees last year's report.  One
extra re-issue of ``trs-spj-2023`` (a changed cell) gives a version diff with cell changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.demo_portal.catalog import REPORTS, SITES, UNREACHABLE, DemoReport, report
from nianbao.demo_portal.documents import document_bytes
from nianbao.ingest import IngestOutcome, ingest_document
from nianbao.settings import Settings
from storage.archive import Archive

DEMO_ORIGIN = "http://127.0.0.1:8765"
REISSUED = "trs-spj-2023"


@dataclass
class DemoArchive:
    settings: Settings
    archive: Archive
    outcomes: dict[str, IngestOutcome] = field(default_factory=dict)  # demo report key -> outcome
    units: dict[str, int] = field(default_factory=dict)  # unit name -> id

    def report_id(self, key: str) -> int:
        rid = self.outcomes[key].report_id
        assert rid is not None
        return rid


def document_url(r: DemoReport) -> str:
    return f"{DEMO_ORIGIN}/{r.site}/docs/{r.key}.{r.extension}"


def article_url(r: DemoReport) -> str:
    return f"{DEMO_ORIGIN}/{r.site}/art/{r.key}.html"


def build_demo_archive(settings: Settings) -> DemoArchive:
    archive = Archive.open(settings)
    demo = DemoArchive(settings, archive)
    for site in (*SITES, UNREACHABLE):
        archive.upsert_portal(site.portal_id, name=site.name, family=site.family, region_code=site.region_code,
                              start_urls=[DEMO_ORIGIN + site.start_path])
        for unit in site.units:
            demo.units[unit.name] = archive.ensure_unit(
                unit.name, region_code=unit.region_code, level=unit.level, kind=unit.kind, portal_id=site.portal_id
            )
    site_of = {s.key: s for s in SITES}
    ordered = sorted(REPORTS, key=lambda r: (r.year, r.reissue, r.key))
    fetched = dt.datetime(2024, 4, 1, 3, 0, tzinfo=dt.UTC)
    for i, r in enumerate(ordered):
        demo.outcomes[r.key] = _ingest(demo, r, document_bytes(r), site_of[r.site].portal_id,
                                       fetched + dt.timedelta(minutes=i))
    again = report(REISSUED)
    demo.outcomes[REISSUED + "#1"] = _ingest(demo, again, document_bytes(again, 1), site_of[again.site].portal_id,
                                            fetched + dt.timedelta(days=10))
    return demo


def _ingest(demo: DemoArchive, r: DemoReport, data: bytes, portal_id: str, when: dt.datetime) -> IngestOutcome:
    outcome = ingest_document(
        demo.archive, data=data, unit=demo.units[r.unit], year=r.year, portal_id=portal_id,
        url=article_url(r), document_url=document_url(r), fetched_at=when, title=r.title,
        published_hint=r.published,
    )
    assert outcome.report_id is not None, f"{r.key}: {outcome.error}: {outcome.message}"
    return outcome


def sqlite_settings(home: Path) -> Settings:
    from storage import db

    url = f"sqlite:///{home / 'archive.sqlite3'}"
    db.upgrade(url)
    return Settings.from_env({"NIANBAO_HOME": str(home), "NIANBAO_DATABASE_URL": url})


def demo_archive_fixture(tmp_path_factory, pg_databases):  # type: ignore[no-untyped-def]
    """Body of the session fixture ``demo`` (SQLite file or a PostgreSQL database, per NIANBAO_TEST_DB)."""
    home = tmp_path_factory.mktemp("demo-archive")
    if pg_databases is None:
        settings = sqlite_settings(home)
    else:
        url = pg_databases.new_database()
        settings = Settings.from_env({"NIANBAO_HOME": str(home), "NIANBAO_DATABASE_URL": url})
    demo = build_demo_archive(settings)
    yield demo
    if pg_databases is not None:
        pg_databases.drop(settings.database_url)


def env_of(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a CLI run against ``settings``' archive."""
    return {"NIANBAO_HOME": str(settings.home), "NIANBAO_DATABASE_URL": settings.database_url} | extra
