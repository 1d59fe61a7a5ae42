"""WARC files stay valid when their writer is killed: ``.open`` while written, repaired after.

Real files, real warcio, a real writer process killed with SIGKILL, and the real ``warcio check``.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from storage.warc import OPEN_SUFFIX, WarcLocation, WarcWriter, read_record_payload, repair_open_files

WARCIO = Path(sys.executable).parent / "warcio"
REPO = Path(__file__).resolve().parents[2]

# a writer process: N exchanges, synced (as before a batch of fetch rows is committed), then it waits
WRITER = textwrap.dedent("""
    import json, os, sys, time
    from storage.warc import WarcWriter
    directory, n = sys.argv[1], int(sys.argv[2])
    w = WarcWriter(directory, prefix="killed", flush_each_record=False)
    locs = []
    for i in range(n):
        body = (f"<html>page {i} " + os.urandom(750 * i).hex() + "</html>").encode()  # no gzip shortcut
        loc = w.write_exchange(url=f"http://127.0.0.1:1/p{i}.html", status=200,
                               response_headers={"Content-Type": "text/html"}, body=body)
        locs.append([loc.filename, loc.offset, loc.length, loc.record_id, body.decode()])
    w.sync()
    print(json.dumps({"open_path": str(w.open_path), "locations": locs}), flush=True)
    time.sleep(120)
""")


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(WARCIO), "check", "-v", str(path)], capture_output=True, text=True, timeout=120)


def assert_warcio_check_passes(path: Path, records: int) -> None:
    """``warcio check`` exits 0 *and* checked the digests of every record: it exits 0 on a file whose
    last record is cut short too, only saying "digest present but not checked" for it."""
    check = warcio_check(path)
    assert check.returncode == 0, check.stdout + check.stderr
    verdicts = [line.strip() for line in check.stdout.splitlines() if line.startswith("    ")]
    assert verdicts == ["digest pass"] * records, check.stdout


@dataclass
class Written:
    process: subprocess.Popen[str]
    open_path: Path
    records: list[tuple[WarcLocation, bytes]]

    @property
    def final_path(self) -> Path:
        return self.open_path.with_name(self.open_path.name[: -len(OPEN_SUFFIX)])

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[Written]:
    """A live writer process that has written and synced 4 exchanges into tmp_path/warc."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "warc"), "4"], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out = json.loads(proc.stdout.readline())
    records = [(WarcLocation(f, o, n, r), body.encode()) for f, o, n, r, body in out["locations"]]
    written = Written(proc, Path(out["open_path"]), records)
    yield written
    if proc.poll() is None:
        written.kill()


def test_records_are_read_by_their_final_name_while_open_and_after_close(tmp_path: Path) -> None:
    w = WarcWriter(tmp_path, flush_each_record=False)
    loc = w.write_exchange(url="http://127.0.0.1:1/a.html", status=200, body=b"<html>a</html>")
    w.sync()
    assert loc.filename == str(w.path) and not w.path.exists() and w.open_path.exists()
    assert read_record_payload(loc) == b"<html>a</html>"
    w.close()
    assert w.path.exists() and not w.open_path.exists()
    assert read_record_payload(loc) == b"<html>a</html>"
    assert_warcio_check_passes(w.path, 3)


def test_a_live_writer_is_left_alone(writer: Written, tmp_path: Path) -> None:
    size = writer.open_path.stat().st_size
    in_process = WarcWriter(tmp_path / "warc", prefix="here")  # and one held by this very process
    assert repair_open_files(tmp_path / "warc") == []
    assert writer.open_path.stat().st_size == size and not writer.final_path.exists()
    assert in_process.open_path.exists()
    in_process.close()
    assert_warcio_check_passes(in_process.path, 1)


def whole_gzip_members_end(path: Path, offset: int) -> int:
    """Where the gzip member starting at ``offset`` ends (checked apart from storage.warc)."""
    import zlib

    data = path.read_bytes()[offset:]
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    inflater.decompress(data)
    assert inflater.eof
    return offset + len(data) - len(inflater.unused_data)


# where the file is cut, relative to the last response record: in its WARC headers, in its
# payload, and 3 bytes short of the end of its gzip member (warcio itself reads that one whole)
CUTS = {"headers": lambda off, end: off + 20, "payload": lambda off, end: (off + end) // 2,
        "gzip_trailer": lambda off, end: end - 3}


@pytest.mark.parametrize("where", sorted(CUTS))
def test_a_file_cut_in_a_record_is_repaired_and_passes_warcio_check(writer: Written, where: str) -> None:
    writer.kill()
    (*before, (last, last_body)) = writer.records
    last_end = whole_gzip_members_end(writer.open_path, last.offset)
    cut = CUTS[where](last.offset, last_end)
    with open(writer.open_path, "r+b") as fh:  # what a kill mid-write leaves on disk
        fh.truncate(cut)
    if where == "payload":  # the damage: a record warcio cannot check
        assert "digest present but not checked" in warcio_check(writer.open_path).stdout

    (repair,) = repair_open_files(writer.open_path.parent)

    assert repair.path == str(writer.final_path) and repair.kept_bytes == last.offset
    assert repair.cut_bytes == cut - last.offset
    assert repair.records == 1 + 2 * len(before)  # warcinfo + request/response pairs before the cut
    assert not writer.open_path.exists() and writer.final_path.stat().st_size == last.offset
    assert_warcio_check_passes(writer.final_path, repair.records)
    for loc, body in before:  # every record a fetch row could name is still where it was recorded
        assert loc.filename == str(writer.final_path)
        assert read_record_payload(loc) == body
    assert repair_open_files(writer.open_path.parent) == []  # nothing left to do


def test_a_file_cut_in_its_first_record_is_removed(writer: Written) -> None:
    writer.kill()
    with open(writer.open_path, "r+b") as fh:
        fh.truncate(50)
    (repair,) = repair_open_files(writer.open_path.parent)
    assert repair.removed and repair.cut_bytes == 50
    assert not writer.open_path.exists() and not writer.final_path.exists()


def test_a_whole_file_left_open_is_only_renamed(writer: Written) -> None:
    writer.kill()
    data = writer.open_path.read_bytes()
    (repair,) = repair_open_files(writer.open_path.parent)
    assert (repair.records, repair.cut_bytes) == (9, 0)
    assert writer.final_path.read_bytes() == data
    assert_warcio_check_passes(writer.final_path, 9)
    for loc, body in writer.records:
        assert hashlib.sha256(read_record_payload(loc)).digest() == hashlib.sha256(body).digest()


def test_nothing_to_repair_in_a_missing_directory(tmp_path: Path) -> None:
    assert repair_open_files(tmp_path / "nowhere") == []
    assert not (tmp_path / "nowhere").exists()


def test_repair_in_another_process_waits_for_no_lock(writer: Written, tmp_path: Path) -> None:
    """The live writer is another process here too: a repair from a third process leaves it alone."""
    code = "import sys; from storage.warc import repair_open_files; print(len(repair_open_files(sys.argv[1])))"
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "warc")], cwd=REPO, capture_output=True,
                         text=True, timeout=60, env={**os.environ})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0" and writer.open_path.exists()
