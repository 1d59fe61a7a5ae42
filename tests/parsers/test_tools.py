"""External tools run by the parsers: a timeout ends the tool and everything it started."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from parsers.tools import run_tool


def test_a_timeout_kills_the_tool_and_the_processes_it_started() -> None:
    # the way soffice starts soffice.bin: a child that inherits the output pipes
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_tool(["sh", "-c", "sleep 60 & sleep 60"], os.environ, timeout=1)
    assert time.monotonic() - started < 10  # not the 60 s the grandchild would hold the pipes


def test_output_and_exit_status_come_back() -> None:
    done = run_tool(["sh", "-c", "echo out; echo err >&2; exit 3"], os.environ, timeout=10)
    assert (done.returncode, done.stdout, done.stderr) == (3, b"out\n", b"err\n")
