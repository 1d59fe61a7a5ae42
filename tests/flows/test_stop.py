"""``nianbao harvest`` stopped with SIGTERM (``kill``, systemd, a container stopping) ends as Ctrl-C
ends it: the run is recorded as interrupted, and neither the Prefect server it started (ephemeral
mode) nor its crawls outlive it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Any

from storage.models import CrawlRun
from tests.flows.test_harvest import YEAR
from tests.subprocesses import NIANBAO, group_members


def test_a_harvest_stopped_with_sigterm_leaves_nothing_running(demo: Any, archive: Any, tmp_path: Any) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # ephemeral mode: its own server
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PYTHONFAULTHANDLER": "1"}
    proc = subprocess.Popen([*NIANBAO, "harvest", "--year", str(YEAR), "--retries", "0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        members: list[str] = []
        while proc.poll() is None and time.monotonic() < deadline:
            members = group_members(proc.pid, settle=0)
            if any("spiders.run" in m for m in members):
                break
            time.sleep(0.1)
        assert proc.poll() is None, f"the harvest ended before it could be stopped:\n{proc.stderr.read()[-3000:]}"  # type: ignore[union-attr]
        assert any("prefect.server" in m for m in members), members  # its ephemeral Prefect server
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None or group_members(proc.pid, settle=0):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err[-3000:]
    assert "nianbao: interrupted" in err
    assert group_members(proc.pid) == []  # the Prefect server and the crawls ended with it
    with archive.session() as s:
        run = s.query(CrawlRun).one()
        assert run.outcome == "interrupted" and run.ended_at is not None
        assert run.counts["error"].startswith(("KeyboardInterrupt", "TerminationSignal")), run.counts
