"""Running ``nianbao`` commands in a subprocess from tests, so that a hang is a failure that says where.

A command gets its own process group.  One that outlives ``timeout`` gets SIGABRT first: with
``PYTHONFAULTHANDLER`` set, Python writes every thread's stack to stderr before dying, and that
stack is in the failure message.  Then the whole group is killed: a harvest's Prefect server and
crawls too, which would otherwise hold the output pipes open and keep the test waiting.
A command that exits but leaves processes of its group running fails as well: nothing a command
starts may outlive it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

NIANBAO = [sys.executable, "-m", "nianbao.cli"]


def run_nianbao(args: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``nianbao ARGS`` to its end (any exit status); fails the test when it hangs or leaves processes behind.

    ``env`` is the whole environment of the command (default: this process's)."""
    full_env = {**(os.environ if env is None else env), "PYTHONFAULTHANDLER": "1"}
    proc = subprocess.Popen([*NIANBAO, *args], env=full_env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        still_running = proc.poll() is None
        if still_running:
            os.kill(proc.pid, signal.SIGABRT)  # faulthandler: every thread's stack on stderr
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        left = group_members(proc.pid, settle=0)
        _kill_group(proc.pid)
        out, err = proc.communicate()
        what = "did not finish" if still_running else f"exited ({proc.returncode}) but left {left} running"
        pytest.fail(f"nianbao {' '.join(args)} {what} within {timeout:.0f} s\n--- stderr (end)\n{err[-6000:]}"
                    f"\n--- stdout (end)\n{out[-1000:]}")
    left = group_members(proc.pid)
    if left:
        _kill_group(proc.pid)
        pytest.fail(f"nianbao {' '.join(args)} exited ({proc.returncode}) but left {left} running\n{err[-3000:]}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def group_members(pgid: int, settle: float = 5.0) -> list[str]:
    """Command lines of the live processes of process group ``pgid``, once those ending have ended
    (waiting up to ``settle`` seconds: a helper such as multiprocessing's resource tracker leaves a
    moment after its parent)."""
    deadline = time.monotonic() + settle
    while True:
        found = _live_members(pgid)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _live_members(pgid: int) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[2]) != pgid or stat[0] in ("Z", "X"):
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if cmdline:  # empty: the process is exiting (its memory is gone already)
            found.append(cmdline[:200])
    return found


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
