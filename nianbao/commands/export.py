"""``nianbao export``: a year of canonical reports as csv, xlsx, parquet or jsonl."""

from __future__ import annotations

import click

from nianbao.commands._archive import open_archive
from nianbao.export import FORMATS, export_reports


@click.command(
    name="export",
    help="Export the canonical reports of a year (optionally of one region and its subordinate units).\n\n"
    "csv and parquet: one row per report, one column per cell; xlsx: one sheet per table with the "
    "official template's Chinese headers; jsonl: one REPORT_FORMAT record per line with source and "
    "provenance.  csv and jsonl go to stdout unless --out is given.\n\n"
    "Example:  nianbao export --year 2023 --region 中卫市 --format xlsx --out zw-2023.xlsx",
)
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="Report year.")
@click.option("--region", help="Region name (中卫市) or 行政区划代码 (640500); subordinate units included.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Output file (required for xlsx, parquet).")
def command(year: int, region: str | None, fmt: str, out: str | None) -> None:
    archive = open_archive()
    count = export_reports(archive, year=year, region=region, fmt=fmt, out=out)
    if out is not None:
        click.echo(f"exported {count} reports to {out}", err=True)
