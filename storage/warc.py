"""WARC capture with warcio: every fetch is also a WARC record replayable by standard tools.

One :class:`WarcWriter` writes one gzip-compressed ``.warc.gz`` file per process (a crawl,
an ``archive`` command), named ``<prefix>-<UTC time>-<pid>.warc.gz`` under the WARC
directory, starting with a ``warcinfo`` record.  Each exchange is a ``request`` +
``response`` pair; a local file archived by hand is a ``resource`` record.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import responses as http_reasons
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


@dataclass(frozen=True)
class WarcLocation:
    filename: str  # path of the .warc.gz file
    offset: int  # byte offset of the response/resource record
    length: int  # compressed length of that record
    record_id: str  # WARC-Record-ID of that record


def _header_items(headers: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for key, value in (headers or {}).items():
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            k = key.decode("latin-1") if isinstance(key, bytes) else str(key)
            s = v.decode("latin-1") if isinstance(v, bytes) else str(v)
            items.append((k, s))
    return items


class WarcWriter:
    """Append-only writer of one WARC file; thread-unsafe, one per process."""

    def __init__(self, directory: str | os.PathLike[str], prefix: str = "nianbao", *,
                 flush_each_record: bool = True) -> None:
        """``flush_each_record=False`` leaves records in the file's buffer until :meth:`sync` (a
        crawl syncs once per batch of fetch rows, before committing rows that point at them)."""
        self.flush_each_record = flush_each_record
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in prefix)
        self.path = self.directory / f"{safe}-{stamp}-{os.getpid()}.warc.gz"
        self._fh = open(self.path, "ab")  # noqa: SIM115 - closed in close()
        self._writer = WARCWriter(self._fh, gzip=True)
        info = self._writer.create_warcinfo_record(
            self.path.name, {"software": "nianbao", "format": "WARC File Format 1.1"}
        )
        self._writer.write_record(info)
        self._fh.flush()

    def _write(self, record: Any) -> WarcLocation:
        offset = self._fh.tell()
        self._writer.write_record(record)
        if self.flush_each_record:
            self._fh.flush()
        return WarcLocation(
            filename=str(self.path),
            offset=offset,
            length=self._fh.tell() - offset,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
        )

    def write_exchange(
        self,
        *,
        url: str,
        method: str = "GET",
        request_headers: Mapping[str, Any] | None = None,
        request_body: bytes = b"",
        status: int,
        reason: str | None = None,
        response_headers: Mapping[str, Any] | None = None,
        body: bytes = b"",
        protocol: str = "HTTP/1.1",
    ) -> WarcLocation:
        """Write a response record and its request record; return where the response is."""
        reason = reason or http_reasons.get(status, "")
        resp_headers = StatusAndHeaders(
            f"{status} {reason}".strip(), _header_items(response_headers), protocol=protocol
        )
        response = self._writer.create_warc_record(
            url, "response", payload=BytesIO(body), http_headers=resp_headers
        )
        location = self._write(response)
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = StatusAndHeaders(
            f"{method} {target} {protocol}", _header_items(request_headers), is_http_request=True
        )
        request = self._writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(request_body),
            http_headers=req_headers,
            warc_headers_dict={"WARC-Concurrent-To": location.record_id},
        )
        self._write(request)
        return location

    def write_resource(self, *, uri: str, body: bytes, media_type: str | None) -> WarcLocation:
        """A document that did not come over HTTP (``nianbao archive FILE``)."""
        record = self._writer.create_warc_record(
            uri,
            "resource",
            payload=BytesIO(body),
            warc_content_type=media_type or "application/octet-stream",
        )
        return self._write(record)

    def sync(self) -> None:
        """Flush the buffered records and fsync the file: every record written so far is on disk."""
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_record_payload(location: WarcLocation) -> bytes:
    """The payload of the record at ``location`` (used by fixity checks and replay)."""
    from warcio.archiveiterator import ArchiveIterator

    with open(location.filename, "rb") as fh:
        fh.seek(location.offset)
        for record in ArchiveIterator(fh):
            return bytes(record.content_stream().read())
    raise KeyError(f"no WARC record at {location.filename}:{location.offset}")
