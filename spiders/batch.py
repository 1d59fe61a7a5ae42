"""Fetch rows written in batches: one transaction per batch instead of one per response.

A crawl records every exchange (:mod:`spiders.recorder`).  Writing each fetch row in its own
transaction, with an fsync of its blob, cost more CPU than the crawl itself, so rows wait here and
are written together (``Archive.record_fetches``: one executemany in one transaction) when the
batch is full, when its oldest row is ``NIANBAO_CAPTURE_BATCH_SECONDS`` old, when the spider is
idle and when it closes.

Ids are handed out at once (the spider's items carry ``fetch_id``): the first exchange of a block
is written straight away and reserves the ids of the next ``NIANBAO_CAPTURE_BATCH_SIZE - 1``
(``Archive.record_fetch_reserving``); the rows that use them follow in batches.  Ids are unique,
not chronological: on SQLite the first fetch of a block takes the block's top id, so order fetches
by ``started_at`` for their time order.

Why the archive stays consistent with the blobs and the WARC file:

- a row is committed only after what it points at is on disk: its body is in the blob store
  (written at once, without fsync) and in its WARC record; the WARC file is flushed and fsynced
  (:meth:`WarcWriter.sync`) just before each commit, one fsync per batch;
- a blob file is named by the sha256 of its bytes, so one cut short by a system crash before it
  reached the disk is detected by its hash (``nianbao verify``), is written again by the next
  ``put`` of those bytes, and its bytes are still in the synced WARC record the row names;
- a crash loses at most the rows not yet written (one batch).  A blob or WARC record without a row
  is harmless, and the next run knows nothing of those exchanges, so the incremental crawl
  fetches them again; the ids they had reserved stay unused (gaps, as after a rollback).

Settings: ``NIANBAO_CAPTURE_BATCH_SIZE`` (default 100; 1 writes every row at once),
``NIANBAO_CAPTURE_BATCH_SECONDS`` (default 5).  Stats: ``nianbao/capture/batches``.
"""

from __future__ import annotations

import time
from typing import Any

from storage.archive import Archive, FetchInfo, NumberedFetch
from storage.warc import WarcLocation, WarcWriter


class FetchBatcher:
    """Numbers exchanges at once and writes their rows in batches."""

    def __init__(self, archive: Archive, warc: WarcWriter, *, size: int = 100, seconds: float = 5.0,
                 stats: Any = None) -> None:
        self.archive = archive
        self.warc = warc
        self.size = max(1, size)
        self.seconds = seconds
        self.stats = stats
        self._ids: list[int] = []  # reserved and unused, highest first
        self._pending: list[NumberedFetch] = []
        self._oldest = 0.0  # time.monotonic() of the first pending row

    def add(self, info: FetchInfo, body: bytes | None = None, warc: WarcLocation | None = None) -> int:
        """Record one exchange (its WARC record already written); returns its fetch id."""
        if not self._ids:
            # the first of a block goes in now, once its WARC record is on disk, and reserves the next ids
            self.warc.sync()
            first, *reserved = self.archive.record_fetch_reserving(info, self.size - 1, body=body, warc=warc,
                                                                   sync_blob=False)
            self._ids = sorted(reserved, reverse=True)
            return first
        fetch_id = self._ids.pop()
        sha = self.archive.blobs.put(body, sync=False) if body is not None else None
        if not self._pending:
            self._oldest = time.monotonic()
        self._pending.append(NumberedFetch(fetch_id, info, sha, len(body) if body is not None else None, warc))
        if len(self._pending) >= self.size - 1 or self.due():
            self.flush()
        return fetch_id

    def due(self) -> bool:
        return bool(self._pending) and time.monotonic() - self._oldest >= self.seconds

    def flush(self) -> None:
        """Write the pending rows in one transaction, once the WARC records they name are on disk."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self.warc.sync()
        self.archive.record_fetches(batch)
        if self.stats is not None:
            self.stats.inc_value("nianbao/capture/batches")

    def flush_if_due(self) -> None:
        if self.due():
            self.flush()

    @property
    def pending(self) -> int:
        return len(self._pending)
