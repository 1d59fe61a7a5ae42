"""Register nianbao's deployments (``deployments/prefect.yaml``) against a Prefect server.

``prefect.yaml`` is the one declaration: every deployment names its flow's entrypoint, its
parameters and its schedules.  :func:`register` turns each into a
:class:`~prefect.deployments.runner.RunnerDeployment` whose entrypoint is a *module path*
(``flows.harvest:harvest``), so a worker only needs nianbao installed, not a checkout, and
applies them to the work pool (created as a ``process`` pool when missing).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

SPEC_PATH = Path(__file__).with_name("prefect.yaml")
DEFAULT_POOL = "nianbao"


@dataclass(frozen=True)
class Registered:
    flow: str
    name: str
    id: str
    schedules: list[str]
    work_pool: str


def load_spec(path: str | Path = SPEC_PATH) -> dict[str, Any]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("deployments"), list):
        raise ValueError(f"{path}: expected a prefect.yaml with a `deployments:` list")
    return data


def module_entrypoint(entrypoint: str) -> str:
    """``flows/harvest.py:harvest`` -> ``flows.harvest:harvest`` (importable from the package)."""
    path, _, func = entrypoint.partition(":")
    module = path.removesuffix(".py").replace("/", ".")
    return f"{module}:{func}"


def load_flow(entrypoint: str) -> Any:
    module, _, func = module_entrypoint(entrypoint).partition(":")
    return getattr(importlib.import_module(module), func)


def build_deployments(spec: dict[str, Any], work_pool: str | None = None) -> list[Any]:
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    out = []
    for d in spec["deployments"]:
        pool = d.get("work_pool") or {}
        schedules = [Cron(s["cron"], timezone=s.get("timezone")) for s in d.get("schedules") or []]
        flow = load_flow(d["entrypoint"])
        out.append(flow.to_deployment(
            name=d["name"],
            description=d.get("description"),
            tags=list(d.get("tags") or []),
            parameters=dict(d.get("parameters") or {}),
            schedules=schedules or None,
            work_pool_name=work_pool or pool.get("name") or DEFAULT_POOL,
            work_queue_name=pool.get("work_queue_name"),
            entrypoint_type=EntrypointType.MODULE_PATH,
        ))
    return out


def ensure_work_pool(name: str, pool_type: str = "process") -> bool:
    """Create the work pool when missing (a process pool: workers run flows as local processes).

    Returns whether it was created."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return False
        except ObjectNotFound:
            template: dict[str, Any] = {}
            if pool_type == "process":
                from prefect.workers.process import ProcessWorker

                template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(WorkPoolCreate(name=name, type=pool_type, base_job_template=template))
            return True


def register(work_pool: str | None = None, spec_path: str | Path = SPEC_PATH) -> list[Registered]:
    """Apply every deployment of ``prefect.yaml`` to the Prefect server PREFECT_API_URL points at."""
    from prefect import deploy

    spec = load_spec(spec_path)
    deployments = build_deployments(spec, work_pool)
    pools = {d.work_pool_name for d in deployments}
    for pool in pools:
        ensure_work_pool(pool)
    out = []
    for pool in sorted(pools):
        batch = [d for d in deployments if d.work_pool_name == pool]
        ids = cast(list[Any], deploy(*batch, work_pool_name=pool, build=False, push=False,
                                     print_next_steps_message=False, ignore_warnings=True))
        for dep, dep_id in zip(batch, ids, strict=True):
            out.append(Registered(
                flow=dep.flow_name, name=dep.name, id=str(dep_id), work_pool=pool,
                schedules=[f"{s.schedule.cron} ({s.schedule.timezone})" for s in dep.schedules or []],
            ))
    return out
