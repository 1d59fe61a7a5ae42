"""WARC capture with warcio: every fetch is also a WARC record replayable by standard tools.

One :class:`WarcWriter` writes one gzip-compressed ``.warc.gz`` file per process (a crawl,
an ``archive`` command), named ``<prefix>-<UTC time>-<pid>.warc.gz`` under the WARC
directory, starting with a ``warcinfo`` record.  Each exchange is a ``request`` +
``response`` pair; a local file archived by hand is a ``resource`` record.  Each record is
its own gzip member.

Every file passes ``warcio check``, even when its writer is killed (SIGKILL on a crawl timeout,
an operator killing a harvest):

- **Two names.**  The final name is chosen when the writer opens; while it writes, the file is
  ``<final name>.open`` and the writer holds an exclusive ``flock`` on it.  :meth:`WarcWriter.close`
  flushes, fsyncs, renames it to its final name (and fsyncs the directory), then lets the lock go.
- **Rows name the final file.**  Fetch rows are committed in batches *while* the crawl writes
  (:mod:`spiders.batch`: each commit follows a :meth:`WarcWriter.sync`), so a rename before
  every commit is impossible; instead :class:`WarcLocation` always carries the final name, and
  readers open it with :func:`open_warc`, which falls back to the ``.open`` name (and back again
  if the rename happens in between).  A row therefore never has to change.
- **Repair.**  :func:`repair_open_files` takes every ``.open`` file whose writer is gone (its lock
  can be taken), cuts it after the last record that reads whole (a complete gzip member, block
  digest right) and renames it to its final name; a file with not one whole record is removed.
  Records named by rows were synced before their rows were committed, so they all lie before the
  cut.  A crawl repairs its WARC directory when it starts (``spiders.recorder``), and so does
  ``nianbao verify`` (``flows.verify``), which reports what it repaired.  A file being created is
  never taken for a dead one: writers create and lock their file, and repairs look, under a
  short-lived lock of the directory (``.warc-dir.lock``).

``flock`` is per open file, so a live writer is seen even from its own process; on NFS Linux maps
it to NFS byte-range locks, which every client sees.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import responses as http_reasons
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

OPEN_SUFFIX = ".open"  # a WARC file being written: ``<final name>.open``
DIR_LOCK = ".warc-dir.lock"  # held while a writer creates its file or a repair looks at the directory


@dataclass(frozen=True)
class WarcLocation:
    filename: str  # path of the .warc.gz file (its final name, even while it is still being written)
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


@contextmanager
def _directory_locked(directory: Path) -> Iterator[None]:
    """Writers create-and-lock their file and repairs look at the directory one at a time."""
    fd = os.open(directory / DIR_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class WarcWriter:
    """Append-only writer of one WARC file; thread-unsafe, one per process.

    ``path`` is the final name (what :class:`WarcLocation` carries); until :meth:`close` the
    bytes are in ``open_path``, locked against repairs."""

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
        self.open_path = self.path.with_name(self.path.name + OPEN_SUFFIX)
        with _directory_locked(self.directory):
            self._fh = open(self.open_path, "xb")  # noqa: SIM115 - closed in close()
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX)  # held until close(): "a live writer"
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
        """Sync the file, give it its final name, then release it (see the module docstring)."""
        if self._fh.closed:
            return
        try:
            self.sync()
            os.replace(self.open_path, self.path)
            _fsync_directory(self.directory)
        finally:
            self._fh.close()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_warc(filename: str | os.PathLike[str]) -> IO[bytes]:
    """Open a WARC file by its final name, whether it is still being written (``.open``) or not."""
    try:
        return open(filename, "rb")
    except FileNotFoundError:
        pass
    try:
        return open(os.fspath(filename) + OPEN_SUFFIX, "rb")
    except FileNotFoundError:
        return open(filename, "rb")  # renamed between the two attempts (or really missing: raises)


def read_record_payload(location: WarcLocation) -> bytes:
    """The payload of the record at ``location`` (used by fixity checks and replay)."""
    with open_warc(location.filename) as fh:
        fh.seek(location.offset)
        for record in ArchiveIterator(fh):
            return bytes(record.content_stream().read())
    raise KeyError(f"no WARC record at {location.filename}:{location.offset}")


@dataclass(frozen=True)
class WarcRepair:
    """What :func:`repair_open_files` did to one file left ``.open`` by a writer that died."""

    path: str  # the final name (the file is gone when ``records`` is 0)
    records: int  # whole records kept
    kept_bytes: int
    cut_bytes: int  # bytes of the partial record dropped

    @property
    def removed(self) -> bool:
        return self.records == 0


def _member_complete(fh: IO[bytes], offset: int, length: int) -> bool:
    """Whether ``length`` bytes at ``offset`` are exactly one whole gzip member (trailer included:
    warcio reads a member cut inside its trailer without complaint)."""
    fh.seek(offset)
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        inflater.decompress(fh.read(length))
    except zlib.error:
        return False
    return inflater.eof and not inflater.unused_data


def whole_records_end(fh: IO[bytes]) -> tuple[int, int]:
    """(records, end offset) of the whole records at the start of a ``.warc.gz`` file: each one
    reads through with its digests right, and the last one's gzip member is complete."""
    ends: list[int] = []
    try:
        it = ArchiveIterator(fh, check_digests=True)
        for record in it:
            record.content_stream().read()
            offset, length = it.get_record_offset(), it.get_record_length()
            if record.digest_checker.passed is False:
                break
            ends.append(offset + length)
    except Exception:  # noqa: BLE001 - a record cut in its headers or gzip stream ends the whole part
        pass
    # every member but the last was followed by another, so only the last can lack its trailer
    if ends:
        start = ends[-2] if len(ends) > 1 else 0
        if not _member_complete(fh, start, ends[-1] - start):
            ends.pop()
    return len(ends), (ends[-1] if ends else 0)


def _repair_one(open_path: Path) -> WarcRepair | None:
    final = open_path.with_name(open_path.name[: -len(OPEN_SUFFIX)])
    try:
        fh = open(open_path, "r+b")  # noqa: SIM115 - closed below
    except FileNotFoundError:  # its writer closed it meanwhile
        return None
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # a live writer holds it
        try:
            if os.stat(open_path).st_ino != os.fstat(fh.fileno()).st_ino:
                return None  # renamed by its writer between our open and our lock
        except FileNotFoundError:
            return None
        size = os.fstat(fh.fileno()).st_size
        records, end = whole_records_end(fh)
        if records == 0:
            open_path.unlink()
        else:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
            os.replace(open_path, final)
        _fsync_directory(open_path.parent)
    return WarcRepair(path=str(final), records=records, kept_bytes=end, cut_bytes=size - end)


def repair_open_files(directory: str | os.PathLike[str]) -> list[WarcRepair]:
    """Repair every ``.open`` WARC file in ``directory`` whose writer is gone (module docstring).

    Cheap when there is nothing to do: one directory listing and a lock attempt per ``.open`` file."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    repairs: list[WarcRepair] = []
    with _directory_locked(directory):
        for open_path in sorted(directory.glob("*" + OPEN_SUFFIX)):
            repair = _repair_one(open_path)
            if repair is not None:
                repairs.append(repair)
    return repairs
