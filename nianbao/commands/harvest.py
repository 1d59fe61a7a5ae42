"""``nianbao harvest``: run the harvest flow (crawl, parse, check, archive, coverage report)."""

from __future__ import annotations

import click

from nianbao.output import output_option


@click.command(
    name="harvest",
    help="Run the yearly harvest flow: crawl the portals of the registry (all, or --region / "
    "--portal), archive every new report, print the coverage table.\n\n"
    "Runs in Prefect's ephemeral mode unless PREFECT_API_URL points at a server.\n\n"
    "Example:  nianbao harvest --year 2023 --region 640500",
)
@click.option("--year", type=click.IntRange(2000, 2100), help="Report year (default: last year).")
@click.option("--region", "regions", multiple=True, metavar="CODE",
              help="行政区划代码; a city or province covers everything inside it. Repeatable.")
@click.option("--portal", "portals", multiple=True, metavar="ID", help="Registry portal id. Repeatable.")
@click.option("--concurrency", type=click.IntRange(1, 32), default=4, show_default=True,
              help="Portals crawled at the same time.")
@click.option("--retries", "crawl_retries", type=click.IntRange(0, 5), default=None,
              help="Retries of an unreachable portal (default 2, minutes apart).")
@click.option("--verbose", is_flag=True, help="Show Prefect's own log lines.")
@output_option()
def command(year: int | None, regions: tuple[str, ...], portals: tuple[str, ...], concurrency: int,
            crawl_retries: int | None, verbose: bool, fmt: str) -> None:
    from flows.console import ProgressDisplay, prepare_prefect, print_coverage, where_prefect_runs

    prepare_prefect(verbose)
    from flows.harvest import harvest
    from flows.scope import check_regions, select_portals
    from flows.tasks import open_archive
    from spiders.registry import load_registry

    select_portals(load_registry(), check_regions(regions), portals)  # unknown ids: one line, no crawl
    open_archive()  # a missing or un-migrated archive is a one-line error before Prefect starts
    click.echo(f"harvest on {where_prefect_runs()}", err=True)
    with ProgressDisplay().shown():
        result = harvest(year=year, regions=list(regions) or None, portals=list(portals) or None,
                         concurrency=concurrency, crawl_retries=crawl_retries)
    print_coverage(result, fmt)
