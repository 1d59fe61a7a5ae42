"""``nianbao reparse``: re-parse stored documents with the current parsers (no web access)."""

from __future__ import annotations

import click

from nianbao.output import emit, output_option

COLUMNS = ("unit", "year", "version", "status", "cells_changed", "cells_added", "cells_removed", "checks",
           "example")


@click.command(
    name="reparse",
    help="Re-parse archived documents from their stored bytes with the current parsers; a new "
    "version is recorded only where the output changed. By default every report read by another "
    "parser version.\n\nExample:  nianbao reparse --year 2023",
)
@click.option("--year", type=click.IntRange(2000, 2100), help="Only reports of this year.")
@click.option("--parser-version", help="Only reports read by this parser version.")
@click.option("--force", is_flag=True, help="Re-parse every canonical report, whatever read it.")
@click.option("--verbose", is_flag=True, help="Show Prefect's own log lines.")
@output_option()
def command(year: int | None, parser_version: str | None, force: bool, verbose: bool, fmt: str) -> None:
    from flows.console import ProgressDisplay, prepare_prefect, where_prefect_runs

    prepare_prefect(verbose)
    from flows.reparse import reparse
    from flows.tasks import open_archive

    open_archive()
    click.echo(f"reparse on {where_prefect_runs()}", err=True)
    with ProgressDisplay().shown():
        result = reparse(year=year, parser_version=parser_version, force=force)
    counts = result["counts"]
    if fmt != "table":
        emit(result["changes"], fmt, columns=COLUMNS)
        return
    emit(result["changes"], "table", columns=COLUMNS, title=f"\nchanged reports (run {result['run_id']}):")
    click.echo(f"\n{counts['reports']} report(s) re-parsed with parser {counts['parser_version']}: "
               f"{counts.get('new_version', 0)} new version(s), {counts.get('unchanged', 0)} unchanged, "
               f"{counts.get('parse_error', 0)} unreadable, {counts['failed']} failed")
