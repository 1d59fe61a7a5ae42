"""Crawler throughput against a local demo server: ``python bench/crawl_bench.py [--portals 200 --reports 20]``.

Serves the scaled-up demo variant (``nianbao.demo_portal.sites.build_bench``: PORTALS TRS-style sites
× REPORTS report articles, each with a PDF attachment) from a separate process, then crawls every
site with the real spiders and middlewares in this process (LANES crawls side by side, one after another in each lane), politeness delays set to
zero.  Prints
pages/s (wall clock) and the crawler's CPU per page (this process only; the server is elsewhere).
``--archive`` also captures every response (fetch row, blob, WARC) into a scratch SQLite archive and
prints how many fetch rows it holds at the end (one per page: none lost in a batch).

Target: the crawler is never the bottleneck: >= 200 pages/s on one core against a local server.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def serve(portals: int, reports: int, port_q: Any, stop: Any) -> None:
    from nianbao.demo_portal import DemoPortal
    from nianbao.demo_portal.sites import build_bench

    with DemoPortal(port=0, slow_seconds=0, extra=build_bench(portals, reports)) as portal:
        port_q.put(portal.port)
        stop.wait()


def cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portals", type=int, default=200)
    ap.add_argument("--reports", type=int, default=20)
    ap.add_argument("--archive", action="store_true", help="capture into a scratch archive too")
    ap.add_argument("--lanes", type=int, default=16, help="crawls running side by side")
    ap.add_argument("--no-calibrate", action="store_true",
                    help="skip the 1-report pass that separates per-crawl start-up from per-page CPU")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run_once(args)
        return
    # each pass in its own process (Scrapy's reactor cannot restart)
    passes = [args.reports] if args.no_calibrate or args.reports <= 1 else [1, args.reports]
    results = {}
    for reports in passes:
        cmd = [sys.executable, __file__, "--child", "--portals", str(args.portals), "--reports", str(reports),
               "--lanes", str(args.lanes)] + (["--archive"] if args.archive else [])
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        results[reports] = json.loads(out.strip().splitlines()[-1])
    r = results[args.reports]
    print(f"portals {args.portals}  reports/portal {args.reports}  archive {'on' if args.archive else 'off'}  "
          f"lanes {args.lanes}")
    print(f"pages {r['pages']}  report items {r['items']} (expected {args.portals * args.reports})"
          + (f"  fetch rows {r['fetch_rows']}" if r.get("fetch_rows") is not None else ""))
    print(f"wall {r['wall']:.1f} s  ->  {r['pages'] / r['wall']:.0f} pages/s "
          "(server and crawler share this machine's cores)")
    print(f"crawler CPU {r['cpu']:.1f} s  ->  {1000 * r['cpu'] / r['pages']:.2f} ms CPU/page incl. start-up "
          f"({r['pages'] / r['cpu']:.0f} pages per CPU-second)")
    if 1 in results and args.reports > 1:
        c = results[1]
        per_page = (r["cpu"] - c["cpu"]) / (r["pages"] - c["pages"])
        startup = (c["cpu"] - per_page * c["pages"]) / args.portals
        print(f"steady state {1000 * per_page:.2f} ms CPU/page -> {1 / per_page:.0f} pages/s on one core; "
              f"start-up {1000 * startup:.0f} ms CPU per crawl")


def run_once(args: argparse.Namespace) -> None:
    port_q: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    stop = mp.Event()
    server = mp.Process(target=serve, args=(args.portals, args.reports, port_q, stop), daemon=True)
    server.start()
    port = port_q.get(timeout=120)
    scratch = tempfile.TemporaryDirectory(prefix="nianbao-bench-")
    os.environ["NIANBAO_HOME"] = scratch.name
    os.environ.pop("NIANBAO_DATABASE_URL", None)
    try:
        from scrapy.crawler import CrawlerProcess

        from nianbao.settings import get_settings
        from spiders.families.trs import TrsSpider
        from spiders.registry import Portal
        from spiders.settings import crawl_settings

        if args.archive:
            from storage import db

            db.upgrade(get_settings().database_url)
        settings = crawl_settings(get_settings(), portal_id="bench", years=[2023], output=None, summary=None,
                                  archive=args.archive, fast=True, log_level="WARNING")
        settings.update({"LOG_LEVEL": "ERROR"})
        process = CrawlerProcess(settings)
        portals = [
            Portal.model_validate({
                "id": f"bench-{p:03d}", "name": f"测试{p:03d}县人民政府", "family": "trs", "region_code": "640500",
                "units": [{"name": f"测试{p:03d}县人民政府"}],
                "start_urls": [f"http://127.0.0.1:{port}/bench/p{p:03d}/index.html"],
                "domains": [f"127.0.0.1:{port}"],
            })
            for p in range(args.portals)
        ]
        crawlers: list[Any] = []
        todo = list(reversed(portals))

        def next_crawl(_: Any = None) -> Any:
            # one crawl after another in each lane, as a flow runs crawls side by side
            if not todo:
                return None
            crawler = process.create_crawler(TrsSpider)
            crawlers.append(crawler)
            d = process.crawl(crawler, portal=todo.pop(), years=[2023])
            d.addBoth(next_crawl)
            return d

        for _ in range(min(args.lanes, len(todo))):
            next_crawl()
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        process.start()
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
        rows = fetch_rows() if args.archive else None
    finally:
        stop.set()
        server.join(timeout=10)
        scratch.cleanup()
    pages = sum(c.stats.get_value("downloader/response_count", 0) for c in crawlers)
    items = sum(c.stats.get_value("item_scraped_count", 0) for c in crawlers)
    print(json.dumps({"pages": pages, "items": items, "wall": wall, "cpu": cpu, "fetch_rows": rows}))


def fetch_rows() -> int:
    """Fetch rows in the scratch archive once every crawl has closed (one per response captured)."""
    from nianbao.settings import get_settings
    from storage.archive import Archive
    from storage.models import Fetch

    return Archive.open(get_settings()).count(Fetch)


if __name__ == "__main__":
    main()
