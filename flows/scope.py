"""Which portals a flow run covers, and their units in the archive.

``regions`` are 行政区划代码: a province or city code covers every portal whose own code or
one of whose units' codes lies inside it (640500 covers 640502); ``portals`` are registry ids.
Given both, a portal must match both.
"""

from __future__ import annotations

from collections.abc import Sequence

from nianbao.errors import UserError
from spiders.registry import Portal, Registry
from storage.archive import Archive
from storage.coverage import in_regions, region_prefix


def check_regions(regions: Sequence[str] | None) -> list[str]:
    out = []
    for code in regions or ():
        try:
            region_prefix(str(code))
        except ValueError:
            raise UserError(f"--region wants a 6-digit 行政区划代码 such as 640500, not {code!r}") from None
        out.append(str(code))
    return out


def select_portals(
    registry: Registry, regions: Sequence[str] | None = None, portals: Sequence[str] | None = None
) -> list[Portal]:
    regions = check_regions(regions)
    chosen = [registry.get(pid) for pid in portals] if portals else list(registry)
    if regions:
        chosen = [
            p for p in chosen
            if in_regions(p.region_code, regions) or any(in_regions(u.region_code, regions) for u in p.units)
        ]
    if not chosen:
        asked = ", ".join([*(regions or []), *(portals or [])]) or "(all)"
        raise UserError(f"no portal in the registry covers {asked} (see `nianbao portals list`)")
    return sorted(chosen, key=lambda p: p.id)


def register_portals(archive: Archive, portals: Sequence[Portal]) -> list[int]:
    """Upsert the portals and their units; return the units' ids (the coverage report's rows)."""
    unit_ids = []
    for p in portals:
        archive.upsert_portal(
            p.id, name=p.name, family=p.family, region_code=p.region_code,
            start_urls=list(p.start_urls), domains=list(p.domains),
        )
        for u in p.units:
            unit_ids.append(
                archive.ensure_unit(u.name, region_code=u.region_code, level=u.level, kind=u.kind, portal_id=p.id)
            )
    return unit_ids
