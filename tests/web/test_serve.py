"""``nianbao serve --workers 2`` as an operator runs it: two processes, each on a listening socket of its
own, sharing the clients between them, and both gone after SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.query.demo_archive import DemoArchive
from tests.subprocesses import NIANBAO, group_members

CLIENTS = 24


def _children(pid: int) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
            and _field(p / "stat", 3) == str(pid)]


def _field(path: Path, n: int) -> str | None:
    try:
        return path.read_text().rsplit(")", 1)[1].split()[n - 2]
    except (OSError, IndexError):
        return None


def _established(pid: int, port: int) -> int:
    """Connections to ``port`` that process ``pid`` holds (from /proc: no tool needed)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in inodes:  # 01: ESTABLISHED
                count += 1
    return count


@pytest.fixture
def server(demo: DemoArchive) -> Iterator[tuple[subprocess.Popen[str], int]]:
    env = {**os.environ, "NIANBAO_HOME": str(demo.settings.home), "NIANBAO_DATABASE_URL": demo.settings.database_url}
    proc = subprocess.Popen([*NIANBAO, "serve", "--port", "0", "--workers", "2"], env=env, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        port = int(found.group(1))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/reports", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield proc, port
    finally:
        if proc.poll() is None or group_members(proc.pid, settle=0):
            os.killpg(proc.pid, signal.SIGKILL)


def test_two_workers_share_the_clients_and_stop_with_sigterm(server: tuple[subprocess.Popen[str], int]) -> None:
    proc, port = server
    workers = _children(proc.pid)
    serving = [pid for pid in workers if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]
    assert len(serving) == 2, workers
    clients = []
    try:
        for _ in range(CLIENTS):  # all at once, as a load generator opens them
            clients.append(socket.create_connection(("127.0.0.1", port)))
        for c in clients:
            c.sendall(b"GET /api/reports?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        for c in clients:
            assert c.recv(12).startswith(b"HTTP/1.1 200")
        held = [_established(pid, port) for pid in serving]
    finally:
        for c in clients:
            c.close()
    assert sum(held) == CLIENTS
    assert min(held) >= 3, held  # the kernel spreads them; one shared socket often gave one process nearly all

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert group_members(proc.pid) == []
