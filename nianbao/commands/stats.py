"""``nianbao stats``: what the archive holds, per year, level and state."""

from __future__ import annotations

import click
from sqlalchemy import case, func, select

from nianbao.commands._archive import open_archive
from nianbao.output import emit, output_option
from storage.models import Blob, Fetch, Report, Unit


@click.command(
    name="stats",
    help="Counts of canonical reports per year, level and state (ok: every check holds, "
    "invalid: checks fail, unreadable: could not be parsed), plus totals.\n\n"
    "Example:  nianbao stats --json",
)
@output_option()
def command(fmt: str) -> None:
    archive = open_archive()
    state = case(
        (Report.parse_error.is_not(None), "unreadable"),
        (Report.checks_failed > 0, "invalid"),
        else_="ok",
    )
    with archive.session() as s:
        rows = s.execute(
            select(Report.year, Unit.level, state.label("state"), func.count().label("reports"))
            .join(Unit, Unit.id == Report.unit_id)
            .where(Report.is_canonical)
            .group_by(Report.year, Unit.level, state)
            .order_by(Report.year, Unit.level, state)
        ).all()
        totals = {
            "units": s.scalar(select(func.count()).select_from(Unit)),
            "reports": s.scalar(select(func.count()).select_from(Report).where(Report.is_canonical)),
            "versions": s.scalar(select(func.count()).select_from(Report)),
            "blobs": s.scalar(select(func.count()).select_from(Blob)),
            "fetches": s.scalar(select(func.count()).select_from(Fetch)),
        }
    table = [{"year": r.year, "level": r.level or "?", "state": r.state, "reports": r.reports} for r in rows]
    if fmt == "json":
        emit([{"by_year_level_state": table, "totals": totals}], "json")
        return
    emit(table, fmt, columns=["year", "level", "state", "reports"])
    if fmt == "table":
        click.echo("totals: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
