"""`nianbao deploy`: the deployments of deployments/prefect.yaml, registered on a real Prefect server."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

SHANGHAI = "Asia/Shanghai"


def test_register_applies_every_deployment_with_its_schedules(prefect_server: str) -> None:
    from prefect import get_client

    from deployments.deploy import register

    registered = register("nianbao-test-pool")
    assert sorted(f"{r.flow}/{r.name}" for r in registered) == [
        "harvest/harvest-yearly", "recrawl/recrawl-region", "reparse/reparse-archive",
        "verify-fixity/fixity-monthly",
    ]
    with get_client(sync_client=True) as client:
        pool = client.read_work_pool("nianbao-test-pool")
        assert pool.type == "process"
        harvest = client.read_deployment_by_name("harvest/harvest-yearly")
        assert harvest.entrypoint == "flows.harvest.harvest"  # a module path: workers need no checkout
        assert harvest.work_pool_name == "nianbao-test-pool"
        assert sorted((s.schedule.cron, s.schedule.timezone) for s in harvest.schedules) == [  # type: ignore[union-attr]
            ("0 2 1 2 *", SHANGHAI), ("0 2 1 3 *", SHANGHAI), ("0 2 1 4 *", SHANGHAI),
        ]
        recrawl = client.read_deployment_by_name("recrawl/recrawl-region")
        assert recrawl.schedules == [] and recrawl.parameters == {"region": None}
        assert "region" in recrawl.parameter_openapi_schema["properties"]  # type: ignore[index]
        fixity = client.read_deployment_by_name("verify-fixity/fixity-monthly")
        assert [(s.schedule.cron, s.schedule.timezone) for s in fixity.schedules] == [  # type: ignore[union-attr]
            ("0 3 1 * *", SHANGHAI)]

    again = register("nianbao-test-pool")  # idempotent: the same deployments are updated
    assert sorted(r.id for r in again) == sorted(r.id for r in registered)


def test_deploy_without_a_server_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from nianbao.cli import cli

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    out = CliRunner().invoke(cli, ["deploy"])
    assert out.exit_code == 2
    assert out.output.count("\n") == 1 and "PREFECT_API_URL" in out.output
