"""The check rules of REPORT_FORMAT.md, computed on a record; one function per rule.

A violated rule is reported, never "fixed": the record's numbers stay as written.  An
equation that involves a null or missing cell is not checked (a blank is "not stated").
Each failing instance is one entry ``{"rule", <locator>, "message"}`` where the locator is
``column`` (balance, total_row, cross_year.carry_over), ``row`` (total_column),
``group`` (review_litigation.total) or ``cell`` (narrative.mismatch).

``narrative.mismatch`` reads the prose conservatively: only sentences that plainly count
this body's applications for the report year (收到政府信息公开申请N件, 未收到…申请,
结转至下年N件), its repealed/in-force 行政规范性文件, or state that no 行政复议/行政诉讼
happened are compared, and clauses about another scope (全区, 各部门, another year, 政策性
文件) are skipped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from parsers.templates.labels import APPLICANT_COLUMNS, RESULT_ROWS_2019, RESULT_ROWS_2021, REVIEW_FIELDS

Check = dict[str, Any]
Number = int | float

_EPS = 1e-6


def _get(record: dict[str, Any], cell_id: str) -> Number | None:
    node: Any = record.get("tables") or {}
    for part in cell_id.split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, int | float):
        return None
    return node


def _values(record: dict[str, Any], cell_ids: list[str]) -> list[Number] | None:
    out = []
    for cid in cell_ids:
        v = _get(record, cid)
        if v is None:
            return None
        out.append(v)
    return out


def _fmt(v: Number) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _result_rows(record: dict[str, Any]) -> tuple[str, ...]:
    return RESULT_ROWS_2019 if record.get("template") == "2019" else RESULT_ROWS_2021


# ---------------------------------------------------------------- table rules


def check_balance(record: dict[str, Any], **_: Any) -> list[Check]:
    out = []
    for col in APPLICANT_COLUMNS:
        ids = [f"applications/{r}/{col}" for r in ("new_received", "carried_over", "total", "carried_to_next_year")]
        v = _values(record, ids)
        if v is None:
            continue
        if abs(v[0] + v[1] - v[2] - v[3]) > _EPS:
            out.append({"rule": "applications.balance", "column": col,
                        "message": f"{col}: new_received {_fmt(v[0])} + carried_over {_fmt(v[1])} = "
                                   f"{_fmt(v[0] + v[1])}, but total {_fmt(v[2])} + carried_to_next_year "
                                   f"{_fmt(v[3])} = {_fmt(v[2] + v[3])}"})
    return out


def check_total_row(record: dict[str, Any], **_: Any) -> list[Check]:
    out = []
    rows = _result_rows(record)
    for col in APPLICANT_COLUMNS:
        total = _get(record, f"applications/total/{col}")
        parts = _values(record, [f"applications/{r}/{col}" for r in rows])
        if total is None or parts is None:
            continue
        s = sum(parts)
        if abs(s - total) > _EPS:
            out.append({"rule": "applications.total_row", "column": col,
                        "message": f"{col}: total row says {_fmt(total)}, the result rows sum to {_fmt(s)}"})
    return out


def check_total_column(record: dict[str, Any], **_: Any) -> list[Check]:
    out = []
    apps = (record.get("tables") or {}).get("applications") or {}
    for row in apps:
        v = _values(record, [f"applications/{row}/{c}" for c in APPLICANT_COLUMNS])
        if v is None:
            continue
        s = sum(v[:6])
        if abs(s - v[6]) > _EPS:
            out.append({"rule": "applications.total_column", "row": row,
                        "message": f"{row}: total column says {_fmt(v[6])}, the six applicant columns sum to "
                                   f"{_fmt(s)}"})
    return out


def check_review_total(record: dict[str, Any], **_: Any) -> list[Check]:
    out = []
    review = (record.get("tables") or {}).get("review_litigation") or {}
    for group in review:
        v = _values(record, [f"review_litigation/{group}/{f}" for f in REVIEW_FIELDS])
        if v is None:
            continue
        s = sum(v[:4])
        if abs(s - v[4]) > _EPS:
            out.append({"rule": "review_litigation.total", "group": group,
                        "message": f"{group}: total says {_fmt(v[4])}, upheld + corrected + other + pending "
                                   f"= {_fmt(s)}"})
    return out


def check_carry_over(record: dict[str, Any], previous: dict[str, Any] | None = None, **_: Any) -> list[Check]:
    if not previous:
        return []
    y, py = record.get("year"), previous.get("year")
    if isinstance(y, int) and isinstance(py, int) and py != y - 1:
        return []
    out = []
    for col in APPLICANT_COLUMNS:
        now = _get(record, f"applications/carried_over/{col}")
        before = _get(previous, f"applications/carried_to_next_year/{col}")
        if now is None or before is None:
            continue
        if abs(now - before) > _EPS:
            out.append({"rule": "cross_year.carry_over", "column": col,
                        "message": f"{col}: carried_over {_fmt(now)} this year, but last year's report carried "
                                   f"{_fmt(before)} to this year"})
    return out


# ---------------------------------------------------------------- narrative

_SENTENCE = re.compile(r"[。；;!！?？\n]")
_SCOPE = re.compile(r"全区|全县|全市|全省|全州|全旗|全镇|全乡|全国|各级|各部门|各单位|各乡镇|各街道|全系统|全行业|各县|各区|"
                    r"区政府办|县政府办|市政府办|政府办公室|全体|系统内|平台共|热线")
_YEAR4 = re.compile(r"(\d{4})年")
_RECEIVED = re.compile(
    r"(?:收到|受理|新收|接收)(?P<who>[^，,。；、\d]{0,14}?)(?:政府信息公开|信息公开)?申请(?:公开)?(?:共|合计|总计)?"
    r"(?P<n>\d+)(?:件|个|份|条)"
    # the number first: 收到3件政府信息公开申请
    r"|(?:收到|受理|新收|接收)(?:了)?(?P<n2>\d+)(?:件|个|份|条)(?P<who2>政府信息公开|信息公开|依申请公开)(?:的)?申请")
_OTHER_MATTERS = re.compile(r"复议|诉讼|投诉|举报|信访|咨询|审批|许可|办件|事项")
_NONE_RECEIVED = re.compile(r"(?:未|没有)(?:收到|受理|接到)[^，,。；]{0,40}?(?:公开申请|依申请公开)")
_CARRIED = re.compile(r"结转(?:至|到)?(?:下一?年度?|下年|(?P<y>\d{4})年度?)(?:继续办理)?(?:的)?(?:申请)?(?P<n>\d+)件")
_CARRIED_IN = re.compile(r"上一?年度?结转(?:的|至本年度?|到本年度?)?(?:政府信息公开)?(?:申请)?(?:共)?(?P<n>\d+)件")
_REPEALED = re.compile(r"废止(?:行政)?规范性文件(?P<n>\d+)(?:件|个|份)|(?:行政)?规范性文件[^，,。；\d]{0,6}?废止(?P<m>\d+)(?:件|个|份)")
_IN_FORCE = re.compile(r"现行有效(?:的)?(?:行政规范性文件|规范性文件)?(?P<n>\d+)(?:件|个|份)")
_NO_REVIEW = re.compile(
    r"未(?:发生|收到|出现|产生)(?:因|涉及)?(?:政府信息公开|信息公开)?(?:工作)?(?:引起|引发|产生)?(?:的)?行政复议"
    r"(?P<lit>[、和及或]行政诉讼)?(?:案件|事件|情况)?(?=[，,。；]|$)")

_REVIEW_COUNT = re.compile(
    r"(?:引发|引起|发生|被申请|涉及)(?:的)?(?:政府信息公开)?行政复议(?:案件|申请)?(?:共)?(?P<n>\d+)(?:件|起|宗)")

# a part of the year ("12月份", "第四季度", "上半年"): counts of a sub-period are not the year's
_PART_OF_YEAR = re.compile(r"\d{1,2}月份?|[一二三四1-4]季度|上半年|下半年|月底|月初|月末")
_WHOLE_YEAR = re.compile(r"1月(?:1日)?(?:起)?至12月|12月31日|12月底|全年|年底")
# a review (清理) of the documents: its counts ("继续有效47件") are of the documents reviewed
_CLEANUP = re.compile(r"清理|梳理|审查|评估")

_ORG_COLUMNS = ("commercial_enterprise", "research_institution", "social_welfare_org", "legal_service_org", "other_org")


def _clauses(text: str) -> list[str]:
    flat = re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", text))
    return [s for s in _SENTENCE.split(flat) if s]


def _other_year(clause: str, year: int | None, allow_next: bool = False) -> bool:
    if year is None:
        return False
    for m in _YEAR4.finditer(clause):
        y = int(m.group(1))
        if y == year or (allow_next and y == year + 1):
            continue
        return True
    return False


def _mismatch(cell: str, stated: Number, actual: Number, phrase: str) -> Check:
    return {"rule": "narrative.mismatch", "cell": cell,
            "message": f"the text says \"{phrase}\" ({_fmt(stated)}), the table has {_fmt(actual)}"}


def check_narrative(record: dict[str, Any], text: str | None = None, **_: Any) -> list[Check]:
    if not text or record.get("template") not in ("2021", "2019"):
        return []
    year = record.get("year") if isinstance(record.get("year"), int) else None
    out: list[Check] = []
    seen: set[str] = set()

    def report(cell: str, stated: Number, actual: Number | None, phrase: str, also: Number | None = None) -> None:
        if actual is None or cell in seen:
            return
        if abs(actual - stated) <= _EPS or (also is not None and abs(also - stated) <= _EPS):
            return
        seen.add(cell)
        out.append(_mismatch(cell, stated, actual, phrase))

    for clause in _clauses(text):
        if _SCOPE.search(clause):
            continue
        for m in _RECEIVED.finditer(clause):
            if _other_year(clause[: m.start()], year) or "公开" not in clause:
                continue
            if _PART_OF_YEAR.search(clause[: m.start()]) and not _WHOLE_YEAR.search(clause[: m.start()]):
                continue
            who = m.group("who") if m.group("who") is not None else ""
            n = int(m.group("n") or m.group("n2"))
            if _OTHER_MATTERS.search(who):
                continue
            people = "公民" in who or "自然人" in who
            orgs = "法人" in who or "组织" in who
            if people and orgs:
                cols = ["total"]  # 公民、法人和其他组织: every applicant
            elif people:
                cols = ["natural_person"]
            elif "法人" in who or "组织" in who:
                cols = list(_ORG_COLUMNS)  # 法人或其他组织: the five organisation columns together
            elif who.strip("了的各类") in ("", "依", "依申请公开", "有关", "相关"):
                cols = ["total"]
            else:
                continue
            new = _values(record, [f"applications/new_received/{c}" for c in cols])
            old = _values(record, [f"applications/carried_over/{c}" for c in cols])
            if new is None:
                continue
            also = None if old is None else sum(new) + sum(old)  # some count last year's carry-over in
            report(f"applications/new_received/{cols[0]}", n, sum(new), m.group(0), also=also)
        if _NONE_RECEIVED.search(clause) and not _other_year(clause, year) and not re.search(
                r"申请人|复议|诉讼|投诉|举报|引起|引发|收费|费用", clause):
            report("applications/new_received/total", 0, _get(record, "applications/new_received/total"),
                   _NONE_RECEIVED.search(clause).group(0))  # type: ignore[union-attr]
        for m in _CARRIED.finditer(clause):
            y = m.group("y")
            if y is not None and (year is None or int(y) != year + 1):
                continue
            if _other_year(clause[: m.start()], year, allow_next=True):
                continue
            if "申请" not in clause:
                continue
            report("applications/carried_to_next_year/total", int(m.group("n")),
                   _get(record, "applications/carried_to_next_year/total"), m.group(0))
        for m in _CARRIED_IN.finditer(clause):
            if _other_year(clause[: m.start()], year) or "申请" not in clause:
                continue
            report("applications/carried_over/total", int(m.group("n")),
                   _get(record, "applications/carried_over/total"), m.group(0))
        if record.get("template") == "2021" and "规范性文件" in clause and "政策性文件" not in clause \
                and not _other_year(clause, year):
            for m in _REPEALED.finditer(clause):
                n = int(m.group("n") or m.group("m"))
                report("active_disclosure/normative_documents/repealed", n,
                       _get(record, "active_disclosure/normative_documents/repealed"), m.group(0))
            for m in _IN_FORCE.finditer(clause) if not _CLEANUP.search(clause) else ():
                report("active_disclosure/normative_documents/in_force", int(m.group("n")),
                       _get(record, "active_disclosure/normative_documents/in_force"), m.group(0))
        for m in _REVIEW_COUNT.finditer(clause):
            if not _other_year(clause[: m.start()], year):
                report("review_litigation/reconsideration/total", int(m.group("n")),
                       _get(record, "review_litigation/reconsideration/total"), m.group(0))
        nr = _NO_REVIEW.search(clause)
        if nr and not _other_year(clause, year):
            report("review_litigation/reconsideration/total", 0,
                   _get(record, "review_litigation/reconsideration/total"), nr.group(0))
            if nr.group("lit"):
                for g in ("litigation_direct", "litigation_after_reconsideration"):
                    report(f"review_litigation/{g}/total", 0, _get(record, f"review_litigation/{g}/total"),
                           nr.group(0))
    return out


RULES: dict[str, Callable[..., list[Check]]] = {
    "applications.balance": check_balance,
    "applications.total_row": check_total_row,
    "applications.total_column": check_total_column,
    "review_litigation.total": check_review_total,
    "cross_year.carry_over": check_carry_over,
    "narrative.mismatch": check_narrative,
}


def validate(record: dict[str, Any], previous: dict[str, Any] | None = None, text: str | None = None) -> list[Check]:
    """Every failing instance of every rule, in rule order."""
    checks: list[Check] = []
    for rule in RULES.values():
        checks.extend(rule(record, previous=previous, text=text))
    return checks
