"""``nianbao units``: the publishing units the archive knows."""

from __future__ import annotations

import click
from sqlalchemy import select

from nianbao.commands._archive import open_archive
from nianbao.output import emit, output_option
from storage.models import Unit


@click.group(name="units", help="List or add publishing units.\n\nExample:  nianbao units list --region 6405")
def command() -> None:
    pass


@command.command(name="list", help="List units, optionally those of one area (行政区划代码 prefix).\n\n"
                 "Example:  nianbao units list --region 640402")
@click.option("--region", default="", help="行政区划代码 or a prefix of it.")
@output_option()
def list_units(region: str, fmt: str) -> None:
    archive = open_archive()
    prefix = region.rstrip("0") if region else ""
    with archive.session() as s:
        units = s.scalars(select(Unit).where(Unit.region_code.startswith(prefix)).order_by(Unit.region_code, Unit.name))
        rows = [
            {"id": u.id, "name": u.name, "region_code": u.region_code, "region": u.region_name,
             "level": u.level, "kind": u.kind, "portal": u.portal_id}
            for u in units
        ]
    emit(rows, fmt)


@command.command(name="add", help="Register a unit; its area comes from --region or from its name.\n\n"
                 "Example:  nianbao units add 原州区人民政府 --kind government")
@click.argument("name")
@click.option("--region", "region_code", help="行政区划代码 (default: found in the name).")
@click.option("--level", type=click.Choice(["province", "city", "county"]))
@click.option("--kind", type=click.Choice(["government", "department"]))
@click.option("--parent", help="Name of the parent unit.")
def add_unit(name: str, region_code: str | None, level: str | None, kind: str | None, parent: str | None) -> None:
    archive = open_archive()
    unit_id = archive.ensure_unit(name, region_code=region_code, level=level, kind=kind, parent=parent)
    unit = archive.find_unit(unit_id)
    click.echo(f"unit {unit.id}: {unit.name} ({unit.region_code or 'area unknown'}, {unit.level or '?'}, {unit.kind})")
