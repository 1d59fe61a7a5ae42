"""``nianbao show``: one archived report with its source, tables and failed checks."""

from __future__ import annotations

import json

import click

from nianbao.commands._archive import open_archive
from nianbao.errors import UserError
from storage.records import flatten_tables


@click.command(
    name="show",
    help="Show one archived report (by id): metadata, source, version, cells and failed checks.\n\n"
    "Example:  nianbao show 42 --json",
)
@click.argument("report")
@click.option("--json", "as_json", is_flag=True, help="Print the REPORT_FORMAT record with source.")
def command(report: str, as_json: bool) -> None:
    if not report.isdigit():
        raise UserError(f"a report is named by its numeric id, not {report!r} (see `nianbao stats`)")
    archive = open_archive()
    row = archive.get_report(int(report))
    record = archive.report_record(row.id)
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    unit = row.unit
    click.echo(f"report {row.id}: {unit.name} ({unit.region_code or 'area unknown'}) {row.year}, "
               f"version {row.version}{' (canonical)' if row.is_canonical else ''}, {row.reason}")
    for key in ("agency", "region", "template", "published"):
        click.echo(f"  {key:10} {record.get(key)}")
    click.echo(f"  {'source':10} {row.source_url}")
    if row.document_url and row.document_url != row.source_url:
        click.echo(f"  {'document':10} {row.document_url}")
    click.echo(f"  {'sha256':10} {row.blob_sha256}")
    click.echo(f"  {'parser':10} {row.parser_name} {row.parser_version}")
    if row.parse_error:
        click.echo(f"  parse error: {row.parse_error}: {row.parse_message}")
    cells = flatten_tables(record["tables"])
    if cells:
        click.echo(f"cells ({len(cells)}):")
        for cell_id, value in cells.items():
            click.echo(f"  {cell_id:60} {'' if value is None else value}")
    checks = record["checks"]
    click.echo(f"failed checks: {len(checks)}")
    for check in checks:
        click.echo(f"  {check['rule']}: {check.get('message', '')}")
