"""``nianbao query``: the auditor's questions from the command line (a table, ``--json`` or ``--csv``).

Each subcommand is one function of :mod:`storage.queries`; the web app and API answer the same.
"""

from __future__ import annotations

import json
from typing import Any

import click

from nianbao.commands._archive import open_archive
from nianbao.export.labels import cell_label
from nianbao.output import emit, output_option
from storage import queries as q

YEAR = click.IntRange(2000, 2100)
LIMIT = click.IntRange(1, q.MAX_LIMIT)


def _page_options(f):  # type: ignore[no-untyped-def]
    f = click.option("--offset", type=click.IntRange(0), default=0, show_default=True, help="Rows to skip.")(f)
    f = click.option("--limit", type=LIMIT, default=q.DEFAULT_LIMIT, show_default=True, help="Rows to show.")(f)
    return f


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _footer(page: q.Page, fmt: str) -> None:
    if fmt == "table" and page.total > len(page.items):
        click.echo(f"({page.offset + 1}-{page.offset + len(page.items)} of {page.total}; use --offset)")


@click.group(
    name="query",
    help="Answer auditors' questions from the archive (read-only).\n\n"
    "Example:  nianbao query region 中卫市 --year 2023",
)
def command() -> None:
    pass


@command.command(name="reports", help="Search reports by unit/agency name, region, year, level.\n\n"
                 "Example:  nianbao query reports --text 审批 --year 2023 --json")
@click.option("--text", help="Part of the unit or agency name.")
@click.option("--region", help="Region name or 行政区划代码 (subordinate units included).")
@click.option("--year", type=YEAR)
@click.option("--level", type=click.Choice(q.LEVELS))
@click.option("--all-versions", is_flag=True, help="Include superseded versions.")
@_page_options
@output_option()
def reports_cmd(text: str | None, region: str | None, year: int | None, level: str | None, all_versions: bool,
                limit: int, offset: int, fmt: str) -> None:
    page = q.search_reports(open_archive(), text=text, region=region, year=year, level=level,
                            all_versions=all_versions, limit=limit, offset=offset)
    emit(page.items, fmt, columns=["id", "unit", "region_code", "level", "year", "version", "template",
                                   "published", "form", "checks_failed", "parse_error"])
    _footer(page, fmt)


@command.command(name="agency", help="One unit across years: cells side by side, year-on-year changes, "
                 "and the cross-year carry-over rule.\n\nExample:  nianbao query agency 中卫市审批服务管理局 "
                 "--cell applications/new_received/total")
@click.argument("unit")
@click.option("--cell", "cells", multiple=True, help="Only these cell ids (repeatable).")
@output_option()
def agency_cmd(unit: str, cells: tuple[str, ...], fmt: str) -> None:
    archive = open_archive()
    found = archive.find_unit(unit)
    data = q.agency_years(archive, found.id, cells=list(cells) or None)
    if fmt == "json":
        _dump(data)
        return
    years = data["years"]
    rows = []
    for row in data["cells"]:
        item: dict[str, Any] = {"cell": row["cell_id"]}
        for y in years:
            item[str(y)] = row["values"][y]
            if y in row["changes"]:
                item[f"Δ{y}"] = row["changes"][y]
        rows.append(item)
    columns = ["cell"] + [c for y in years for c in ([str(y)] + ([f"Δ{y}"] if y != years[0] else []))]
    if fmt == "csv":
        emit(rows, "csv", columns=columns)
        return
    emit(rows, "table", columns=columns, title=f"{data['unit']['name']} ({data['unit']['region_code'] or '?'})")
    click.echo("")
    emit(data["cross_year"], "table", columns=["year", "column", "carried_over", "previous_carried_to_next_year", "state"],
         title="cross-year: 本年上年结转 = 上年结转下年度")


@command.command(name="region", help="All canonical reports of a region and its subordinate units for a "
                 "year, with totals and the units missing or late.\n\nExample:  nianbao query region 640500 --year 2023")
@click.argument("region")
@click.option("--year", type=YEAR, required=True)
@click.option("--level", type=click.Choice(q.LEVELS))
@_page_options
@output_option()
def region_cmd(region: str, year: int, level: str | None, limit: int, offset: int, fmt: str) -> None:
    data = q.region_reports(open_archive(), region=region, year=year, level=level, limit=limit, offset=offset)
    if fmt == "json":
        _dump(data)
        return
    columns = ["id", "unit", "region_code", "published", *q.KEY_CELLS, "checks_failed"]
    if fmt == "csv":
        emit(data["reports"]["items"], "csv", columns=columns)
        return
    emit(data["reports"]["items"], "table", columns=columns,
         title=f"{data['region']['name']} ({data['region']['code']}) {year}")
    totals = data["totals"]
    click.echo("totals: " + ", ".join(f"{k} {'' if v is None else v}" for k, v in totals.items()))
    cov = data["coverage"]
    click.echo("missing or late: " + (", ".join(f"{u['unit']} ({u['state']})" for u in cov["missing_or_late"]) or "none"))


@command.command(name="coverage", help="Per unit of a region: found, late, missing (or the latest harvest "
                 "run's state) for a year.\n\nExample:  nianbao query coverage --region 原州区 --year 2023 --csv")
@click.option("--region", help="Region name or code (all units when omitted).")
@click.option("--year", type=YEAR, required=True)
@click.option("--state", "states", multiple=True, help="Only these states (repeatable).")
@_page_options
@output_option()
def coverage_cmd(region: str | None, year: int, states: tuple[str, ...], limit: int, offset: int, fmt: str) -> None:
    data = q.coverage(open_archive(), region=region, year=year, states=states or None, limit=limit, offset=offset)
    if fmt == "json":
        _dump(data)
        return
    emit(data["units"]["items"], fmt,
         columns=["unit_id", "unit", "region_code", "kind", "state", "detail", "deadline", "report_id", "basis"])


@command.command(name="violations", help="Every failed check of a canonical report.\n\n"
                 "Example:  nianbao query violations --rule applications.balance --region 原州区 --year 2023")
@click.option("--rule", type=click.Choice(q.RULES))
@click.option("--region")
@click.option("--year", type=YEAR)
@click.option("--level", type=click.Choice(q.LEVELS))
@_page_options
@output_option()
def violations_cmd(rule: str | None, region: str | None, year: int | None, level: str | None,
                   limit: int, offset: int, fmt: str) -> None:
    page = q.violations(open_archive(), rule=rule, region=region, year=year, level=level, limit=limit, offset=offset)
    emit(page.items, fmt, columns=["report_id", "unit", "region_code", "year", "rule", "where", "message"])
    _footer(page, fmt)


@command.command(name="provenance", help="Where one number came from: value, page+bbox or xpath, URL, "
                 "fetch time, sha256, corrections.\n\nExample:  nianbao query provenance 42 applications/new_received/total")
@click.argument("report_id", type=click.IntRange(1))
@click.argument("cell_id")
@output_option()
def provenance_cmd(report_id: int, cell_id: str, fmt: str) -> None:
    data = q.cell_provenance(open_archive(), report_id, cell_id)
    if fmt == "json":
        _dump(data)
        return
    row = {"report_id": data["report_id"], "unit": data["unit"], "year": data["year"], "cell": cell_id,
           "label": cell_label(cell_id), "value": data["value"], "provenance": json.dumps(data["provenance"]),
           "url": data["source"]["url"], "document_url": data["source"]["document_url"],
           "fetched_at": data["source"]["fetched_at"], "sha256": data["source"]["sha256"],
           "corrections": "; ".join(f"{c['value']} by {c['author']}: {c['reason']}" for c in data["corrections"])}
    if fmt == "csv":
        emit([row], "csv")
        return
    for key, value in row.items():
        click.echo(f"{key:12} {'' if value is None else value}")


@command.command(name="diff", help="What changed between two report versions, cell by cell and in the text.\n\n"
                 "Example:  nianbao query diff 18 19")
@click.argument("a", type=click.IntRange(1))
@click.argument("b", type=click.IntRange(1))
@output_option()
def diff_cmd(a: int, b: int, fmt: str) -> None:
    data = q.version_diff(open_archive(), a, b)
    if fmt == "json":
        _dump(data)
        return
    emit(data["cells"], fmt, columns=["cell_id", "a", "b", "state"])
    if fmt == "table":
        for m in data["metadata"]:
            click.echo(f"{m['field']}: {m['a']} -> {m['b']}")
        for line in data["text_diff"]:
            click.echo(line)


@command.command(name="ranking", help="Units ranked by a metric in a year, with the aggregate.  Metrics: "
                 + ", ".join(q.METRICS) + ", or any cell id.\n\n"
                 "Example:  nianbao query ranking --year 2023 --metric not_disclosed_share")
@click.option("--year", type=YEAR, required=True)
@click.option("--metric", default="applications_received", show_default=True)
@click.option("--region")
@click.option("--level", type=click.Choice(q.LEVELS))
@click.option("--ascending", is_flag=True, help="Lowest first.")
@_page_options
@output_option()
def ranking_cmd(year: int, metric: str, region: str | None, level: str | None, ascending: bool,
                limit: int, offset: int, fmt: str) -> None:
    data = q.ranking(open_archive(), year=year, metric=metric, region=region, level=level, ascending=ascending,
                     limit=limit, offset=offset)
    if fmt == "json":
        _dump(data)
        return
    emit(data["ranking"]["items"], fmt, columns=["rank", "id", "unit", "region_code", "value", "numerator", "denominator"],
         title=f"{data['label']} {year}")
    if fmt == "table":
        agg = data["aggregate"]
        click.echo(f"aggregate over {agg['reports']} reports: {agg['value']}")


@command.command(name="repeated", help="Share of each report's sentences copied from the same unit's "
                 "report of the year before.\n\nExample:  nianbao query repeated --year 2023 --region 中卫市")
@click.option("--year", type=YEAR, required=True)
@click.option("--region")
@click.option("--level", type=click.Choice(q.LEVELS))
@_page_options
@output_option()
def repeated_cmd(year: int, region: str | None, level: str | None, limit: int, offset: int, fmt: str) -> None:
    page = q.repeated_text(open_archive(), year=year, region=region, level=level, limit=limit, offset=offset)
    emit(page.items, fmt, columns=["report_id", "previous_report_id", "unit", "region_code", "sentences",
                                   "repeated", "share"])
    _footer(page, fmt)

