"""Fetch rows written in batches: ids known at once, rows after a flush, no id shared between writers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from spiders.batch import FetchBatcher
from storage.archive import Archive, FetchInfo
from storage.models import Blob, Fetch
from storage.warc import WarcLocation, WarcWriter, read_record_payload


def exchange(warc: WarcWriter, n: int) -> tuple[FetchInfo, bytes, WarcLocation]:
    url = f"http://127.0.0.1:1/p{n}.html"
    body = f"<html>page {n}</html>".encode()
    loc = warc.write_exchange(url=url, status=200, response_headers={"Content-Type": "text/html"}, body=body)
    return FetchInfo(url=url, status=200, media_type="text/html", response_headers={"ETag": f'"{n}"'}), body, loc


def rows(archive: Archive) -> dict[int, Any]:
    with archive.session() as s:
        return {f.id: f for f in s.scalars(select(Fetch))}


def test_rows_follow_their_ids_after_a_flush(archive: Archive, tmp_path: Path) -> None:
    warc = WarcWriter(tmp_path / "warc", flush_each_record=False)
    batch = FetchBatcher(archive, warc, size=4, seconds=3600)
    sent = {}
    for n in range(5):
        info, body, loc = exchange(warc, n)
        sent[batch.add(info, body, loc)] = (info, body, loc)
    assert len(sent) == 5
    # p0 went in at once and reserved 3 ids; p1-p3 used them and went out as one batch when the
    # block was full; p4 went in at once, opening the next block
    assert set(rows(archive)) == set(sent)
    failed = batch.add(FetchInfo(url="http://127.0.0.1:1/gone", error_class="timeout"))
    assert failed not in rows(archive) and batch.pending == 1
    batch.flush()
    warc.close()
    stored = rows(archive)
    assert set(stored) == {*sent, failed}
    for fetch_id, (info, body, loc) in sent.items():
        row = stored[fetch_id]
        assert (row.url, row.status, row.response_headers) == (info.url, 200, info.response_headers)
        assert archive.read_blob(row.blob_sha256) == body
        at = WarcLocation(row.warc_file, row.warc_offset, row.warc_length, row.warc_record_id)
        assert at == loc and read_record_payload(at) == body
    assert (stored[failed].error_class, stored[failed].blob_sha256) == ("timeout", None)
    assert archive.count(Blob) == 5
    check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", str(warc.path)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_writers_side_by_side_never_share_an_id(archive: Archive, tmp_path: Path) -> None:
    """Two crawls reserving blocks in turn, and a plain writer in between, on one archive."""
    other = Archive.open(archive.settings)
    wa, wb = WarcWriter(tmp_path / "a"), WarcWriter(tmp_path / "b")
    a = FetchBatcher(archive, wa, size=3, seconds=3600)
    b = FetchBatcher(other, wb, size=3, seconds=3600)
    ids = []
    for n in range(7):
        ids.append(a.add(*exchange(wa, n)))
        ids.append(b.add(*exchange(wb, 100 + n)))
        if n == 3:
            ids.append(archive.record_fetch(FetchInfo(url="http://127.0.0.1:1/plain", status=404)))
    a.flush()
    b.flush()
    assert len(set(ids)) == len(ids) == 15
    assert set(rows(archive)) == set(ids)


def test_a_lost_batch_is_fetched_again(archive: Archive, tmp_path: Path) -> None:
    """A crash before the flush: the waiting rows are missing, nothing points at unsynced data, and
    the next run records the same exchange again."""
    warc = WarcWriter(tmp_path / "warc", flush_each_record=False)
    crashed = FetchBatcher(archive, warc, size=10, seconds=3600)
    crashed.add(*exchange(warc, 0))
    lost_id = crashed.add(*exchange(warc, 1))  # never flushed
    assert lost_id not in rows(archive)
    assert archive.latest_document_fetch("http://127.0.0.1:1/p1.html") is None  # so the next run re-fetches it
    warc2 = WarcWriter(tmp_path / "warc2", flush_each_record=False)
    again = FetchBatcher(archive, warc2, size=10, seconds=3600)
    new_id = again.add(*exchange(warc2, 1))
    latest = archive.latest_document_fetch("http://127.0.0.1:1/p1.html")
    assert latest is not None and latest.id == new_id != lost_id


def test_an_old_batch_goes_out_with_the_next_row(archive: Archive, tmp_path: Path) -> None:
    warc = WarcWriter(tmp_path / "warc")
    batch = FetchBatcher(archive, warc, size=100, seconds=0)
    ids = [batch.add(*exchange(warc, n)) for n in range(3)]
    assert batch.pending == 0 and set(rows(archive)) == set(ids)


def test_items_of_a_killed_crawl_forget_fetches_never_written(archive: Archive, tmp_path: Path) -> None:
    from spiders.run import _forget_unwritten_fetches

    warc = WarcWriter(tmp_path / "warc", flush_each_record=False)
    batch = FetchBatcher(archive, warc, size=10, seconds=3600)
    written = batch.add(*exchange(warc, 0))
    lost = batch.add(*exchange(warc, 1))  # the process dies before this batch is flushed
    assert archive.recorded_fetch_ids([written, lost, 10**9]) == {written}
    items: list[dict[str, Any]] = [{"fetch_id": written}, {"fetch_id": lost}, {"fetch_id": None}]
    _forget_unwritten_fetches(items, {"NIANBAO_HOME": str(archive.settings.home),
                                      "NIANBAO_DATABASE_URL": archive.settings.database_url})
    assert [i["fetch_id"] for i in items] == [written, None, None]
