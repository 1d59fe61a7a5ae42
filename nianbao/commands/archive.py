"""``nianbao archive``: store local report files (blob, WARC record, report, cells)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from nianbao.commands._archive import open_archive
from nianbao.errors import UserError
from nianbao.ingest import ingest_document
from nianbao.output import emit
from storage.archive import ArchiveCounts
from storage.warc import WarcWriter


@click.command(
    name="archive",
    help="Store local report files in the archive: the raw bytes (once, by sha256), a WARC "
    "resource record, the report record and its cells when the document parses.\n\n"
    "Archiving the same file twice changes nothing and says so; a changed file becomes a new "
    "version and the old one stays.\n\n"
    "Example:  nianbao archive report-2023.pdf --unit 中卫市审批服务管理局 --year 2023",
)
@click.argument("files", nargs=-1, required=True)
@click.option("--unit", "unit_name", required=True, help="Publishing unit (name or id).")
@click.option("--year", type=int, help="Report year (default: read from the document).")
@click.option("--create-unit", is_flag=True, help="Register the unit when it is not known yet.")
@click.option("--region", "region_code", help="行政区划代码 of a unit created with --create-unit.")
@click.option("--url", "source_url", help="Where the document was published (recorded as its source).")
@click.option("--force", is_flag=True, help="Parse again even when these bytes were already read.")
def command(
    files: tuple[str, ...],
    unit_name: str,
    year: int | None,
    create_unit: bool,
    region_code: str | None,
    source_url: str | None,
    force: bool,
) -> None:
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise UserError(f"no such file: {path}")
    if year is not None and not 1990 <= year <= dt.date.today().year:
        raise UserError(f"implausible report year {year}")
    archive = open_archive()
    if create_unit:
        unit_id = archive.ensure_unit(unit_name, region_code=region_code)
    else:
        unit_id = archive.find_unit(unit_name).id
    counts = ArchiveCounts()
    rows = []
    with WarcWriter(archive.settings.warc_dir, prefix="archive") as warc:
        run_id = archive.start_run("archive", "cli", {"files": files, "unit": unit_name, "year": year})
        for path in paths:
            data = path.read_bytes()
            uri = path.resolve().as_uri()
            warc.write_resource(uri=uri, body=data, media_type=None)
            outcome = ingest_document(
                archive,
                data=data,
                unit=unit_id,
                year=year,
                url=source_url or uri,
                document_url=source_url or uri,
                fetched_at=dt.datetime.now(dt.UTC),
                run_id=run_id,
                force=force,
            )
            counts.add(outcome.status)
            rows.append(
                {
                    "file": str(path),
                    "status": outcome.status,
                    "report": outcome.report_id,
                    "version": outcome.version,
                    "year": outcome.year,
                    "checks_failed": outcome.checks_failed,
                    "error": outcome.error or "",
                    "sha256": outcome.sha256[:12],
                }
            )
        archive.finish_run(run_id, "ok", counts.as_dict())
    emit(rows)
    click.echo(str(counts))
