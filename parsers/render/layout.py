"""The three report tables in the official layouts, as grids of cells with row/column spans.

One grid per table, shared by every output form (HTML rowspan/colspan, DOCX merged cells, text
tabs).  The layouts follow the tables of 国办公开办函〔2021〕30号 and 〔2019〕60号: the
application table's three header rows (勾稽关系 note over 3 rows, 申请人情况 / 法人或其他组织 /
the five organisation columns), the 三、本年度办理结果 label spanning every result row, and the
review table's two-level header.  Number cells carry the cell id they render (``key``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from parsers.render.record import APPLICANT_COLUMNS, RESULT_ROWS, REVIEW_COLUMNS, REVIEW_GROUPS


@dataclass(frozen=True, slots=True)
class GridCell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    key: str | None = None  # cell id (REPORT_FORMAT path) of a number cell
    header: bool = False


Grid = list[list[GridCell]]

SECTION_TITLES = {
    "active_disclosure": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "review_litigation": "四、政府信息公开行政复议、行政诉讼情况",
}

BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

_NOT_DISCLOSED = (
    ("state_secret", "1.属于国家秘密"),
    ("prohibited_by_law", "2.其他法律行政法规禁止公开"),
    ("security_stability", "3.危及“三安全一稳定”"),
    ("third_party_rights", "4.保护第三方合法权益"),
    ("internal_affairs", "5.属于三类内部事务信息"),
    ("process_information", "6.属于四类过程性信息"),
    ("enforcement_files", "7.属于行政执法案卷"),
    ("administrative_query", "8.属于行政查询事项"),
)
_UNABLE = (
    ("not_held", "1.本机关不掌握相关政府信息"),
    ("needs_creation", "2.没有现成信息需要另行制作"),
    ("unclear_after_correction", "3.补正后申请内容仍不明确"),
)
_NOT_PROCESSED = (
    ("complaint", "1.信访举报投诉类申请"),
    ("duplicate", "2.重复申请"),
    ("publication", "3.要求提供公开出版物"),
    ("excessive", "4.无正当理由大量反复申请"),
    ("confirm_or_reissue", "5.要求行政机关确认或重新出具已获取信息"),
)
_OTHER_2021 = (
    ("no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("fee_unpaid", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other", "3.其他"),
)


def format_value(value: Any, blank: str = "") -> str:
    """How a cell value is printed: integers as is, money with up to two decimals, null as ``blank``."""
    if value is None:
        return blank
    if isinstance(value, float):
        text = f"{value:.2f}"
        return text[:-3] if text.endswith(".00") else text.rstrip("0")
    return str(value)


def grids(record: dict[str, Any], blank: str = "") -> dict[str, Grid]:
    """The three tables of ``record`` as grids, keyed by table name, in document order."""
    tables = record["tables"]
    template = record["template"]
    active = _active_2021 if template == "2021" else _active_2019
    return {
        "active_disclosure": active(tables["active_disclosure"], blank),
        "applications": _applications(tables["applications"], template, blank),
        "review_litigation": _review(tables["review_litigation"], blank),
    }


def expand(grid: Grid) -> list[list[GridCell | None]]:
    """The grid as a dense matrix: a spanned position holds None, the origin holds the cell."""
    width = sum(c.colspan for c in grid[0])
    dense: list[list[GridCell | None]] = [[None] * width for _ in grid]
    taken = [[False] * width for _ in grid]
    for r, row in enumerate(grid):
        col = 0
        for cell in row:
            while taken[r][col]:
                col += 1
            dense[r][col] = cell
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[r + dr][col + dc] = True
            col += cell.colspan
    return dense


# ------------------------------------------------------------------ 二、主动公开


def _num(value: Any, key: str, blank: str, colspan: int = 1) -> GridCell:
    return GridCell(format_value(value, blank), colspan=colspan, key=key)


def _head(*texts: str, last_span: int = 1) -> list[GridCell]:
    cells = [GridCell(t, header=True) for t in texts]
    if last_span > 1:
        cells[-1] = GridCell(texts[-1], colspan=last_span, header=True)
    return cells


def _active_2021(t: dict[str, Any], blank: str) -> Grid:
    p = "active_disclosure/"
    grid: Grid = [
        [GridCell("第二十条第（一）项", colspan=4, header=True)],
        _head("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
    ]
    for name, label in (("regulations", "规章"), ("normative_documents", "行政规范性文件")):
        grid.append(
            [GridCell(label)]
            + [_num(t[name][c], f"{p}{name}/{c}", blank) for c in ("issued", "repealed", "in_force")]
        )
    grid.append([GridCell("第二十条第（五）项", colspan=4, header=True)])
    grid.append(_head("信息内容", "本年处理决定数量", last_span=3))
    grid.append(
        [GridCell("行政许可"), _num(t["administrative_licensing"], p + "administrative_licensing", blank, 3)]
    )
    grid.append([GridCell("第二十条第（六）项", colspan=4, header=True)])
    grid.append(_head("信息内容", "本年处理决定数量", last_span=3))
    grid.append(
        [GridCell("行政处罚"), _num(t["administrative_penalty"], p + "administrative_penalty", blank, 3)]
    )
    grid.append(
        [GridCell("行政强制"), _num(t["administrative_coercion"], p + "administrative_coercion", blank, 3)]
    )
    grid.append([GridCell("第二十条第（八）项", colspan=4, header=True)])
    grid.append(_head("信息内容", "本年收费金额（单位：万元）", last_span=3))
    grid.append(
        [GridCell("行政事业性收费"), _num(t["administrative_fees"], p + "administrative_fees", blank, 3)]
    )
    return grid


def _active_2019(t: dict[str, Any], blank: str) -> Grid:
    p = "active_disclosure/"
    grid: Grid = [
        [GridCell("第二十条第（一）项", colspan=4, header=True)],
        _head("信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"),
    ]
    for name, label in (("regulations", "规章"), ("normative_documents", "规范性文件")):
        grid.append(
            [GridCell(label)]
            + [_num(t[name][c], f"{p}{name}/{c}", blank) for c in ("made", "published", "total_published")]
        )
    items = ("prior_year_items", "change", "decisions")
    sections = (
        (
            "第二十条第（五）项",
            (
                ("administrative_licensing", "行政许可"),
                ("other_administrative_services", "其他对外管理服务事项"),
            ),
        ),
        (
            "第二十条第（六）项",
            (("administrative_penalty", "行政处罚"), ("administrative_coercion", "行政强制")),
        ),
    )
    for title, rows in sections:
        grid.append([GridCell(title, colspan=4, header=True)])
        grid.append(_head("信息内容", "上一年项目数量", "本年增/减", "处理决定数量"))
        for name, label in rows:
            grid.append([GridCell(label)] + [_num(t[name][c], f"{p}{name}/{c}", blank) for c in items])
    grid.append([GridCell("第二十条第（八）项", colspan=4, header=True)])
    grid.append(_head("信息内容", "上一年项目数量", "本年增/减", last_span=2))
    fees = t["administrative_fees"]
    grid.append(
        [
            GridCell("行政事业性收费"),
            _num(fees["prior_year_items"], p + "administrative_fees/prior_year_items", blank),
            _num(fees["change"], p + "administrative_fees/change", blank, 2),
        ]
    )
    grid.append([GridCell("第二十条第（九）项", colspan=4, header=True)])
    grid.append(_head("信息内容", "采购项目数量", "采购总金额", last_span=2))
    proc = t["government_procurement"]
    grid.append(
        [
            GridCell("政府集中采购"),
            _num(proc["items"], p + "government_procurement/items", blank),
            _num(proc["amount"], p + "government_procurement/amount", blank, 2),
        ]
    )
    return grid


# ------------------------------------------------------------------ 三、申请情况


def _applications(t: dict[str, Any], template: str, blank: str) -> Grid:
    def values(row: str) -> list[GridCell]:
        return [_num(t[row][c], f"applications/{row}/{c}", blank) for c in (*APPLICANT_COLUMNS, "total")]

    grid: Grid = [
        [
            GridCell(BALANCE_NOTE, colspan=3, rowspan=3, header=True),
            GridCell("申请人情况", colspan=7, header=True),
        ],
        [
            GridCell("自然人", rowspan=2, header=True),
            GridCell("法人或其他组织", colspan=5, header=True),
            GridCell("总计", rowspan=2, header=True),
        ],
        _head("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"),
        [GridCell("一、本年新收政府信息公开申请数量", colspan=3)] + values("new_received"),
        [GridCell("二、上年结转政府信息公开申请数量", colspan=3)] + values("carried_over"),
    ]
    result_rows = len(RESULT_ROWS[template]) + 1  # + (七)总计
    groups: list[tuple[str, str, tuple[tuple[str, str], ...]]] = [
        ("not_disclosed", "（三）不予公开", _NOT_DISCLOSED),
        ("unable", "（四）无法提供", _UNABLE),
        ("not_processed", "（五）不予处理", _NOT_PROCESSED),
    ]
    first = [
        GridCell("三、本年度办理结果", rowspan=result_rows),
        GridCell("（一）予以公开", colspan=2),
    ] + values("disclosed")
    grid.append(first)
    grid.append(
        [GridCell("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", colspan=2)]
        + values("partially_disclosed")
    )
    if template == "2021":
        groups.append(("other", "（六）其他处理", _OTHER_2021))
    for prefix, label, items in groups:
        for i, (name, item_label) in enumerate(items):
            lead = [GridCell(label, rowspan=len(items))] if i == 0 else []
            grid.append(lead + [GridCell(item_label)] + values(f"{prefix}.{name}"))
    if template == "2019":
        grid.append([GridCell("（六）其他处理", colspan=2)] + values("other"))
    grid.append([GridCell("（七）总计", colspan=2)] + values("total"))
    grid.append([GridCell("四、结转下年度继续办理", colspan=3)] + values("carried_to_next_year"))
    return grid


# ------------------------------------------------------------------ 四、复议诉讼


def _review(t: dict[str, Any], blank: str) -> Grid:
    heads = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    grid: Grid = [
        [GridCell("行政复议", colspan=5, header=True), GridCell("行政诉讼", colspan=10, header=True)],
        [GridCell(h, rowspan=2, header=True) for h in heads]
        + [
            GridCell("未经复议直接起诉", colspan=5, header=True),
            GridCell("复议后起诉", colspan=5, header=True),
        ],
        _head(*heads, *heads),
        [
            _num(t[group][c], f"review_litigation/{group}/{c}", blank)
            for group in REVIEW_GROUPS
            for c in REVIEW_COLUMNS
        ],
    ]
    return grid
