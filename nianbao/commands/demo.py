"""``nianbao demo``: the whole pipeline on the local demo portal, with no configuration and no network.

Starts the demo portal (``nianbao.demo_portal``) on 127.0.0.1, migrates the embedded archive
(SQLite and local blobs under NIANBAO_HOME, default ``./nianbao-data``), runs the harvest flow
for one year over the demo sites in Prefect's ephemeral mode, prints the coverage table and
the archive's path, and suggests what to try next.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from nianbao.output import output_option


@click.command(
    name="demo",
    help="Run the whole pipeline on the local demo portal: start it on 127.0.0.1, harvest one "
    "year into the embedded archive (SQLite + local blobs under NIANBAO_HOME, default "
    "./nianbao-data), print the coverage table. No configuration, no network.\n\n"
    "Example:  nianbao demo",
)
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Archive directory (default: NIANBAO_HOME or ./nianbao-data).")
@click.option("--year", type=click.IntRange(2000, 2100), default=None,
              help="Report year to harvest (default: the demo portal's coverage year, 2023).")
@click.option("--verbose", is_flag=True, help="Show Prefect's own log lines.")
@output_option()
def command(home: Path | None, year: int | None, verbose: bool, fmt: str) -> None:
    from flows.console import ProgressDisplay, prepare_prefect, print_coverage

    prepare_prefect(verbose)
    from nianbao.demo_portal.catalog import COVERAGE_YEAR
    from nianbao.demo_portal.server import DemoPortal
    from nianbao.settings import get_settings
    from storage import db

    home = (home or Path(os.environ.get("NIANBAO_HOME", "nianbao-data"))).expanduser().resolve()
    embedded = f"sqlite:///{home / 'archive.sqlite3'}"
    if os.environ.get("NIANBAO_DATABASE_URL"):
        click.echo("note: the demo uses its embedded SQLite archive, not NIANBAO_DATABASE_URL", err=True)
    os.environ["NIANBAO_HOME"] = str(home)
    os.environ["NIANBAO_DATABASE_URL"] = embedded
    for key in ("NIANBAO_BLOB_STORE", "NIANBAO_WARC_DIR"):
        os.environ.pop(key, None)
    home.mkdir(parents=True, exist_ok=True)
    db.upgrade(embedded)
    settings = get_settings()
    year = year or COVERAGE_YEAR

    from flows.harvest import harvest

    with DemoPortal() as demo:
        os.environ["NIANBAO_PORTALS_DIR"] = str(demo.registry_dir)
        click.echo(f"demo portal serving {len(demo.sites) - 1} sites at {demo.origin}; harvesting {year} "
                   f"into {home}", err=True)
        with ProgressDisplay().shown():
            result = harvest(year=year, crawl_retries=0, fast=True)
    print_coverage(result, fmt)
    if fmt != "table":
        return
    prefix = "" if home == Path("nianbao-data").resolve() else f"NIANBAO_HOME={home} "
    click.echo(f"\narchive: {settings.database_url.removeprefix('sqlite:///')}  (blobs: {home / 'blobs'})")
    click.echo("\nnext, try:")
    tries = [
        (f"nianbao query region 640402 --year {year}", "who published, who is missing or late"),
        (f"nianbao query violations --year {year}", "reports that break the consistency checks"),
        ("nianbao serve", "browse the archive at http://127.0.0.1:8000"),
    ]
    width = max(len(prefix + cmd) for cmd, _ in tries)
    for cmd, why in tries:
        click.echo(f"  {(prefix + cmd).ljust(width)}   # {why}")
