"""``nianbao deploy``: register the deployments of ``deployments/prefect.yaml`` on a Prefect server."""

from __future__ import annotations

import os

import click

from nianbao.errors import UserError
from nianbao.output import emit, output_option


@click.command(
    name="deploy",
    help="Register nianbao's deployments (yearly harvest on 1 Feb/1 Mar/1 Apr Asia/Shanghai, "
    "on-demand recrawl-region and reparse-archive, monthly fixity check) on the Prefect server "
    "PREFECT_API_URL points at; the work pool is created when missing. See deployments/README.md.\n\n"
    "Example:  PREFECT_API_URL=http://127.0.0.1:4200/api nianbao deploy --pool nianbao",
)
@click.option("--pool", default=None, help="Work pool name (default: the one in prefect.yaml, 'nianbao').")
@click.option("--verbose", is_flag=True, help="Show Prefect's own log lines.")
@output_option()
def command(pool: str | None, verbose: bool, fmt: str) -> None:
    from flows.console import prepare_prefect

    if not os.environ.get("PREFECT_API_URL"):
        raise UserError("set PREFECT_API_URL to your Prefect server first, e.g. "
                        "PREFECT_API_URL=http://127.0.0.1:4200/api (start one with `prefect server start`)")
    prepare_prefect(verbose)
    from deployments.deploy import register

    try:
        registered = register(pool)
    except (ValueError, RuntimeError, OSError) as exc:
        raise UserError(f"cannot register the deployments: {exc}") from None
    rows = [{"deployment": f"{r.flow}/{r.name}", "work_pool": r.work_pool, "schedules": "; ".join(r.schedules),
             "id": r.id} for r in registered]
    emit(rows, fmt, columns=("deployment", "work_pool", "schedules", "id"))
    if fmt == "table":
        click.echo(f"\nstart a worker:  prefect worker start --pool {registered[0].work_pool if registered else pool}")
