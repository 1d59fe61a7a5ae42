"""``nianbao portals``, ``nianbao crawl`` and ``nianbao demo-portal`` as a user runs them."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nianbao.demo_portal import DemoPortal
from tests.subprocesses import run_nianbao


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_nianbao(args, env={**os.environ, **(env or {})}, timeout=300)


def one_line_error(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nianbao: error: ") and words in lines[0], result.stderr


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoPortal]:
    with DemoPortal(port=0, slow_seconds=0) as portal:
        yield portal


@pytest.mark.parametrize("name", [["portals", "list"], ["portals", "check"], ["portals", "add"], ["crawl"],
                                  ["demo-portal"]])
def test_help_has_an_example(name: list[str]) -> None:
    result = run([*name, "--help"])
    assert result.returncode == 0 and "Example" in result.stdout


def test_portals_list_and_check_on_the_packaged_registry() -> None:
    env = {"NIANBAO_PORTALS_DIR": ""}
    listed = run(["portals", "list", "--json"], env)
    assert listed.returncode == 0 and '"nx-zhongwei"' in listed.stdout
    checked = run(["portals", "check"], env)
    assert checked.returncode == 0 and checked.stdout.startswith("registry OK: ")


def test_portals_check_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "portals:\n  - id: bad-one\n    name: 某县人民政府\n    family: trs\n    region_code: '640521'\n"
        "    units: [{name: 某县人民政府}]\n    start_urls: [http://x.gov.cn/]\n    strat_urls: []\n",
        encoding="utf-8")
    one_line_error(run(["portals", "check", "--registry", str(tmp_path)]), f"{tmp_path / 'bad.yaml'}:8: portal bad-one: strat_urls: unknown key")


def test_crawl_mistakes_are_one_line(settings: Any, demo: DemoPortal) -> None:
    env = {"NIANBAO_PORTALS_DIR": str(demo.registry_dir)}
    one_line_error(run(["crawl", "no-such-portal", "--year", "2023"], env), "unknown portal 'no-such-portal'")
    one_line_error(run(["crawl", "--url", "ftp://127.0.0.1/x", "--year", "2023"], env), "not an http(s) URL")
    one_line_error(run(["crawl", "demo-trs", "--year", "1999"], env), "implausible report year 1999")
    one_line_error(run(["crawl", "--year", "2023"], env), "give a PORTAL id or --url")


@pytest.mark.slow
def test_crawl_a_portal_archives_and_parses(settings: Any, archive: Any, demo: DemoPortal) -> None:
    from storage.models import Report

    env = {"NIANBAO_PORTALS_DIR": str(demo.registry_dir)}
    result = run(["crawl", "demo-generic", "--year", "2022"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "新华区人民政府" in result.stdout and "inserted" in result.stdout
    assert "demo-generic: ok;" in result.stdout
    assert archive.count(Report) == len(demo.expected_reports(2022, "gen"))
    again = run(["crawl", "demo-generic", "--year", "2022"], env)
    assert again.returncode == 0 and "inserted" not in again.stdout and "unchanged" in again.stdout
    blocked = run(["crawl", "demo-blocked", "--year", "2022"], env)
    assert blocked.returncode == 1 and "crawl blocked: blocked_412" in blocked.stderr


@pytest.mark.slow
def test_portals_add_from_a_url(settings: Any, demo: DemoPortal, tmp_path: Path) -> None:
    from spiders.registry import load_registry

    registry = tmp_path / "registry"
    registry.mkdir()
    result = run(["portals", "add", "--url", demo.start_url("hanweb"), "--id", "nx-yuanzhou-new",
                  "--name", "原州区人民政府", "--region-code", "640402", "--year", "2023",
                  "--registry", str(registry)])
    assert result.returncode == 0, result.stderr[-2000:]
    portal = load_registry(registry).get("nx-yuanzhou-new")
    assert portal.family == "hanweb" and portal.domains == [f"127.0.0.1:{demo.port}"]
    names = {u.name for u in portal.units}
    assert {"原州区人民政府", "原州区审批服务管理局", "原州区教育局", "原州区财政局"} <= names
    # a second entry is appended to the same file, which stays valid
    again = run(["portals", "add", "--url", demo.start_url("trs"), "--id", "nx-zw-new", "--name", "中卫市人民政府",
                 "--region-code", "640500", "--year", "2023", "--registry", str(registry), "--file", "nx.yaml"])
    assert again.returncode == 0, again.stderr[-2000:]
    assert {p.id for p in load_registry(registry)} == {"nx-yuanzhou-new", "nx-zw-new"}
    assert load_registry(registry).get("nx-zw-new").family == "trs"
