"""`nianbao archive` end to end: real parser, real archive, WARC files that `warcio check` accepts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from nianbao.settings import Settings
from storage.archive import Archive
from storage.models import Blob, Report
from tests.subprocesses import run_nianbao

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "seeds"
SEED = SEEDS / "002_43e3c9ba6b70e239.txt"


def nianbao(*args: str) -> subprocess.CompletedProcess[str]:
    return run_nianbao(args, timeout=180)


def test_archive_twice_then_a_changed_file(settings: Settings, tmp_path: Path) -> None:
    doc = tmp_path / "report.txt"
    shutil.copy(SEED, doc)
    first = nianbao("archive", str(doc), "--unit", "中卫市审批服务管理局", "--create-unit", "--year", "2023")
    assert first.returncode == 0, first.stderr
    assert "inserted 1, unchanged 0, new_version 0" in first.stdout

    second = nianbao("archive", str(doc), "--unit", "中卫市审批服务管理局", "--year", "2023")
    assert second.returncode == 0, second.stderr
    assert "inserted 0, unchanged 1, new_version 0" in second.stdout

    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("中卫市审批服务管理局", "中卫市审批服务管理局", 1) + "\n（修订）\n", encoding="utf-8")
    third = nianbao("archive", str(doc), "--unit", "中卫市审批服务管理局", "--year", "2023")
    assert third.returncode == 0, third.stderr
    assert "inserted 0, unchanged 0, new_version 1" in third.stdout

    archive = Archive.open(settings)
    assert archive.count(Report) == 2
    assert archive.count(Blob) == 2
    with archive.session() as s:
        v1, v2 = s.query(Report).order_by(Report.version).all()
    assert (v1.is_canonical, v2.is_canonical, v2.version) == (False, True, 2)
    truth = json.loads((SEEDS / "002_43e3c9ba6b70e239.truth.json").read_text(encoding="utf-8"))
    record = archive.report_record(v1.id)
    assert record["tables"] == truth["tables"]
    assert record["agency"] == truth["agency"]
    assert record["source"]["sha256"] == v1.blob_sha256
    assert record["provenance"]["applications/new_received/natural_person"]["line"] > 0

    shown = nianbao("show", str(v1.id), "--json")
    assert json.loads(shown.stdout)["tables"] == truth["tables"]

    warcs = sorted(settings.warc_dir.glob("*.warc.gz"))
    assert len(warcs) == 3
    check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", *map(str, warcs)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    stats = nianbao("stats", "--json")
    assert json.loads(stats.stdout)[0]["totals"]["versions"] == 2
