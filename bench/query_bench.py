#!/usr/bin/env python
"""Query benchmark: p50/p95 of every page and API call of ``nianbao serve`` under 20 concurrent clients.

Serves the archive filled by ``bench/archive_bench.py`` (100,000 synthetic reports in PostgreSQL)
with ``nianbao serve`` on 127.0.0.1 in a separate process, then a load generator on 127.0.0.1 sends each
request ``--requests`` times from ``--clients`` concurrent clients, with parameters drawn from the
archive (report ids, units, regions, years).  Target: p95 < 100 ms for every page and API call.

    .venv/bin/python bench/archive_bench.py                  # once: fills nianbao_bench (takes a while)
    .venv/bin/python bench/query_bench.py                    # p95 per page and API call
    .venv/bin/python bench/query_bench.py --database-url postgresql://postgres@127.0.0.1/nb_small --requests 100

Prints one line per endpoint and exits 1 when a p95 misses the target (2 when the archive is absent).
``--cost`` prints instead where the time goes: CPU milliseconds per request of the server, PostgreSQL
and the client, one request at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from nianbao.settings import normalize_database_url  # noqa: E402
from storage.models import CheckResult, Report, Unit  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/nianbao_bench"
TARGET_MS = 100.0
CELL = "applications/new_received/total"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def how_to_create(url: str, why: str) -> None:
    print(f"query_bench: {why}.\nCreate and fill it with the archive benchmark first:\n"
          f"    .venv/bin/python bench/archive_bench.py --database-url {make_url(url).render_as_string()}",
          file=sys.stderr)
    sys.exit(2)


def sample_parameters(url: str, rng: random.Random, n: int = 200) -> dict[str, list]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            try:
                reports = conn.scalar(select(func.count()).select_from(Report))
            except Exception:  # no schema
                how_to_create(url, "the database has no nianbao schema")
            if not reports:
                how_to_create(url, "the archive holds no reports")
            max_id = conn.scalar(select(func.max(Report.id))) or 1
            ids = sorted({rng.randint(1, max_id) for _ in range(n * 3)})
            rows = conn.execute(select(Report.id, Report.unit_id, Report.year).where(Report.id.in_(ids))).all()
            years = list(conn.scalars(select(Report.year).distinct().order_by(Report.year)))
            codes = [c for c in conn.scalars(select(Unit.region_code).distinct().limit(5000)) if c]
            versions = conn.execute(text(
                "SELECT a.id, b.id FROM reports a JOIN reports b ON a.unit_id = b.unit_id AND a.year = b.year "
                "AND a.version < b.version LIMIT 100")).all()
            failing = list(conn.scalars(select(CheckResult.report_id).distinct().limit(500)))
            print(f"archive: {reports} reports, years {years[0]}-{years[-1]}, {len(codes)} region codes "
                  f"(sampled {len(rows)} reports)")
    except OperationalError as exc:
        how_to_create(url, f"cannot connect ({str(exc.orig).strip().splitlines()[0]})")
    finally:
        engine.dispose()
    pairs = [(r.id, r.id) for r in rows[:20]] if not versions else [tuple(v) for v in versions]
    return {"reports": [r.id for r in rows], "units": [r.unit_id for r in rows], "years": years,
            "codes": codes, "pairs": pairs, "failing": failing or [r.id for r in rows]}


PREWARMED = ("reports", "units", "cells", "check_results", "coverage", "corrections")


def prewarm(url: str) -> None:
    """Read the archive's tables and indexes into the operating system's cache once, as a serving
    machine holds them: the figures are then those of the queries, not of the disk reading cold pages
    (after other work evicted them, a first run read cells from disk and a unit page took 0.5-1 s)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    started, total = time.perf_counter(), 0
    try:
        with engine.connect() as conn:
            try:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
            except Exception:  # not available: a full read of each table does most of it
                for table in PREWARMED:
                    conn.execute(text(f"SELECT count(*) FROM {table}"))
                print("prewarm: tables read once (no pg_prewarm)")
                return
            relations = conn.execute(text(
                "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i') AND "
                "(c.relname = ANY(:tables) OR c.oid IN (SELECT indexrelid FROM pg_index i JOIN pg_class t "
                "ON t.oid = i.indrelid WHERE t.relname = ANY(:tables)))"), {"tables": list(PREWARMED)}).scalars().all()
            for relation in relations:
                total += conn.execute(text("SELECT pg_prewarm(CAST(:r AS regclass), 'read')"),
                                      {"r": relation}).scalar() or 0
    finally:
        engine.dispose()
    print(f"prewarm: {total * 8 // 1024} MB of tables and indexes read in {time.perf_counter() - started:.1f} s")


def endpoints(p: dict[str, list], rng: random.Random) -> dict[str, object]:
    """Name -> a function giving the next URL path to request."""
    def report() -> int:
        return rng.choice(p["reports"])

    def year() -> int:
        return rng.choice(p["years"])

    def county() -> str:
        return rng.choice(p["codes"])

    def city() -> str:
        return rng.choice(p["codes"])[:4] + "00"

    def pair() -> tuple[int, int]:
        return rng.choice(p["pairs"])

    cell = quote(CELL, safe="")
    return {
        "page /": lambda: "/",
        "page /?q=": lambda: f"/?q={quote(rng.choice(['教育局', '人民政府', '财政局', '民政局']))}&year={year()}",
        "page /reports/{id}": lambda: f"/reports/{report()}",
        "page /reports/{id} (failing)": lambda: f"/reports/{rng.choice(p['failing'])}",
        "page provenance": lambda: f"/reports/{report()}/provenance?cell={cell}",
        "page /units/{id}": lambda: f"/units/{rng.choice(p['units'])}",
        "page /diff": lambda: "/diff?a={}&b={}".format(*pair()),
        "page /coverage (county)": lambda: f"/coverage?region={county()}&year={year()}",
        "page /coverage (city)": lambda: f"/coverage?region={city()}&year={year()}",
        "page /violations": lambda: f"/violations?rule=applications.balance&year={year()}",
        "page /rankings": lambda: f"/rankings?year={year()}&metric=not_disclosed_share&region={city()}",
        "api /api/reports": lambda: f"/api/reports?year={year()}&region={city()}",
        "api /api/reports/{id}": lambda: f"/api/reports/{report()}",
        "api provenance": lambda: f"/api/reports/{report()}/provenance?cell={cell}",
        "api /api/units/{id}/years": lambda: f"/api/units/{rng.choice(p['units'])}/years",
        "api region reports": lambda: f"/api/regions/{city()}/reports?year={year()}",
        "api /api/coverage": lambda: f"/api/coverage?region={county()}&year={year()}",
        "api /api/violations": lambda: f"/api/violations?year={year()}&offset={rng.randint(0, 5) * 50}",
        "api /api/diff": lambda: "/api/diff?a={}&b={}".format(*pair()),
        "api /api/rankings": lambda: f"/api/rankings?year={year()}&metric=applications_received",
        "api /api/rankings (share)": lambda: f"/api/rankings?year={year()}&metric=not_disclosed_share",
        "api /api/repeated-text": lambda: f"/api/repeated-text?year={year()}&region={city()}",
    }


class KeepAliveClient:
    """A minimal HTTP/1.1 GET client on one kept-alive connection.

    The load generator shares the machine's two cores with the server and PostgreSQL, so it must
    cost little: httpx spends ~2.4 ms of CPU per request here, this client a small fraction of that
    (the way wrk or hey would, without adding a tool to install).
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode("ascii"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.decode("latin-1").partition(":") for line in head.split(b"\r\n")[1:] if line)}
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def load(base: str, make_url_fn, requests: int, clients: int,  # type: ignore[no-untyped-def]
               timeout: float = 30.0) -> tuple[list[float], dict[int, int]]:
    """``requests`` GETs from ``clients`` concurrent keep-alive connections: latencies (ms) and statuses."""
    host, _, port = base.removeprefix("http://").partition(":")
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    todo = [make_url_fn() for _ in range(requests)]

    async def worker() -> None:
        client = KeepAliveClient(host, int(port))
        try:
            while todo:
                path = todo.pop()
                t0 = time.perf_counter()
                try:
                    code = await asyncio.wait_for(client.get(path), timeout)
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    code = 0  # no (complete) answer within the timeout
                    await client.close()
                latencies.append((time.perf_counter() - t0) * 1000)
                statuses[code] = statuses.get(code, 0) + 1
        finally:
            await client.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, statuses


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (their own threads), from /proc."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir()
            if p.name.isdigit() and (p / "comm").exists() and _comm(p) == "postgres"]


def _comm(p: Path) -> str:
    try:
        return (p / "comm").read_text().strip()
    except OSError:
        return ""


def process_tree(pid: int) -> list[int]:
    """pid and its descendants (the server's worker processes)."""
    children: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(p.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += children.get(current, [])
    return out


def measure_cost(base: str, make_url_fn, requests: int, server_pid: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """CPU milliseconds per request of the web server, PostgreSQL and this client, one request at a time."""
    server, pg = process_tree(server_pid), postgres_pids()
    s0, p0, c0 = cpu_seconds(server), cpu_seconds(pg), time.process_time()
    asyncio.run(load(base, make_url_fn, requests, 1))
    s1, p1, c1 = cpu_seconds(server), cpu_seconds(postgres_pids()), time.process_time()
    return (s1 - s0) * 1000 / requests, (p1 - p0) * 1000 / requests, (c1 - c0) * 1000 / requests


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=DEFAULT_URL)
    ap.add_argument("--clients", type=int, default=20, help="concurrent clients")
    ap.add_argument("--requests", type=int, default=400, help="requests per endpoint")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="server processes (nianbao serve --workers)")
    ap.add_argument("--only", help="only endpoints whose name contains this")
    ap.add_argument("--no-prewarm", action="store_true", help="leave the operating system's cache as it is")
    ap.add_argument("--cost", action="store_true",
                    help="instead of latency under load: CPU ms per request of server, PostgreSQL and client, "
                         "one request at a time (where the time goes)")
    args = ap.parse_args()
    url = normalize_database_url(args.database_url)
    rng = random.Random(7)
    params = sample_parameters(url, rng)
    if not args.no_prewarm:
        prewarm(url)

    port = free_port()
    env = dict(os.environ, NIANBAO_DATABASE_URL=url, NIANBAO_HOME="/tmp/nianbao-query-bench")
    server = subprocess.Popen(  # as operators run it (README): worker processes on sockets of their own
        [sys.executable, "-m", "nianbao.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.workers)],
        env=env, cwd=str(Path(__file__).resolve().parents[1]),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise SystemExit("query_bench: the server did not start")
            time.sleep(0.3)
        if args.cost:
            # closed loop: mean latency = clients / throughput, throughput <= cores / CPU per request, and
            # p95 runs at about twice the mean here
            budget = (os.cpu_count() or 2) * TARGET_MS / args.clients / 2.5
            print(f"CPU ms per request, one at a time ({args.requests} requests each); {os.cpu_count()} cores "
                  f"serve {args.clients} clients within {TARGET_MS:.0f} ms at p95 only if the total stays under "
                  f"~{budget:.1f} ms")
            print(f"{'endpoint':34} {'server':>8} {'postgres':>8} {'client':>8} {'total':>8}")
            for name, fn in endpoints(params, rng).items():
                if args.only and args.only not in name:
                    continue
                asyncio.run(load(base, fn, 20, 1))  # warm-up
                srv, pg, cli = measure_cost(base, fn, args.requests, server.pid)
                print(f"{name:34} {srv:8.2f} {pg:8.2f} {cli:8.2f} {srv + pg + cli:8.2f}")
            return
        print(f"server: nianbao serve, {args.workers} workers, {base}; load: {args.clients} clients, "
              f"{args.requests} requests per endpoint (target p95 < {TARGET_MS:.0f} ms)")
        print(f"{'endpoint':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>7}  statuses (0 = no answer)")
        misses = []
        for name, fn in endpoints(params, rng).items():
            if args.only and args.only not in name:
                continue
            asyncio.run(load(base, fn, min(40, args.requests), args.clients))  # warm-up
            t0 = time.perf_counter()
            lat, statuses = asyncio.run(load(base, fn, args.requests, args.clients))
            wall = time.perf_counter() - t0
            lat.sort()
            p50, p95 = statistics.median(lat), lat[int(0.95 * (len(lat) - 1))]
            ok = p95 < TARGET_MS and set(statuses) <= {200}
            if not ok:
                misses.append(name)
            print(f"{name:34} {p50:8.1f} {p95:8.1f} {lat[-1]:8.1f} {len(lat) / wall:7.0f}  "
                  f"{' '.join(f'{k}:{v}' for k, v in sorted(statuses.items()))}{'' if ok else '   <-- MISS'}")
        print("all p95 < 100 ms" if not misses else f"{len(misses)} endpoint(s) miss the target: {', '.join(misses)}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    sys.exit(1 if misses else 0)


if __name__ == "__main__":
    main()
