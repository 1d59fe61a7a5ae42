"""The five seed reports parse to their hand-checked truth, cell by cell, through the API and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import parsers
from nianbao.cli import cli

SEEDS = Path("/work/shared/corpus/seeds")
SCORER = Path("/work/shared/tools/score.py")
ROOT = Path(__file__).resolve().parents[2]
SEED_FILES = sorted(SEEDS.glob("*.txt"))
META = ("format", "agency", "region", "year", "template", "published")

pytestmark = pytest.mark.skipif(not SEED_FILES, reason="shared seed corpus not present")


def _cells(tables: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tables.items():
        path = f"{prefix}/{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_cells(value, path))
        else:
            out[path] = value
    return out


def _truth(seed: Path) -> dict[str, Any]:
    return json.loads(seed.with_name(seed.name.replace(".txt", ".truth.json")).read_text(encoding="utf-8"))


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.name[:3])
def test_parse_bytes_matches_truth(seed: Path) -> None:
    truth = _truth(seed)
    result = parsers.parse_bytes(seed.read_bytes())
    record = result.record
    assert result.form == "text"
    assert result.parser_name == "nianbao" and result.parser_version == parsers.PARSER_VERSION
    assert {k: record[k] for k in META} == {k: truth[k] for k in META}
    got, want = _cells(record["tables"]), _cells(truth["tables"])
    assert len(want) == 200
    assert got == want
    assert all(type(got[k]) is type(want[k]) or want[k] is None for k in want if not isinstance(want[k], float))
    assert record["checks"] == truth["checks"] == []
    assert "source" not in record
    # every cell has the text line it came from
    assert set(record["provenance"]) == set(want)
    assert all("line" in p for p in record["provenance"].values())


def test_cli_json_prints_the_record() -> None:
    seed = SEED_FILES[1]
    result = CliRunner().invoke(cli, ["parse", str(seed), "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["published"] == _truth(seed)["published"]
    assert _cells(record["tables"]) == _cells(_truth(seed)["tables"])


def test_cli_summary_shows_tables_and_checks() -> None:
    result = CliRunner().invoke(cli, ["parse", str(SEED_FILES[2])])
    assert result.exit_code == 0, result.output
    assert "中卫市审批服务管理局" in result.stdout and "template 2021" in result.stdout
    assert "not_disclosed.internal_affairs" in result.stdout
    assert "checks: all hold" in result.stdout


def test_format_option_forces_the_reader(tmp_path: Path) -> None:
    renamed = tmp_path / "report.pdf"  # content decides, not the name
    renamed.write_bytes(SEED_FILES[0].read_bytes())
    assert parsers.parse_file(renamed).form == "text"
    assert parsers.parse_file(renamed, fmt="text").record["agency"] == "原州区审批服务管理局"


@pytest.mark.skipif(not SCORER.exists(), reason="shared scorer not present")
def test_scorer_reports_every_seed_exact() -> None:
    nianbao = Path(sys.executable).with_name("nianbao")
    proc = subprocess.run(
        [sys.executable, str(SCORER), "--docs", str(SEEDS), "--cmd", f"{nianbao} parse {{file}} --json",
         "--min-cell-accuracy", "1.0", "--min-meta-accuracy", "1.0"],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env={**os.environ},
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == f"{len(SEED_FILES)} passed, 0 failed"


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_text_in_other_encodings(encoding: str) -> None:
    seed = SEED_FILES[1]
    data = seed.read_text(encoding="utf-8").encode(encoding)
    record = parsers.parse_bytes(data).record
    assert record["agency"] == _truth(seed)["agency"]
    assert _cells(record["tables"]) == _cells(_truth(seed)["tables"])
