"""`nianbao demo` on a "fresh machine": no NIANBAO_* or PREFECT_* configuration, a new PREFECT_HOME,
Prefect's ephemeral mode, the demo portal on 127.0.0.1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.flows.test_harvest import EXPECTED_COVERAGE
from tests.subprocesses import run_nianbao

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_runs_the_pipeline_with_no_configuration(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NIANBAO_", "PREFECT_"))}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["PYTHONPATH"] = str(REPO)
    proc = run_nianbao(["demo"], cwd=tmp_path, env=env, timeout=480)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    states = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in EXPECTED_COVERAGE:
            states[parts[0]] = next(p for p in parts if p in ("found", "late", "invalid", "missing", "blocked",
                                                                "unreachable"))
    assert states == EXPECTED_COVERAGE
    archive = tmp_path / "nianbao-data" / "archive.sqlite3"
    assert f"archive: {archive}" in out and archive.exists()
    assert "next, try:" in out and "nianbao query region 640402 --year 2023" in out
    assert "Traceback" not in proc.stderr
