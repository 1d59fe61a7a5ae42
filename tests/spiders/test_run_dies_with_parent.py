"""A crawl subprocess must not outlive a harvest killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

PARENT = textwrap.dedent("""
    import os, subprocess, sys, time
    from spiders.run import PARENT_PID_ENV
    child = subprocess.Popen(
        [sys.executable, "-c",
         "from spiders.run import die_with_parent; die_with_parent(); import time; time.sleep(120)"],
        env={**os.environ, PARENT_PID_ENV: str(os.getpid())})
    print(child.pid, flush=True)
    time.sleep(120)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_crawl_process_ends_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    time.sleep(1.0)  # let the child set its death signal
    os.kill(child_pid, 0)  # alive while the parent lives
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(child_pid, 0)
        except ProcessLookupError:
            return
        # reap it if it became our zombie (it is not our child, so this is only a poll)
        time.sleep(0.2)
    os.kill(child_pid, signal.SIGKILL)
    pytest.fail("the crawl process outlived its killed parent")
