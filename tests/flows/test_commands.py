"""The flow commands: user mistakes are one line (exit 2); a harvest prints plain progress and the table."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from nianbao.cli import cli


@pytest.mark.parametrize(("args", "message"), [
    (["harvest", "--region", "12"], "6-digit"),
    (["recrawl", "--year", "2023"], "--region CODE or --portal ID"),
])
def test_user_mistakes_are_one_line(args: list[str], message: str, settings: Any) -> None:
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 2, out.output
    assert out.output.startswith("nianbao: error:") and out.output.count("\n") == 1
    assert message in out.output


def test_harvest_of_an_unknown_portal_fails_before_any_crawl(demo: Any) -> None:
    out = CliRunner().invoke(cli, ["harvest", "--portal", "no-such-portal", "--year", "2023"])
    assert out.exit_code == 2 and "unknown portal 'no-such-portal'" in out.output


def test_harvest_command_prints_progress_and_the_coverage_table(demo: Any) -> None:
    out = CliRunner().invoke(cli, ["harvest", "--portal", "demo-hanweb", "--year", "2023", "--retries", "0"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert "demo-hanweb: crawl ok, 4 document(s)" in lines
    assert sum(line.startswith("demo-hanweb: document inserted") for line in lines) == 4
    row = next(line for line in lines if line.startswith("原州区民政局"))
    assert row.split()[1:4] == ["640402", "demo-hanweb", "missing"]
    assert "found 2, late 1, invalid 1, missing 1, blocked 0, unreachable 0" in lines
