"""`nianbao parse FILE`: one report file -> its REPORT_FORMAT record (or a readable summary)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from parsers.readers import FORMS

_ROW_NAMES = {
    "new_received": "一、本年新收", "carried_over": "二、上年结转", "disclosed": "(一)予以公开",
    "partially_disclosed": "(二)部分公开", "total": "(七)总计", "carried_to_next_year": "四、结转下年度",
}


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def summary(record: dict[str, Any], form: str, version: str) -> str:
    """A readable summary: metadata, the three tables, the failed checks."""
    out = [
        f"{record.get('agency') or '(agency unknown)'}  {record.get('year') or '?'}  "
        f"template {record.get('template')}  ({form}, parser {version})",
        f"region: {record.get('region') or '-'}   published: {record.get('published') or '-'}",
    ]
    tables = record.get("tables") or {}
    active = tables.get("active_disclosure") or {}
    if active:
        out += ["", "主动公开 (active_disclosure)"]
        for key, val in active.items():
            if isinstance(val, dict):
                out.append(f"  {key:<32}" + "  ".join(f"{k}={_fmt(v)}" for k, v in val.items()))
            else:
                out.append(f"  {key:<32}{_fmt(val)}")
    apps = tables.get("applications") or {}
    if apps:
        cols = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
                "legal_service_org", "other_org", "total"]
        out += ["", "依申请 (applications)      自然人  商业  科研  公益  法律  其他  总计"]
        for key, row in apps.items():
            name = _ROW_NAMES.get(key, key)
            out.append(f"  {name:<34}" + "".join(f"{_fmt(row.get(c)):>6}" for c in cols))
    review = tables.get("review_litigation") or {}
    if review:
        out += ["", "复议诉讼 (review_litigation)   维持  纠正  其他  未结  总计"]
        for key, row in review.items():
            out.append(f"  {key:<34}" + "".join(f"{_fmt(row.get(f)):>6}" for f in
                                                   ("upheld", "corrected", "other", "pending", "total")))
    checks = record.get("checks") or []
    out += ["", f"checks: {len(checks)} failed" if checks else "checks: all hold"]
    for c in checks:
        where = c.get("column") or c.get("row") or c.get("group") or c.get("cell") or ""
        out.append(f"  {c['rule']} [{where}] {c['message']}")
    return "\n".join(out)


@click.command(
    name="parse",
    help="Parse one report file into the REPORT_FORMAT record.\n\n"
    "The form (pdf, html, docx, doc, text, image) is detected from the content, not the file "
    "name. Without --json a readable summary is printed (tables and failed checks).\n\n"
    "Example:  nianbao parse report.pdf --json",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the record as one JSON object.")
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMS]), default="auto", show_default=True,
              help="Read the file as this form instead of detecting it.")
def command(file: str, as_json: bool, fmt: str) -> None:
    import parsers

    try:
        result = parsers.parse_file(file, fmt=fmt)
    except parsers.ParseError as exc:
        if as_json:
            click.echo(json.dumps(exc.to_json(), ensure_ascii=False))
        click.echo(f"nianbao: error: {exc.error}: {exc.message}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(result.record, ensure_ascii=False))
    else:
        click.echo(summary(result.record, result.form, result.parser_version))
