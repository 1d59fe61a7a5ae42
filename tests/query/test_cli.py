"""``nianbao query`` and ``nianbao export`` run as the CLI, against the demo-portal archive."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.cli import cli
from nianbao.export.labels import column_header
from storage import queries as q
from tests.query.demo_archive import REISSUED, DemoArchive, env_of


def run(demo: DemoArchive, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env_of(demo.settings), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_query_region_as_table_json_and_csv(demo: DemoArchive) -> None:
    code, out, _ = run(demo, "query", "region", "原州区", "--year", "2023")
    assert code == 0
    assert "原州区教育局 (late)" in out and "原州区民政局 (missing)" in out and "totals:" in out
    code, out, _ = run(demo, "query", "region", "640402", "--year", "2023", "--json")
    data = json.loads(out)
    assert data == json.loads(json.dumps(q.region_reports(demo.archive, region="640402", year=2023), default=str))
    code, out, _ = run(demo, "query", "region", "640402", "--year", "2023", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [int(r["id"]) for r in rows] == [r["id"] for r in data["reports"]["items"]]


def test_query_agency_violations_provenance_diff_ranking_repeated(demo: DemoArchive) -> None:
    code, out, _ = run(demo, "query", "agency", "中卫市审批服务管理局", "--cell", "applications/new_received/total")
    assert code == 0 and "Δ2023" in out and "cross-year" in out and "mismatch" in out

    code, out, _ = run(demo, "query", "violations", "--rule", "applications.balance", "--json")
    assert {v["report_id"] for v in json.loads(out)} == {demo.report_id("hw-czj-2023")}

    rid = demo.report_id("trs-gov-2023")
    code, out, _ = run(demo, "query", "provenance", str(rid), "applications/new_received/total", "--json")
    info = json.loads(out)
    assert info["kind"] == "pdf" and info["source"]["sha256"] == demo.outcomes["trs-gov-2023"].sha256

    a, b = demo.report_id(REISSUED), demo.report_id(REISSUED + "#1")
    code, out, _ = run(demo, "query", "diff", str(a), str(b), "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert "active_disclosure/administrative_penalty" in {r["cell_id"] for r in rows}

    code, out, _ = run(demo, "query", "ranking", "--year", "2023", "--metric", "not_disclosed_share", "--json")
    assert json.loads(out)["ranking"]["items"][0]["rank"] == 1
    code, out, _ = run(demo, "query", "repeated", "--year", "2023", "--csv")
    assert out.splitlines()[0].startswith("report_id,previous_report_id")
    code, out, _ = run(demo, "query", "reports", "--text", "审批", "--limit", "1")
    assert code == 0 and "of 4" in out  # 2 units x 2 years, one page of 1


@pytest.mark.parametrize(
    "args",
    [
        ("query", "region", "nowhere", "--year", "2023"),
        ("query", "provenance", "999999", "applications/new_received/total"),
        ("query", "provenance", "1", "not/a/cell/id/at/all"),
        ("query", "agency", "没有这个机关"),
        ("query", "reports", "--region", "' OR 1=1 --"),
        ("export", "--year", "2023", "--format", "xlsx"),
    ],
)
def test_mistakes_are_one_line_exit_2(demo: DemoArchive, args: tuple[str, ...]) -> None:
    code, out, err = run(demo, *args)
    assert code == 2, (out, err)
    assert err.startswith("nianbao: error: ") and len(err.strip().splitlines()) == 1


def test_export_jsonl_is_the_archive_record_of_every_canonical_report(demo: DemoArchive, tmp_path: Path) -> None:
    out_file = tmp_path / "zw.jsonl"
    code, _, err = run(demo, "export", "--year", "2023", "--region", "中卫市", "--format", "jsonl", "--out", str(out_file))
    assert code == 0 and "exported" in err
    lines = out_file.read_text(encoding="utf-8").splitlines()
    rows = [row for row, _ in q.iter_canonical_reports(demo.archive, year=2023, region="中卫市")]
    expected = [r["id"] for r in rows if not r["parse_error"]]
    assert len(lines) == len(expected) > 0
    for line, rid in zip(lines, expected, strict=True):
        record = json.loads(line)
        assert record == json.loads(json.dumps(demo.archive.report_record(rid)))
        assert record["format"] == "nianbao.report/1" and record["source"]["sha256"] and "provenance" in record
    code, out, _ = run(demo, "export", "--year", "2023", "--region", "中卫市", "--format", "jsonl")
    assert out.splitlines() == lines  # stdout gives the same lines


def test_export_csv_xlsx_parquet(demo: DemoArchive, tmp_path: Path) -> None:
    code, out, _ = run(demo, "export", "--year", "2023", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    rows = {row["id"]: cells for row, cells in q.iter_canonical_reports(demo.archive, year=2023)}
    assert sorted(int(r["id"]) for r in table) == sorted(rows)
    some = next(r for r in table if rows[int(r["id"])].get("applications/new_received/total") is not None)
    assert float(some["applications/new_received/total"]) == rows[int(some["id"])]["applications/new_received/total"]

    xlsx = tmp_path / "all.xlsx"
    assert run(demo, "export", "--year", "2023", "--format", "xlsx", "--out", str(xlsx))[0] == 0
    from openpyxl import load_workbook

    wb = load_workbook(xlsx, read_only=True)
    assert wb.sheetnames == ["报告", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、行政复议、行政诉讼情况"]
    apps = list(wb["三、收到和处理政府信息公开申请情况"].iter_rows(values_only=True))
    assert apps[0][:4] == ("报告编号", "机关", "行政区划代码", "年度")
    header = list(apps[0])
    assert column_header("applications/new_received/total") == "一、本年新收政府信息公开申请数量 / 总计"
    col = header.index("一、本年新收政府信息公开申请数量 / 总计")
    for line in apps[1:]:
        assert line[col] == rows[line[0]].get("applications/new_received/total")
    assert len(apps) - 1 == len(rows)

    parquet = tmp_path / "all.parquet"
    assert run(demo, "export", "--year", "2023", "--format", "parquet", "--out", str(parquet))[0] == 0
    import pyarrow.parquet as pq

    t = pq.read_table(parquet).to_pylist()
    assert sorted(r["id"] for r in t) == sorted(rows)
    for r in t:
        v = rows[r["id"]].get("applications/total/total")
        assert r["applications/total/total"] == (None if v is None else float(v))


def test_export_of_an_empty_year_writes_headers_only(demo: DemoArchive, tmp_path: Path) -> None:
    code, out, _ = run(demo, "export", "--year", "2001", "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 1
    target = tmp_path / "none.parquet"
    assert run(demo, "export", "--year", "2001", "--format", "parquet", "--out", str(target))[0] == 0
    import pyarrow.parquet as pq

    assert pq.read_table(target).num_rows == 0
