"""Crawler throughput against a local demo server: ``python bench/crawl_bench.py [--portals 200 --reports 20]``.

Serves the scaled-up demo variant (``nianbao.demo_portal.sites.build_bench``: PORTALS TRS-style sites
× REPORTS report articles, each with a PDF attachment) from a separate process, then crawls every
site with the real spiders and middlewares in this process (LANES crawls side by side, one after another in each lane), politeness delays set to
zero.  Prints
pages/s (wall clock) and the crawler's CPU per page (this process only; the server is elsewhere).
``--archive`` also captures every response (fetch row, blob, WARC) into a scratch SQLite archive.

Target: the crawler is never the bottleneck: >= 200 pages/s on one core against a local server.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
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
    args = ap.parse_args()

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
    finally:
        stop.set()
        server.join(timeout=10)
        scratch.cleanup()
    pages = sum(c.stats.get_value("downloader/response_count", 0) for c in crawlers)
    items = sum(c.stats.get_value("item_scraped_count", 0) for c in crawlers)
    print(f"portals {args.portals}  reports/portal {args.reports}  archive {'on' if args.archive else 'off'}")
    print(f"pages {pages}  report items {items} (expected {args.portals * args.reports})")
    print(f"wall {wall:.1f} s  ->  {pages / wall:.0f} pages/s")
    print(f"crawler CPU {cpu:.1f} s  ->  {1000 * cpu / max(pages, 1):.2f} ms CPU/page  "
          f"({pages / max(cpu, 1e-9):.0f} pages per CPU-second)")


if __name__ == "__main__":
    main()
