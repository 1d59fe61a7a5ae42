"""The command line: help everywhere, and user mistakes as one line with a non-zero exit."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from nianbao.cli import COMMANDS
from nianbao.settings import Settings
from tests.subprocesses import run_nianbao


def run(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_nianbao(args, env={**os.environ, **(env or {})}, cwd=cwd, timeout=120)


def test_help_lists_every_command() -> None:
    result = run(["--help"])
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("name", ["db", "archive", "show", "stats", "units"])
def test_each_foundation_command_has_help_with_an_example(name: str) -> None:
    result = run([name, "--help"])
    assert result.returncode == 0, result.stderr
    assert "Example:" in result.stdout


def one_line_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nianbao: error:")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_user_mistakes_are_one_line(settings: Settings, tmp_path: Path) -> None:
    one_line_error(run(["archive", str(tmp_path / "nope.pdf"), "--unit", "x", "--year", "2023"]), "no such file")
    doc = tmp_path / "r.txt"
    doc.write_text("报告", encoding="utf-8")
    one_line_error(run(["archive", str(doc), "--unit", "不存在的单位", "--year", "2023"]), "unknown unit")
    one_line_error(run(["show", "abc"]), "numeric id")
    one_line_error(run(["show", "12345"]), "no report with id 12345")
    one_line_error(run(["archive", str(doc), "--year", "2023"]), "Missing option '--unit'")
    one_line_error(run(["no-such-command"]), "No such command")
    one_line_error(run(["units", "add", "某某局", "--region", "999999"]), "unknown 行政区划代码")


def test_unmigrated_archive_is_refused_with_advice(tmp_path: Path) -> None:
    env = {"NIANBAO_HOME": str(tmp_path / "home"), "NIANBAO_DATABASE_URL": ""}
    one_line_error(run(["stats"], env=env), "run `nianbao db upgrade`")
    assert run(["db", "upgrade"], env=env).returncode == 0
    assert run(["stats"], env=env).returncode == 0


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {"NIANBAO_HOME": str(tmp_path), "NIANBAO_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"}
    one_line_error(run(["stats"], env=env), "cannot open the archive")
