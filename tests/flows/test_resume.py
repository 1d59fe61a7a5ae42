"""A harvest killed mid-run (SIGKILL of its process group) and started again loses nothing and
duplicates nothing: it ends with the archive and coverage of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from storage.models import CrawlRun, Report
from tests.flows.test_harvest import (
    CORRUPT_UNIT,
    EXPECTED_COVERAGE,
    YEAR,
    expected_reports,
    snapshot,
    stored_coverage,
)

REPO = Path(__file__).resolve().parents[2]
HARVEST = f"from flows.harvest import harvest; harvest(year={YEAR}, crawl_retries=0, fast=True)"


def _start(prefect_server: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "PREFECT_LOGGING_LEVEL": "WARNING"}
    with open(log, "ab") as fh:
        return subprocess.Popen([sys.executable, "-c", HARVEST], cwd=REPO, env=env, stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True)


def test_killed_harvest_restarted_ends_like_an_uninterrupted_run(
    demo: Any, archive: Any, prefect_server: str, tmp_path: Path
) -> None:
    log = tmp_path / "harvest.log"
    proc = _start(prefect_server, log)
    deadline = time.monotonic() + 400
    while archive.count(Report) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, f"the harvest ended before it could be killed:\n{log.read_text()[-3000:]}"
    os.killpg(proc.pid, signal.SIGKILL)  # the flow process and its crawl subprocesses
    proc.wait()
    partial = snapshot(archive)
    assert 1 <= len(partial) < len(EXPECTED_COVERAGE)

    proc = _start(prefect_server, log)
    assert proc.wait(timeout=600) == 0, log.read_text()[-3000:]

    reports = snapshot(archive)
    by_unit = {name: blob for name, _y, _v, _c, blob, _d, _e in reports if name != CORRUPT_UNIT}
    assert by_unit == expected_reports(demo)
    assert all(version == 1 and canonical for _n, _y, version, canonical, *_ in reports)
    assert [r[0] for r in reports].count(CORRUPT_UNIT) == 1
    assert set(partial) <= set(reports)  # what the killed run archived was kept as it was
    with archive.session() as s:
        runs = s.query(CrawlRun).order_by(CrawlRun.id).all()
        assert [r.outcome for r in runs] == ["interrupted", "partial"]
        finished = runs[-1].id
    assert stored_coverage(archive, finished) == EXPECTED_COVERAGE
