"""Harvest-flow throughput on a scaled demo portal: ``python bench/harvest_bench.py [--portals 200 --reports 20]``.

Serves PORTALS TRS-style sites × REPORTS report articles from a separate process (each article
links a real DOCX report of the demo portal, made unique by its zip comment, so every document is
parsed for real), writes a registry for them, and runs the real ``harvest`` flow (Prefect's
ephemeral mode unless PREFECT_API_URL is set; crawls as subprocesses, politeness delays off) into
a scratch SQLite archive.  Then, unless ``--no-baseline``, it does the same work again into a
second scratch archive with plain Python (the same crawl subprocesses and ``ingest_document``
calls on a thread pool of the same size, no Prefect).

Prints wall time, documents/s, time spent crawling and parsing+archiving (summed over workers),
Prefect's measured cost per task run, and the share of wall time spent in orchestration:
``(flow wall - baseline wall) / flow wall``, and an estimate from the per-task cost.

Target: orchestration overhead < 5% of wall time.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import io
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

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


def fresh_archive(root: Path, name: str) -> None:
    from nianbao.settings import get_settings
    from storage import db

    os.environ["NIANBAO_HOME"] = str(root / name)
    os.environ.pop("NIANBAO_DATABASE_URL", None)
    db.upgrade(get_settings().database_url)


def per_task_cost(n: int = 200) -> float:
    """Seconds Prefect spends per task run (no-op tasks on the thread pool)."""
    from prefect import flow, task
    from prefect.cache_policies import NONE

    @task(cache_policy=NONE)
    def noop(i: int) -> int:
        return i

    @flow
    def many() -> None:
        for f in [noop.submit(i) for i in range(n)]:
            f.result()

    many()  # warm up
    t0 = time.perf_counter()
    many()
    return (time.perf_counter() - t0) / n


def run_flow(year: int, concurrency: int) -> tuple[float, dict[str, Any]]:
    from flows.harvest import harvest

    t0 = time.perf_counter()
    result = harvest(year=year, crawl_retries=0, fast=True, concurrency=concurrency)
    return time.perf_counter() - t0, result


def run_baseline(portal_ids: list[str], year: int, concurrency: int, workers: int) -> float:
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

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as crawls, \
            concurrent.futures.ThreadPoolExecutor(workers) as ingests:
        pending = [crawls.submit(crawl, pid) for pid in portal_ids]
        docs = []
        for fut in concurrent.futures.as_completed(pending):
            docs += [ingests.submit(ingest, item) for item in fut.result().items if item.get("year") in (None, year)]
        for d in docs:
            d.result()
    return time.perf_counter() - t0


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

        import flows.harvest  # noqa: F401  (import cost outside the timings)

        fresh_archive(root, "flow")
        wall, result = run_flow(2023, args.concurrency)
        docs = sum(result["counts"]["documents"].values())
        crawl_s, ingest_s = timer.seconds.get("crawl", 0.0), timer.seconds.get("parse+archive", 0.0)
        tasks = args.portals + docs
        cost = per_task_cost()
        workers = 8  # ThreadPoolTaskRunner(max_workers=8) of the harvest flow

        print(f"harvest flow: {args.portals} portals x {args.reports} reports, concurrency {args.concurrency}")
        print(f"  wall time            {wall:9.1f} s")
        print(f"  documents archived   {docs:9d}   ({docs / wall:.1f} documents/s)   {result['counts']['documents']}")
        print(f"  crawl (summed)       {crawl_s:9.1f} s   over {timer.calls['crawl']} crawl subprocesses")
        print(f"  parse+archive (sum)  {ingest_s:9.1f} s   over {timer.calls['parse+archive']} documents")
        print(f"  Prefect per task run {cost * 1000:9.1f} ms  x {tasks} task runs = {cost * tasks:.1f} s of work; "
              f"upper bound if none overlapped: {100 * cost * tasks / wall:.1f}% of wall time")
        if not args.no_baseline:
            fresh_archive(root, "baseline")
            base = run_baseline([f"hb-{p:03d}" for p in range(args.portals)], 2023, args.concurrency, workers)
            share = (wall - base) / wall
            print(f"  plain-Python baseline{base:9.1f} s")
            verdict = "OK" if share < 0.05 else "ABOVE TARGET"
            print(f"  orchestration share  {100 * share:9.1f} %   (target < 5%: {verdict})")
    finally:
        stop.set()
        server.join(timeout=10)
        scratch.cleanup()


if __name__ == "__main__":
    main()
