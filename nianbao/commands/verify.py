"""``nianbao verify``: the fixity check (re-hash every blob and WARC record)."""

from __future__ import annotations

import sys

import click

from nianbao.output import emit, output_option


@click.command(
    name="verify",
    help="Re-hash every blob and every WARC record of the archive and report any mismatch or "
    "missing file. Exits 1 when a problem is found.\n\nExample:  nianbao verify",
)
@click.option("--verbose", is_flag=True, help="Show Prefect's own log lines.")
@output_option()
def command(verbose: bool, fmt: str) -> None:
    from flows.console import ProgressDisplay, prepare_prefect, where_prefect_runs

    prepare_prefect(verbose)
    from flows.tasks import open_archive
    from flows.verify import verify_fixity

    open_archive()
    click.echo(f"verify on {where_prefect_runs()}", err=True)
    with ProgressDisplay().shown():
        result = verify_fixity()
    counts = result["counts"]
    for fixed in result.get("repaired", []):  # files a killed crawl left open: cut after their last whole record
        click.echo(f"repaired {fixed['path']}: {fixed['records']} whole record(s) kept, {fixed['cut_bytes']} "
                   "byte(s) of an unfinished one cut", err=True)
    if fmt != "table":
        emit(result["problems"], fmt, columns=("kind", "key", "problem", "detail"))
    else:
        if result["problems"]:
            emit(result["problems"], "table", columns=("kind", "key", "problem", "detail"))
        click.echo(f"{counts['blobs']} blob(s), {counts['warc_records']} WARC record(s) checked: "
                   f"{counts['missing']} missing, {counts['altered']} altered")
    if result["problems"]:
        sys.exit(1)
