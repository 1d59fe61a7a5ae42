"""Every fixture report parses to its truth record, and every reader's output is a reviewed example.

The fixtures (tests/fixtures/reports, rebuilt by its generate.py) are documents rendered from truth
records: ``<slug>.<fmt>`` beside ``<slug>.truth.json``, as score.py names them.

In the juriscraper manner, what the reader makes of each document (tables, cells with spans and
provenance, paragraphs) is kept in ``expected/<file>.json``.  A missing expected file is written
and the test fails until someone reviews and commits it; a changed output fails until the expected
file is reviewed and updated (delete it and run the test again to write the new one).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import parsers
from parsers.model import SourceDocument, Table
from parsers.readers import reader_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
EXPECTED = FIXTURES / "expected"
SCORE = Path("/work/shared/tools/score.py")
META = ("agency", "year", "template", "published")
# the reader for a fixture's format (score.py format = the file name after "<slug>.")
READER = {"html": "html", "gbk.html": "html", "docx": "docx", "doc": "doc", "pdf": "pdf", "norules.pdf": "pdf",
          "bold.pdf": "pdf", "scan.pdf": "pdf", "txt": "text"}


def documents() -> list[tuple[Path, Path, str]]:
    """(document, truth, format) for every fixture document, by name."""
    slugs = sorted((p.name[: -len(".truth.json")] for p in FIXTURES.glob("*.truth.json")), key=len, reverse=True)
    out = []
    for path in sorted(FIXTURES.iterdir()):
        if not path.is_file() or path.name.endswith(".truth.json") or path.suffix == ".py":
            continue
        slug = next((s for s in slugs if path.name.startswith(s + ".")), None)
        if slug is not None:
            out.append((path, FIXTURES / f"{slug}.truth.json", path.name[len(slug) + 1 :]))
    return out


def params() -> list[Any]:
    slow = {"scan.pdf", "doc"}
    return [
        pytest.param(doc, truth, fmt, id=doc.name, marks=[pytest.mark.slow] if fmt in slow else [])
        for doc, truth, fmt in documents()
    ]


def cells(tables: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tables.items():
        if isinstance(value, dict):
            out.update(cells(value, f"{prefix}{key}/"))
        else:
            out[prefix + key] = value
    return out


def same_cell(expected: Any, got: Any) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, float) or isinstance(got, float):
        return abs(float(expected) - float(got)) <= 0.005
    return type(got) is int and expected == got


def test_the_fixture_set_covers_forms_templates_and_rules() -> None:
    docs = documents()
    formats = {fmt for _, _, fmt in docs}
    assert {"html", "gbk.html", "docx", "doc", "pdf", "scan.pdf", "txt", "norules.pdf", "bold.pdf"} <= formats
    truths = [json.loads(t.read_text(encoding="utf-8")) for t in FIXTURES.glob("*.truth.json")]
    assert {t["template"] for t in truths} == {"2021", "2019"}
    rules = {c["rule"] for t in truths for c in t["checks"]}
    assert rules == {"applications.balance", "applications.total_row", "applications.total_column",
                     "review_litigation.total", "narrative.mismatch"}
    assert any(v is None for t in truths for v in cells(t["tables"]).values())  # blank cells too


@pytest.mark.parametrize("doc,truth_path,fmt", params())
def test_parses_to_truth(doc: Path, truth_path: Path, fmt: str) -> None:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    record = parsers.parse_file(doc).record
    wrong_meta = {k: (truth[k], record.get(k)) for k in META if record.get(k) != truth[k]}
    region, got_region = truth["region"], record.get("region")
    if not (region == got_region or (region and got_region and (region.endswith(got_region) or got_region.endswith(region)))):
        wrong_meta["region"] = (region, got_region)
    assert not wrong_meta
    expected, got = cells(truth["tables"]), cells(record["tables"])
    wrong = {k: (v, got.get(k, "missing")) for k, v in expected.items() if not same_cell(v, got.get(k))}
    assert not wrong, f"{len(wrong)} wrong cells, e.g. {dict(list(wrong.items())[:5])}"
    assert {c["rule"] for c in record["checks"]} == {c["rule"] for c in truth["checks"]}


def snapshot(document: SourceDocument) -> dict[str, Any]:
    def table(t: Table) -> dict[str, Any]:
        return {
            "prov": t.prov,
            "rows": [
                {"prov": r.prov, "cells": [[c.text, c.colspan, c.rowspan, c.spanned, c.prov] for c in r.cells]}
                for r in t.rows
            ],
        }

    blocks = [table(b) if isinstance(b, Table) else {"paragraph": b.text, "prov": b.prov} for b in document.blocks]
    return json.loads(json.dumps({"form": document.form, "blocks": blocks}, ensure_ascii=False, default=float))


def dump(snap: dict[str, Any]) -> str:
    """The snapshot as JSON with one paragraph or one table row per line (easy to review and diff)."""

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    parts = []
    for block in snap["blocks"]:
        if "rows" in block:
            rows = ",\n  ".join(one(r) for r in block["rows"])
            parts.append(f'{{"prov": {one(block["prov"])}, "rows": [\n  {rows}]}}')
        else:
            parts.append(one(block))
    return f'{{"form": {one(snap["form"])}, "blocks": [\n' + ",\n".join(parts) + "\n]}\n"


@pytest.mark.parametrize("doc,truth_path,fmt", params())
def test_reader_output_is_the_reviewed_one(doc: Path, truth_path: Path, fmt: str) -> None:
    got = snapshot(reader_for(READER[fmt])(doc.read_bytes()))
    expected_path = EXPECTED / f"{doc.name}.json"
    if not expected_path.exists():
        EXPECTED.mkdir(exist_ok=True)
        expected_path.write_text(dump(got), encoding="utf-8")
        pytest.fail(f"wrote {expected_path.relative_to(FIXTURES.parents[2])}: review it, then commit it")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    if got != expected:
        for i, (a, b) in enumerate(zip(expected["blocks"], got["blocks"], strict=False)):
            if a != b:
                pytest.fail(
                    f"reader output of {doc.name} changed at block {i}: expected {json.dumps(a, ensure_ascii=False)[:300]}"
                    f" got {json.dumps(b, ensure_ascii=False)[:300]}. Review, then delete {expected_path.name} to rewrite it"
                )
        pytest.fail(f"reader output of {doc.name} changed ({len(expected['blocks'])} -> {len(got['blocks'])} blocks)")


def _nianbao() -> str:
    beside = Path(sys.executable).with_name("nianbao")
    return str(beside) if beside.exists() else (shutil.which("nianbao") or "nianbao")


def test_cli_parse_json_on_a_pdf() -> None:
    doc = FIXTURES / "r2021_v_trow.pdf"
    proc = subprocess.run([_nianbao(), "parse", str(doc), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    truth = json.loads((FIXTURES / "r2021_v_trow.truth.json").read_text(encoding="utf-8"))
    assert cells(record["tables"]) == cells(truth["tables"])
    assert [c["rule"] for c in record["checks"]] == ["applications.total_row"] * 2
    page, bbox = record["provenance"]["applications/total/total"]["page"], record["provenance"]["applications/total/total"]["bbox"]
    assert page >= 1 and len(bbox) == 4


@pytest.mark.skipif(not SCORE.exists(), reason="the shared scorer is not on this machine")
def test_score_tool_passes_on_the_html_fixtures() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCORE), "--docs", str(FIXTURES), "--cmd", f"{_nianbao()} parse {{file}} --json",
         "--format", "html", "--format", "gbk.html", "--jobs", "2"],
        capture_output=True, text=True, timeout=600, env={**os.environ},
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert proc.stdout.strip().splitlines()[-1].endswith(" 0 failed")
