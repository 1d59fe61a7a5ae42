"""`nianbao parse FILE`: one report file -> its REPORT_FORMAT record (or a readable summary)."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from nianbao.errors import UserError
from parsers.readers import FORMS

# errors that are the user's to fix (exit 2, like every command's user mistakes); the rest are the
# document's (exit 1)
USER_MISTAKES = frozenset({"not_found", "not_a_file", "unreadable"})


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
        out += ["", "active_disclosure (主动公开)"]
        for key, val in active.items():
            if isinstance(val, dict):
                out.append(f"  {key:<32}" + "  ".join(f"{k}={_fmt(v)}" for k, v in val.items()))
            else:
                out.append(f"  {key:<32}{_fmt(val)}")
    apps = tables.get("applications") or {}
    if apps:
        cols = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
                "legal_service_org", "other_org", "total"]
        out += ["", "applications (收到和处理申请)".ljust(36) + "".join(f"{h:>9}" for h in
                     ("natural", "company", "research", "welfare", "legal", "other", "total"))]
        for key, row in apps.items():
            out.append(f"  {key:<34}" + "".join(f"{_fmt(row.get(c)):>9}" for c in cols))
    review = tables.get("review_litigation") or {}
    if review:
        fields = ("upheld", "corrected", "other", "pending", "total")
        out += ["", "review_litigation (复议诉讼)".ljust(36) + "".join(f"{h:>10}" for h in fields)]
        for key, row in review.items():
            out.append(f"  {key:<34}" + "".join(f"{_fmt(row.get(f)):>10}" for f in fields))
    if record.get("template") == "freeform":
        out += ["", "(freeform report: no standard tables)"]
    checks = record.get("checks") or []
    out += ["", f"checks: {len(checks)} failed" if checks else "checks: all hold"]
    for c in checks:
        where = c.get("column") or c.get("row") or c.get("group") or c.get("cell") or ""
        out.append(f"  {c['rule']} [{where}] {c['message']}")
    return "\n".join(out)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ParseError("timeout") when the block runs longer than ``seconds`` (main thread, POSIX)."""
    from parsers.model import ParseError

    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise ParseError("timeout", f"parsing took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
@click.option("--timeout", type=click.FloatRange(min=0), default=300, show_default=True,
              help="Give up (error class 'timeout') after this many seconds; 0 = no limit.")
def command(file: str, as_json: bool, fmt: str, timeout: float) -> None:
    import parsers

    try:
        with time_limit(timeout):
            result = parsers.parse_file(file, fmt=fmt)
    except parsers.ParseError as exc:
        if as_json:
            click.echo(json.dumps(exc.to_json(), ensure_ascii=False))
        if exc.error in USER_MISTAKES:
            raise UserError(exc.message) from None
        click.echo(f"nianbao: error: {exc.error}: {exc.message}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(result.record, ensure_ascii=False))
    else:
        click.echo(summary(result.record, result.form, result.parser_version))
