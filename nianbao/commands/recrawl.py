"""``nianbao recrawl``: re-crawl one region or portal, re-downloading every document."""

from __future__ import annotations

import click

from nianbao.errors import UserError
from nianbao.output import output_option


@click.command(
    name="recrawl",
    help="Re-crawl one region (行政区划代码) or one portal, forcing re-download: a changed document "
    "becomes a new report version, unchanged ones are left alone.\n\n"
    "Example:  nianbao recrawl --region 640402 --year 2023",
)
@click.option("--region", metavar="CODE", help="行政区划代码 of the region.")
@click.option("--portal", metavar="ID", help="Registry portal id.")
@click.option("--year", type=click.IntRange(2000, 2100), help="Report year (default: last year).")
@click.option("--retries", "crawl_retries", type=click.IntRange(0, 5), default=None,
              help="Retries of an unreachable portal (default 2, minutes apart).")
@click.option("--verbose", is_flag=True, help="Show Prefect's own log lines.")
@output_option()
def command(region: str | None, portal: str | None, year: int | None, crawl_retries: int | None,
            verbose: bool, fmt: str) -> None:
    if not region and not portal:
        raise UserError("give --region CODE or --portal ID")
    from flows.console import ProgressDisplay, prepare_prefect, print_coverage, where_prefect_runs

    prepare_prefect(verbose)
    from flows.recrawl import recrawl
    from flows.scope import check_regions, select_portals
    from flows.tasks import open_archive
    from spiders.registry import load_registry

    select_portals(load_registry(), check_regions([region] if region else None), [portal] if portal else None)
    open_archive()
    click.echo(f"recrawl on {where_prefect_runs()}", err=True)
    with ProgressDisplay().shown():
        result = recrawl(region=region, portal=portal, year=year, crawl_retries=crawl_retries)
    print_coverage(result, fmt)
