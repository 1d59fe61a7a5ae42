"""Harvest-flow throughput on a scaled demo portal: ``python bench/harvest_bench.py [--portals 200 --reports 20]``.

Serves PORTALS TRS-style sites × REPORTS report articles from a separate process (each article
links a real DOCX report of the demo portal, made unique by its zip comment, so every document is
parsed for real), writes a registry for them, and runs the real ``harvest`` flow (Prefect's
ephemeral mode unless PREFECT_API_URL is set; crawls as subprocesses, politeness delays off) into
a scratch SQLite archive.  Then, unless ``--no-baseline``, it does the same work again into a
second scratch archive with plain Python (the same crawl subprocesses and ``ingest_document``
calls on a thread pool of the same size, no Prefect).

Prefect's ephemeral server is started (and timed) before the flow, by the per-task-run
measurement, so the flow figures are those of a running server (an operator's server is always
up); the start-up is printed on its own line.

Prints wall time, documents/s, time spent crawling and parsing+archiving (summed over workers),
Prefect's measured cost per task run, and the share of time spent in orchestration:
``(flow - baseline) / flow``, of wall time and of CPU time (this process, its crawl
subprocesses, the demo portal and Prefect's server: every process of the bench, so other
people's load on a shared machine does not count), and an estimate from the per-task cost.

Target: orchestration overhead < 5% of wall time.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import io
import math
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
from flows.console import prepare_prefect  # noqa: E402

prepare_prefect()  # the Prefect settings every nianbao command runs its flows with

SOURCE_REPORT = "trs-spj-2023"  # a DOCX report of the demo portal


def unique_docx(data: bytes, tag: str) -> bytes:
    """The same document with a different zip comment: new bytes, same content."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.comment = tag.encode()
    return out.getvalue()


def unit_name(p: int, n: int) -> str:
    return f"测试{p:03d}县第{n:02d}局"


def build_sites(portals: int, reports: int, per_page: int = 10) -> dict[str, Any]:
    import datetime as dt

    from nianbao.demo_portal.catalog import report
    from nianbao.demo_portal.documents import document_bytes
    from nianbao.demo_portal.sites import Resource, _page

    docx = document_bytes(report(SOURCE_REPORT))
    res: dict[str, Any] = {}
    for p in range(portals):
        col = f"/hb/p{p:03d}/"
        entries = []
        for n in range(reports):
            day = dt.date(2024, 1, 1) + dt.timedelta(days=n % 28)
            ym, ymd = day.strftime("%Y%m"), day.strftime("%Y%m%d")
            title = f"{unit_name(p, n)}2023年政府信息公开工作年度报告"
            art, att = f"{ym}/t{ymd}_{n}.html", f"P0{ymd}{p:03d}{n:02d}.docx"
            entries.append(f'<li><a href="./{art}" title="{title}">{title}</a><span>{day}</span></li>')
            res[col + art] = Resource(body=_page(title, f'<div class="TRS_Editor"><p>{title}</p>'
                                                 f'<a href="./{att}">{title}.docx</a></div>').encode())
            res[col + f"{ym}/{att}"] = Resource(
                content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                validators=True, body=unique_docx(docx, f"{p}-{n}"))
        pages = [entries[i:i + per_page] for i in range(0, len(entries), per_page)]
        for i, chunk in enumerate(pages):
            name = "index.html" if i == 0 else f"index_{i}.html"
            body = f'<ul>{"".join(chunk)}</ul><script>createPageHTML({len(pages)}, {i}, "index", "html");</script>'
            res[col + name] = Resource(body=_page(f"测试{p:03d}县", body).encode())
    return res


def serve(portals: int, reports: int, port_q: Any, stop: Any) -> None:
    from nianbao.demo_portal.server import DemoPortal

    with DemoPortal(port=0, slow_seconds=0, extra=build_sites(portals, reports)) as portal:
        port_q.put(portal.port)
        stop.wait()


def write_registry(directory: Path, port: int, portals: int, reports: int) -> None:
    import yaml

    entries = [{
        "id": f"hb-{p:03d}", "name": f"测试{p:03d}县人民政府", "family": "trs", "region_code": "640500",
        "units": [{"name": unit_name(p, n), "level": "county", "kind": "department"} for n in range(reports)],
        "start_urls": [f"http://127.0.0.1:{port}/hb/p{p:03d}/index.html"], "domains": [f"127.0.0.1:{port}"],
    } for p in range(portals)]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "bench.yaml").write_text(yaml.safe_dump({"portals": entries}, allow_unicode=True), encoding="utf-8")


class Timer:
    """Sums the time spent inside the wrapped functions (over all threads)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def wrap(self, module: Any, name: str, label: str) -> None:
        real = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - t0
                    self.calls[label] += 1

        setattr(module, name, timed)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def cpu_seconds() -> float:
    """CPU time of this process, its finished children and its live descendants (Linux /proc)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    for pid in _descendants(os.getpid()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime of a live process
    return total


def warm_up_parsers() -> None:
    import parsers
    from nianbao.demo_portal.catalog import report
    from nianbao.demo_portal.documents import document_bytes

    parsers.parse_bytes(document_bytes(report(SOURCE_REPORT)))


def fresh_archive(root: Path, name: str) -> None:
    from nianbao.settings import get_settings
    from storage import db

    os.environ["NIANBAO_HOME"] = str(root / name)
    os.environ.pop("NIANBAO_DATABASE_URL", None)
    db.upgrade(get_settings().database_url)


@dataclass
class PrefectCosts:
    startup: float  # seconds to the end of a first, empty flow run (ephemeral server start-up)
    idle: float  # cores' worth of CPU the bench's processes use while nothing runs
    wall: float  # seconds of wall time per task run
    cpu: float  # CPU seconds per task run, Prefect's server included (beyond the idle rate)


def prefect_costs(n: int = 200, settle: float = 20.0) -> PrefectCosts:
    """Prefect's cost per task run (no-op tasks on the thread pool): wall time in the flow, and CPU
    time in every process of the bench, the server's work on the runs' events afterwards included."""
    from prefect import flow, task
    from prefect.cache_policies import NONE

    @task(cache_policy=NONE)
    def noop(i: int) -> int:
        return i

    @flow
    def nothing() -> None:
        pass

    @flow
    def many() -> None:
        for f in [noop.submit(i) for i in range(n)]:
            f.result()

    t0 = time.perf_counter()
    nothing()
    startup = time.perf_counter() - t0
    many()  # warm up
    time.sleep(settle)
    c0 = cpu_seconds()
    time.sleep(settle / 2)
    idle = (cpu_seconds() - c0) / (settle / 2)
    c0, t0 = cpu_seconds(), time.perf_counter()
    many()
    wall = time.perf_counter() - t0
    time.sleep(settle)  # the server records the runs' events after the flow has returned
    elapsed = time.perf_counter() - t0
    return PrefectCosts(startup, idle, wall / n, (cpu_seconds() - c0 - idle * elapsed) / n)


def run_flow(year: int, concurrency: int) -> tuple[float, float, dict[str, Any]]:
    """Wall seconds, CPU seconds and the result of the harvest flow."""
    from flows.harvest import harvest

    c0, t0 = cpu_seconds(), time.perf_counter()
    result = harvest(year=year, crawl_retries=0, fast=True, concurrency=concurrency)
    return time.perf_counter() - t0, cpu_seconds() - c0, result


def run_baseline(portal_ids: list[str], year: int, concurrency: int, workers: int) -> tuple[float, float]:
    """The same crawls and ingests with plain Python (no orchestration)."""
    from flows.tasks import crawl_env, open_archive
    from nianbao.ingest import ingest_document
    from nianbao.settings import get_settings
    from spiders.run import crawl_in_subprocess

    settings = get_settings()
    archive = open_archive(settings)

    def crawl(pid: str) -> Any:
        return crawl_in_subprocess(pid, year, output_dir=settings.home / "crawls" / "baseline",
                                   settings_env=crawl_env(settings), fast=True)

    def ingest(item: dict[str, Any]) -> Any:
        return ingest_document(archive, data=archive.read_blob(item["sha256"]), unit=item["unit"], year=year,
                               region_code=item.get("region_code"), portal_id=item.get("portal"),
                               url=item.get("url"), document_url=item.get("document_url"),
                               published_hint=item.get("published"))

    c0, t0 = cpu_seconds(), time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as crawls, \
            concurrent.futures.ThreadPoolExecutor(workers) as ingests:
        pending = [crawls.submit(crawl, pid) for pid in portal_ids]
        docs = []
        for fut in concurrent.futures.as_completed(pending):
            docs += [ingests.submit(ingest, item) for item in fut.result().items if item.get("year") in (None, year)]
        for d in docs:
            d.result()
    return time.perf_counter() - t0, cpu_seconds() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portals", type=int, default=200)
    ap.add_argument("--reports", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=4, help="portals crawled at once")
    ap.add_argument("--no-baseline", action="store_true", help="skip the plain-Python comparison run")
    args = ap.parse_args()

    port_q: Any = mp.Queue()
    stop = mp.Event()
    server = mp.Process(target=serve, args=(args.portals, args.reports, port_q, stop), daemon=True)
    server.start()
    port = port_q.get(timeout=600)
    scratch = tempfile.TemporaryDirectory(prefix="nianbao-harvest-bench-")
    root = Path(scratch.name)
    write_registry(root / "registry", port, args.portals, args.reports)
    os.environ["NIANBAO_PORTALS_DIR"] = str(root / "registry")
    try:
        import nianbao.ingest
        import spiders.run

        timer = Timer()
        timer.wrap(spiders.run, "crawl_in_subprocess", "crawl")
        timer.wrap(nianbao.ingest, "ingest_document", "parse+archive")

        import flows.harvest  # (import cost outside the timings)

        for name in ("register_portals", "units_in_scope", "compute_coverage", "store_coverage"):
            timer.wrap(flows.harvest, name, "bookkeeping")  # the flow's own work the baseline does not do
        from flows.tasks import INGEST_BATCH_SIZE, INGEST_WORKERS

        warm_up_parsers()  # lazily imported readers: neither run pays for them

        fresh_archive(root, "flow")
        t0 = time.perf_counter()
        costs = prefect_costs()  # starts Prefect's ephemeral server (unless PREFECT_API_URL is set)
        wall, cpu, result = run_flow(2023, args.concurrency)
        docs = sum(result["counts"]["documents"].values())
        crawl_s, ingest_s = timer.seconds.get("crawl", 0.0), timer.seconds.get("parse+archive", 0.0)
        batches = sum(math.ceil(p["documents"] / INGEST_BATCH_SIZE) for p in result["portals"].values())
        tasks = args.portals + batches

        print(f"harvest flow: {args.portals} portals x {args.reports} reports, concurrency {args.concurrency}, "
              f"{INGEST_WORKERS} ingest workers, batches of {INGEST_BATCH_SIZE}")
        print(f"  Prefect start-up     {costs.startup:9.1f} s   (before the flow; not in the figures below)")
        print(f"  idle CPU             {100 * costs.idle:9.1f} % of a core (the bench's processes, nothing running)")
        print(f"  wall time            {wall:9.1f} s   CPU time {cpu:.1f} s")
        print(f"  documents archived   {docs:9d}   ({docs / wall:.1f} documents/s)   {result['counts']['documents']}")
        print(f"  crawl (summed)       {crawl_s:9.1f} s   over {timer.calls['crawl']} crawl subprocesses")
        print(f"  parse+archive (sum)  {ingest_s:9.1f} s   over {timer.calls['parse+archive']} documents")
        bookkeeping = timer.seconds.get("bookkeeping", 0.0)
        print(f"  bookkeeping          {bookkeeping:9.1f} s   (registry, coverage report: the flow's own work)")
        print(f"  Prefect per task run {costs.wall * 1000:9.1f} ms wall, {costs.cpu * 1000:.1f} ms CPU  x {tasks} "
              f"task runs ({args.portals} crawls, {batches} ingest batches) = {costs.cpu * tasks:.1f} s CPU "
              f"({100 * costs.cpu * tasks / cpu:.1f}% of the flow's CPU time); wall upper bound if none "
              f"overlapped: {100 * costs.wall * tasks / wall:.1f}% of wall time")
        if not args.no_baseline:
            fresh_archive(root, "baseline")
            base, base_cpu = run_baseline([f"hb-{p:03d}" for p in range(args.portals)], 2023, args.concurrency,
                                          INGEST_WORKERS)
            share, cpu_share = (wall - base) / wall, (cpu - base_cpu) / cpu
            print(f"  plain-Python baseline{base:9.1f} s   CPU time {base_cpu:.1f} s")
            verdict = "OK" if share < 0.05 else "ABOVE TARGET"
            print(f"  orchestration share  {100 * share:9.1f} %   of wall time (target < 5%: {verdict})")
            print(f"  orchestration share  {100 * cpu_share:9.1f} %   of CPU time")
            print(f"  without bookkeeping  {100 * (wall - bookkeeping - base) / wall:9.1f} %   of wall time")
        print(f"  bench total          {time.perf_counter() - t0:9.1f} s")
    finally:
        stop.set()
        server.join(timeout=10)
        scratch.cleanup()


if __name__ == "__main__":
    main()
