"""Run ONE crawl in this process (``python -m spiders.run``), or start one in a subprocess.

Scrapy's reactor cannot be restarted inside a process, so every crawl is its own process:
:func:`crawl_in_subprocess` (used by ``nianbao crawl`` and the Prefect harvest flow) runs
``python -m spiders.run …`` and reads back the two files it writes:

- ``--output ITEMS.jsonl``: one line per report document found (see ``spiders.items``);
- ``--summary SUMMARY.json``: outcome (ok/blocked/unreachable/failed), error counts, offsite URLs,
  a subset of Scrapy stats.

    python -m spiders.run --portal nx-zhongwei --year 2023 --output items.jsonl --summary summary.json
    python -m spiders.run --url http://127.0.0.1:8000/gen/ --family auto --year 2023 --output … --summary …
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nianbao.errors import UserError
from nianbao.settings import get_settings
from spiders.registry import Portal, Unit, host_of, load_registry

ADHOC_REGION = "000000"  # region code of an ad-hoc portal whose area is unknown


@dataclass
class CrawlResult:
    items: list[dict[str, Any]]
    summary: dict[str, Any]
    returncode: int
    stderr_tail: str = field(default="", repr=False)

    @property
    def new_items(self) -> list[dict[str, Any]]:
        return [i for i in self.items if not i.get("unchanged")]


def adhoc_portal(url: str, family: str = "auto", *, unit: str | None = None,
                 region_code: str | None = None, portal_id: str | None = None) -> Portal:
    """A registry-less portal for ``--url``: its own host only, family as given (or auto)."""
    host = host_of(url)
    pid = portal_id or "adhoc-" + "".join(c if c.isalnum() else "-" for c in host.lower()).strip("-")
    return Portal.model_validate({
        "id": pid[:80], "name": unit or host, "family": "generic" if family == "auto" else family,
        "region_code": region_code or ADHOC_REGION,
        "units": [{"name": unit or (urlsplit(url).hostname or host)}],
        "start_urls": [url], "domains": [host],
    })


def run_crawl(*, portal: Portal, years: list[int], output: Path | None, summary: Path | None,
              family: str | None = None, force: bool = False, run_id: int | None = None,
              archive: bool = True, fast: bool = False, scout: bool = False, log_level: str = "INFO",
              extra_settings: dict[str, Any] | None = None) -> int:
    """Crawl ``portal`` for ``years`` in this process (blocks until done). Returns 0."""
    from scrapy.crawler import CrawlerProcess

    from spiders.families import portal_spider_class
    from spiders.families.auto import AutoSpider
    from spiders.settings import crawl_settings

    fam = family or portal.family
    cls = AutoSpider if fam == "auto" else portal_spider_class(portal.model_copy(update={"family": fam}))
    settings = crawl_settings(
        get_settings(), portal_id=portal.id, years=years, output=output, summary=summary, force=force,
        run_id=run_id, archive=archive, fast=fast, log_level=log_level,
        download_delay=portal.politeness.download_delay,
        concurrency_per_host=portal.politeness.concurrency_per_host,
    )
    settings.update(extra_settings or {})
    if archive:
        _register_portal(portal, fam)
    process = CrawlerProcess(settings)
    process.crawl(cls, portal=portal, years=years, scout=scout)
    process.start()
    return 0


def _register_portal(portal: Portal, family: str) -> None:
    """Make sure the archive knows the portal (fetch rows refer to it)."""
    from storage.archive import Archive

    archive = Archive.open(get_settings())
    archive.upsert_portal(
        portal.id, name=portal.name, family=family, region_code=None if portal.region_code == ADHOC_REGION
        else portal.region_code, start_urls=list(portal.start_urls), domains=list(portal.domains),
        config=portal.model_dump(mode="json"),
    )


def _years(value: int | list[int]) -> list[int]:
    return [value] if isinstance(value, int) else [int(v) for v in value]


def crawl_in_subprocess(portal_id: str | None, year: int | list[int], *, url: str | None = None,
                        family: str = "auto", force: bool = False, output_dir: Path,
                        settings_env: dict[str, str] | None = None, timeout: float | None = None,
                        run_id: int | None = None, registry: str | os.PathLike[str] | None = None,
                        fast: bool = False, scout: bool = False, unit: str | None = None,
                        region_code: str | None = None) -> CrawlResult:
    """Run one crawl as ``python -m spiders.run`` and return its items and summary.

    ``settings_env`` is added to the environment (NIANBAO_HOME, NIANBAO_DATABASE_URL, …).  A
    crawl that dies or times out still returns a summary, with outcome ``failed``.
    """
    if (portal_id is None) == (url is None):
        raise UserError("give a portal id or --url, not both and not neither")
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stem = portal_id or "adhoc"
    items_path, summary_path = output_dir / f"{stem}.items.jsonl", output_dir / f"{stem}.summary.json"
    for p in (items_path, summary_path):
        p.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "spiders.run", "--output", str(items_path), "--summary", str(summary_path)]
    cmd += ["--portal", portal_id] if portal_id else ["--url", str(url), "--family", family]
    for y in _years(year):
        cmd += ["--year", str(y)]
    if force:
        cmd.append("--force")
    if run_id:
        cmd += ["--run-id", str(run_id)]
    if registry:
        cmd += ["--registry", str(registry)]
    if fast:
        cmd.append("--fast")
    if scout:
        cmd.append("--scout")
    if unit:
        cmd += ["--unit", unit]
    if region_code:
        cmd += ["--region-code", region_code]
    env = {**os.environ, **(settings_env or {}), PARENT_PID_ENV: str(os.getpid())}
    log_path = output_dir / f"{stem}.log"
    try:
        with open(log_path, "wb") as log:
            proc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout,
                                  check=False)
        returncode = proc.returncode
    except subprocess.TimeoutExpired:
        returncode = -9
    tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:] if log_path.exists() else ""
    items = [json.loads(line) for line in items_path.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if items_path.exists() else []
    if returncode != 0 and items:
        _forget_unwritten_fetches(items, settings_env)
    # originals before their re-issued (更正) versions, older before newer: archive versions in order
    items.sort(key=lambda i: (bool(i.get("reissue")), i.get("published") or "", i.get("document_url") or ""))
    if summary_path.exists():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    else:
        last = [ln for ln in tail.splitlines() if ln.strip()][-1:] or ["no output"]
        summary = {"portal": portal_id, "outcome": "failed",
                   "error_class": "timeout" if returncode == -9 else "crawler_crashed",
                   "error_message": f"crawl process exited {returncode}: {last[0][:300]}",
                   "pages": 0, "documents": len(items), "errors": {}, "offsite": [], "stats": {}}
    return CrawlResult(items=items, summary=summary, returncode=returncode, stderr_tail=tail)


def _forget_unwritten_fetches(items: list[dict[str, Any]], settings_env: dict[str, str] | None) -> None:
    """A crawl killed before its last batch of fetch rows was written (``spiders.batch``) leaves items
    naming fetch ids that have no row: they lose ``fetch_id`` (their blob is stored; the next run
    fetches them again and records the exchange), so no report points at a fetch that does not exist."""
    from nianbao.settings import Settings
    from storage.archive import Archive

    ids = [i["fetch_id"] for i in items if i.get("fetch_id") is not None]
    if not ids:
        return
    try:
        recorded = Archive.open(Settings.from_env({**os.environ, **(settings_env or {})})).recorded_fetch_ids(ids)
    except UserError:  # no archive to ask (not initialised): leave the items as they are
        return
    for item in items:
        if item.get("fetch_id") is not None and item["fetch_id"] not in recorded:
            item["fetch_id"] = None


PARENT_PID_ENV = "NIANBAO_CRAWL_PARENT_PID"


def die_with_parent() -> None:
    """A crawl started by a harvest ends when the harvest's process dies (Linux: PR_SET_PDEATHSIG)."""
    parent = os.environ.get(PARENT_PID_ENV)
    if not parent or not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != int(parent):  # the parent died before prctl took effect
        os._exit(143)


def main(argv: list[str] | None = None) -> int:
    die_with_parent()
    ap = argparse.ArgumentParser(prog="python -m spiders.run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--portal", help="portal id from the registry")
    src.add_argument("--url", help="start URL of a portal not in the registry")
    ap.add_argument("--family", default=None, choices=["auto", "trs", "hanweb", "generic"])
    ap.add_argument("--year", type=int, action="append", required=True)
    ap.add_argument("--output", type=Path)
    ap.add_argument("--summary", type=Path)
    ap.add_argument("--force", action="store_true", help="re-download documents already archived")
    ap.add_argument("--run-id", type=int, default=None)
    ap.add_argument("--registry", default=None, help="registry directory (default NIANBAO_PORTALS_DIR)")
    ap.add_argument("--fast", action="store_true", help="no politeness delays (local benchmarks only)")
    ap.add_argument("--scout", action="store_true", help="list pages only: report what would be fetched")
    ap.add_argument("--no-archive", action="store_true")
    ap.add_argument("--unit", default=None)
    ap.add_argument("--region-code", default=None)
    ap.add_argument("--log-level", default="INFO")
    args = ap.parse_args(argv)
    try:
        if args.portal:
            portal = load_registry(args.registry).get(args.portal)
        else:
            portal = adhoc_portal(args.url, args.family or "auto", unit=args.unit, region_code=args.region_code)
        run_crawl(portal=portal, years=args.year, output=args.output, summary=args.summary,
                  family=args.family if args.url else (args.family or None), force=args.force,
                  run_id=args.run_id, archive=not args.no_archive, fast=args.fast, scout=args.scout,
                  log_level=args.log_level)
    except UserError as exc:
        print(f"nianbao: error: {exc.format_message()}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["CrawlResult", "Unit", "adhoc_portal", "crawl_in_subprocess", "main", "run_crawl"]
