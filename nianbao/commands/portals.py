"""``nianbao portals list|check|add``: the portal registry (spiders/portals/*.yaml)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
import yaml

from nianbao.errors import UserError
from nianbao.output import emit, output_option

_REGISTRY = click.option("--registry", type=click.Path(file_okay=False),
                         help="Registry directory (default NIANBAO_PORTALS_DIR or the packaged spiders/portals).")


@click.group(
    name="portals",
    help="List, validate and scaffold portal registry entries.\n\n"
    "Example:  nianbao portals check",
)
def command() -> None:
    pass


@command.command(name="list", help="List the portals of the registry.\n\nExample:  nianbao portals list --json")
@_REGISTRY
@output_option()
def list_portals(registry: str | None, fmt: str) -> None:
    from spiders.registry import load_registry

    reg = load_registry(registry)
    emit([{"id": p.id, "family": p.family, "region_code": p.region_code, "name": p.name,
           "units": len(p.units), "start_url": p.start_urls[0], "file": reg.sources[p.id].name} for p in reg], fmt)


@command.command(
    name="check",
    help="Validate every registry file (unknown keys, bad URLs, missing fields are errors naming the file "
    "and line). With --scout, also read each portal's list pages and count the reports they link to.\n\n"
    "Example:  nianbao portals check --scout --year 2023 demo-trs",
)
@click.argument("portal_ids", nargs=-1)
@_REGISTRY
@click.option("--scout", is_flag=True, help="Read the list pages of each portal (network).")
@click.option("--year", "years", type=int, multiple=True, help="Years to look for with --scout.")
def check(portal_ids: tuple[str, ...], registry: str | None, scout: bool, years: tuple[int, ...]) -> None:
    from spiders.registry import load_registry

    reg = load_registry(registry)
    chosen = [reg.get(pid) for pid in portal_ids] if portal_ids else list(reg)
    click.echo(f"registry OK: {len(reg)} portals in {len({str(p) for p in reg.sources.values()})} files")
    if not scout:
        return
    if not years:
        raise UserError("--scout needs at least one --year")
    from spiders.run import crawl_in_subprocess

    rows = []
    with tempfile.TemporaryDirectory(prefix="nianbao-scout-") as tmp:
        for p in chosen:
            r = crawl_in_subprocess(p.id, list(years), output_dir=Path(tmp), registry=registry, scout=True,
                                    timeout=600)
            rows.append({"portal": p.id, "outcome": r.summary["outcome"],
                         "reports_linked": len(r.summary.get("scouted", [])),
                         "error": r.summary.get("error_class") or ""})
    emit(rows)


@command.command(
    name="add",
    help="Scaffold a registry entry from a start URL: the page is read once (politely, archived) to "
    "detect its CMS family and the units its report titles name; the entry is appended to FILE in the "
    "registry and validated.\n\n"
    "Example:  nianbao portals add --url http://www.example.gov.cn/zwgk/ndbg/ --id nx-example "
    "--name 某县人民政府 --region-code 640521 --year 2023 --file nx.yaml",
)
@click.option("--url", required=True, help="Start URL (the 年度报告 column).")
@click.option("--id", "portal_id", required=True, help="New portal id (lowercase, digits, dashes).")
@click.option("--name", required=True, help="Portal name (the government that runs it).")
@click.option("--region-code", required=True, help="行政区划代码 of the portal's area.")
@click.option("--family", type=click.Choice(["auto", "trs", "hanweb", "generic"]), default="auto", show_default=True)
@click.option("--year", "years", type=int, multiple=True, help="Years whose report titles name the units.")
@click.option("--file", "file_name", default=None, help="Registry file to append to (default <id prefix>.yaml).")
@_REGISTRY
@click.option("--dry-run", is_flag=True, help="Print the entry, write nothing.")
def add(url: str, portal_id: str, name: str, region_code: str, family: str, years: tuple[int, ...],
        file_name: str | None, registry: str | None, dry_run: bool) -> None:
    import datetime as dt

    from pydantic import ValidationError

    from spiders.registry import Portal, Unit, load_file, load_registry, portal_to_yaml, registry_dirs
    from spiders.run import crawl_in_subprocess

    reg = load_registry(registry)
    if portal_id in reg.portals:
        raise UserError(f"portal {portal_id!r} already exists in {reg.sources[portal_id]}")
    wanted = list(years) or [dt.date.today().year - 1]
    units: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="nianbao-add-") as tmp:
        result = crawl_in_subprocess(None, wanted, url=url, family=family, output_dir=Path(tmp), scout=True,
                                     timeout=600, region_code=region_code, unit=name)
    summary = result.summary
    if summary["outcome"] != "ok":
        raise UserError(f"{url}: {summary['outcome']} ({summary.get('error_class')}); entry not written")
    detected = summary.get("family") or "generic"
    from spiders.families.base import ReportSpider

    probe = ReportSpider.__new__(ReportSpider)
    try:
        portal = Portal.model_validate({"id": portal_id, "name": name, "family": detected if detected != "auto"
                                        else "generic", "region_code": region_code, "units": [{"name": name}],
                                        "start_urls": [url]})
    except ValidationError as exc:
        raise UserError(f"bad entry: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from exc
    probe.portal = portal
    for s in summary.get("scouted", []):
        unit = ReportSpider.resolve_unit(probe, s["title"])
        if unit.name not in {u["name"] for u in units}:
            units.append({"name": unit.name, "kind": unit.kind})
    extra = [Unit(name=u["name"], kind=u["kind"], region_code=region_code) for u in units if u["name"] != name]  # type: ignore[arg-type]
    portal = portal.model_copy(update={"units": [*portal.units, *extra]})
    text = portal_to_yaml(portal)
    body = text.split("\n", 1)[1]  # drop "portals:" to append under an existing list
    click.echo(text.rstrip())
    click.echo(f"# {len(summary.get('scouted', []))} report links seen; family {detected}")
    if dry_run:
        return
    target_dir = registry_dirs(registry)[0]
    path = target_dir / (file_name or f"{portal_id.split('-')[0]}.yaml")
    old = path.read_text(encoding="utf-8") if path.exists() else None
    new = (old.rstrip("\n") + "\n\n" + _indent(body)) if old else "portals:\n" + _indent(body)
    path.write_text(new, encoding="utf-8")
    try:
        load_file(path)
    except UserError:
        if old is None:
            path.unlink()
        else:
            path.write_text(old, encoding="utf-8")
        raise
    click.echo(f"added {portal_id} to {path}")


def _indent(block: str) -> str:
    """yaml.safe_dump writes list items flush left; keep them under ``portals:`` as in our files."""
    data = yaml.safe_load("portals:\n" + block)
    dumped = yaml.safe_dump(data["portals"], allow_unicode=True, sort_keys=False)
    return "".join("  " + line if line.strip() else line for line in dumped.splitlines(keepends=True))
