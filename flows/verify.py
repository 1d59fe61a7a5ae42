"""Fixity: re-hash every blob and every WARC record and report what does not match.

A blob is checked against its name (its sha256); a WARC response/resource record is checked
against the sha256 of the blob its fetch row points to.  Problems: ``missing`` (the file or
record is gone) and ``altered`` (the bytes no longer hash to what was recorded).  Work is
mapped in batches (hashing one blob costs far less than a task run).

First it repairs the WARC files a killed crawl left half-written (``.open`` with no live writer:
:func:`storage.warc.repair_open_files`) and reports them under ``repaired`` (and in the
artifact): they are not problems, no fetch row points past the cut.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE as NO_CACHE
from sqlalchemy import select

from flows import progress
from flows.tasks import open_archive, start_run, thread_pool
from storage.blobs import BlobNotFound, sha256_hex
from storage.models import Blob, Fetch
from storage.warc import WarcLocation, read_record_payload, repair_open_files

BATCH = 200


@dataclass(frozen=True)
class FixityProblem:
    kind: str  # blob | warc
    key: str  # sha256, or warc file:offset
    problem: str  # missing | altered
    detail: str = ""


@task(name="check blobs", task_run_name="check {n} blobs", cache_policy=NO_CACHE)
def check_blobs(shas: list[str], n: int = 0) -> list[FixityProblem]:
    store = open_archive().blobs
    problems = []
    for sha in shas:
        try:
            actual = sha256_hex(store.get(sha))
        except BlobNotFound:
            problems.append(FixityProblem("blob", sha, "missing", store.locate(sha)))
            continue
        if actual != sha:
            problems.append(FixityProblem("blob", sha, "altered", f"{store.locate(sha)} now hashes to {actual}"))
    progress.emit("checked", kind="blob", count=len(shas))
    return problems


@task(name="check WARC records", task_run_name="check {n} WARC records", cache_policy=NO_CACHE)
def check_warc_records(records: list[dict[str, Any]], n: int = 0) -> list[FixityProblem]:
    problems = []
    for r in records:
        where = f"{r['warc_file']}:{r['warc_offset']}"
        location = WarcLocation(r["warc_file"], r["warc_offset"], r["warc_length"] or 0, r["warc_record_id"] or "")
        try:
            payload = read_record_payload(location)
        except FileNotFoundError:
            problems.append(FixityProblem("warc", where, "missing", "WARC file not found"))
            continue
        except Exception as exc:  # a truncated or overwritten file cannot be read at that offset
            problems.append(FixityProblem("warc", where, "altered", f"unreadable record: {type(exc).__name__}: {exc}"))
            continue
        actual = sha256_hex(payload)
        if actual != r["blob_sha256"]:
            problems.append(FixityProblem("warc", where, "altered",
                                          f"payload hashes to {actual}, fetch {r['id']} recorded {r['blob_sha256']}"))
    progress.emit("checked", kind="warc", count=len(records))
    return problems


def _batches(items: list[Any], size: int = BATCH) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@flow(name="verify-fixity", flow_run_name="verify fixity", task_runner=thread_pool(4),
      persist_result=False)
def verify_fixity() -> dict[str, Any]:
    """Re-hash every blob and WARC record of the archive; report any mismatch or missing file."""
    archive = open_archive()
    run_id = start_run(archive, "verify-fixity", {})
    repaired = [asdict(r) for r in repair_open_files(archive.settings.warc_dir)]
    with archive.session() as s:
        shas = list(s.scalars(select(Blob.sha256).order_by(Blob.sha256)))
        warc_rows = [
            dict(row._mapping) for row in s.execute(
                select(Fetch.id, Fetch.warc_file, Fetch.warc_offset, Fetch.warc_length, Fetch.warc_record_id,
                       Fetch.blob_sha256)
                .where(Fetch.warc_file.is_not(None), Fetch.blob_sha256.is_not(None)).order_by(Fetch.id)
            )
        ]
    progress.emit("run_started", run_id=run_id, blobs=len(shas), warc_records=len(warc_rows))
    futures = [check_blobs.submit(b, n=len(b)) for b in _batches(shas)]
    futures += [check_warc_records.submit(b, n=len(b)) for b in _batches(warc_rows)]
    problems: list[FixityProblem] = []
    for fut in futures:
        problems.extend(fut.result())
    counts = {
        "blobs": len(shas), "warc_records": len(warc_rows), "problems": len(problems),
        "missing": sum(p.problem == "missing" for p in problems),
        "altered": sum(p.problem == "altered" for p in problems),
        "warc_repaired": len(repaired),
    }
    title = f"fixity: {len(shas)} blobs, {len(warc_rows)} WARC records, {len(problems)} problem(s)"
    lines = [f"# {title}", "", "| kind | key | problem | detail |", "|---|---|---|---|"]
    lines += [f"| {p.kind} | {p.key} | {p.problem} | {p.detail} |" for p in problems]
    if repaired:
        lines += ["", "WARC files left open by a killed writer, repaired:", "",
                  "| file | whole records kept | bytes cut |", "|---|---|---|"]
        lines += [f"| {r['path']} | {r['records']} | {r['cut_bytes']} |" for r in repaired]
    create_markdown_artifact("\n".join(lines) + "\n", key="fixity", description=title)
    archive.finish_run(run_id, "ok" if not problems else "problems", counts)
    return {"run_id": run_id, "counts": counts, "problems": [asdict(p) for p in problems], "repaired": repaired}
