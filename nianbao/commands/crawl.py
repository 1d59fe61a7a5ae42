"""``nianbao crawl``: crawl one portal (or any start URL) in its own process, then archive what it found."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from nianbao.errors import UserError
from nianbao.output import emit


@click.command(
    name="crawl",
    help="Crawl one portal of the registry, or a start URL that is not in it yet, for the reports "
    "of the given year(s). The crawl runs in its own process (polite: robots.txt, throttling, own "
    "domain only); every response is archived (fetch row, blob, WARC record) and each report found "
    "is parsed, checked and stored.\n\n"
    "A report already archived with the same bytes is not downloaded again unless --force.\n\n"
    "Examples:\n\n"
    "  nianbao crawl nx-zhongwei --year 2023\n\n"
    "  nianbao crawl --url http://127.0.0.1:8700/gen/ --family auto --year 2023",
)
@click.argument("portal_id", required=False)
@click.option("--url", help="Start URL of a portal not in the registry.")
@click.option("--family", type=click.Choice(["auto", "trs", "hanweb", "generic"]), default="auto",
              show_default=True, help="CMS family for --url.")
@click.option("--year", "years", type=int, multiple=True, required=True, help="Report year (repeatable).")
@click.option("--force", is_flag=True, help="Re-download documents that are already archived.")
@click.option("--registry", type=click.Path(file_okay=False), help="Registry directory (default NIANBAO_PORTALS_DIR or the packaged one).")
@click.option("--scout", is_flag=True, help="Only read the list pages and show which reports would be fetched.")
@click.option("--no-ingest", is_flag=True, help="Archive the fetched documents but do not parse them.")
@click.option("--unit", help="For --url: the publishing unit when titles do not name it.")
@click.option("--region-code", help="For --url: the 行政区划代码 of the portal's area.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the crawl's items.jsonl, summary.json and log here.")
@click.option("--timeout", type=float, default=3600, show_default=True, help="Seconds before the crawl is stopped.")
def command(portal_id: str | None, url: str | None, family: str, years: tuple[int, ...], force: bool,
            registry: str | None, scout: bool, no_ingest: bool, unit: str | None, region_code: str | None,
            output_dir: Path | None, timeout: float) -> None:
    from nianbao.commands._archive import open_archive
    from spiders.registry import load_registry
    from spiders.run import crawl_in_subprocess

    if (portal_id is None) == (url is None):
        raise UserError("give a PORTAL id or --url START_URL (one of them)")
    this_year = dt.date.today().year
    for y in years:
        if not 2007 <= y <= this_year:
            raise UserError(f"implausible report year {y} (reports exist from 2008 on)")
    if portal_id:
        load_registry(registry).get(portal_id)  # a clear error before starting a process
    else:
        from spiders.registry import _check_url

        try:
            _check_url(url or "")
        except ValueError as exc:
            raise UserError(str(exc)) from exc
    archive = open_archive()
    run_id = archive.start_run("crawl", "cli", {"portal": portal_id, "url": url, "years": list(years),
                                                "force": force})
    tmp = None
    if output_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="nianbao-crawl-")
        output_dir = Path(tmp.name)
    try:
        result = crawl_in_subprocess(portal_id, list(years), url=url, family=family, force=force,
                                     output_dir=output_dir, timeout=timeout, run_id=run_id, registry=registry,
                                     scout=scout, unit=unit, region_code=region_code)
        summary = result.summary
        if scout:
            emit([{"year": s["year"], "title": s["title"], "published": s.get("published") or "",
                   "url": s["url"]} for s in summary.get("scouted", [])])
            archive.finish_run(run_id, summary["outcome"], {"scouted": len(summary.get("scouted", []))})
            return
        rows, counts = [], {"found": len(result.items)}
        for item in result.items:
            row = _ingest(archive, item, run_id) if not no_ingest else {"status": "fetched"}
            counts[row["status"]] = counts.get(row["status"], 0) + 1
            rows.append({"unit": item["unit"], "year": item["year"], "form": item["form"],
                         "status": row["status"], "checks": row.get("checks", ""),
                         "new": "" if item.get("unchanged") else "yes", "document": item["document_url"]})
        archive.finish_run(run_id, summary["outcome"], {**counts, "errors": summary.get("errors", {})})
    finally:
        if tmp is not None:
            tmp.cleanup()
    if rows:
        emit(rows)
    errors = ", ".join(f"{k} {v}" for k, v in summary.get("errors", {}).items()) or "none"
    click.echo(f"{summary.get('portal') or url}: {summary['outcome']}; {summary.get('pages', 0)} pages, "
               f"{len(result.items)} reports found; errors: {errors}")
    if summary["outcome"] != "ok":
        click.echo(f"nianbao: crawl {summary['outcome']}: {summary.get('error_class')}: "
                   f"{summary.get('error_message') or ''}", err=True)
        sys.exit(1)


def _ingest(archive: Any, item: dict[str, Any], run_id: int) -> dict[str, Any]:
    from nianbao.ingest import ingest_document

    try:
        data = archive.read_blob(item["sha256"])
        outcome = ingest_document(
            archive, data=data, unit=item["unit"], region_code=item.get("region_code"), year=item["year"],
            portal_id=item["portal"], url=item["url"], document_url=item["document_url"],
            fetched_at=dt.datetime.fromisoformat(item["fetched_at"]) if item.get("fetched_at") else None,
            title=item.get("title"), published_hint=item.get("published"), fetch_id=item.get("fetch_id"),
            run_id=run_id, media_type=item.get("media_type"),
        )
    except UserError as exc:
        return {"status": "error", "checks": str(exc.format_message())[:60]}
    return {"status": outcome.status, "checks": outcome.checks_failed if outcome.error is None else outcome.error}
