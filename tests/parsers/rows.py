"""Build SourceDocuments from hand-written rows, as any reader could hand them over."""

from __future__ import annotations

from parsers.model import Block, Paragraph, SourceCell, SourceDocument, SourceRow, Table

SPANNED = "~"  # a cell written "~text" is a copy of a merged cell (spanned=True)


def table(*rows: list[str] | str) -> Table:
    """Rows as lists of cell texts, or as one tab-separated string."""
    out = []
    for i, row in enumerate(rows):
        cells = row.split("\t") if isinstance(row, str) else row
        src = []
        for j, text in enumerate(cells):
            spanned = text.startswith(SPANNED)
            src.append(SourceCell(text[1:] if spanned else text, {"row": i, "col": j}, spanned=spanned))
        out.append(SourceRow(src, {"row": i}))
    return Table(out)


def document(*blocks: Table | str, form: str = "html") -> SourceDocument:
    items: list[Block] = [Paragraph(b) if isinstance(b, str) else b for b in blocks]
    return SourceDocument(form, items)


APP_LABELS_2021 = [
    ("new_received", ["一、本年新收政府信息公开申请数量"]),
    ("carried_over", ["二、上年结转政府信息公开申请数量"]),
    ("disclosed", ["三、本年度办理结果", "(一)予以公开"]),
    ("partially_disclosed", ["三、本年度办理结果", "(二)部分公开(区分处理的，只计这一情形，不计其他情形)"]),
    ("not_disclosed.state_secret", ["三、本年度办理结果", "(三)不予公开", "1.属于国家秘密"]),
    ("not_disclosed.prohibited_by_law", ["三、本年度办理结果", "(三)不予公开", "2.其他法律行政法规禁止公开"]),
    ("not_disclosed.security_stability", ["三、本年度办理结果", "(三)不予公开", "3.危及“三安全一稳定”"]),
    ("not_disclosed.third_party_rights", ["三、本年度办理结果", "(三)不予公开", "4.保护第三方合法权益"]),
    ("not_disclosed.internal_affairs", ["三、本年度办理结果", "(三)不予公开", "5.属于三类内部事务信息"]),
    ("not_disclosed.process_information", ["三、本年度办理结果", "(三)不予公开", "6.属于四类过程性信息"]),
    ("not_disclosed.enforcement_files", ["三、本年度办理结果", "(三)不予公开", "7.属于行政执法案卷"]),
    ("not_disclosed.administrative_query", ["三、本年度办理结果", "(三)不予公开", "8.属于行政查询事项"]),
    ("unable.not_held", ["三、本年度办理结果", "(四)无法提供", "1.本机关不掌握相关政府信息"]),
    ("unable.needs_creation", ["三、本年度办理结果", "(四)无法提供", "2.没有现成信息需要另行制作"]),
    ("unable.unclear_after_correction", ["三、本年度办理结果", "(四)无法提供", "3.补正后申请内容仍不明确"]),
    ("not_processed.complaint", ["三、本年度办理结果", "(五)不予处理", "1.信访举报投诉类申请"]),
    ("not_processed.duplicate", ["三、本年度办理结果", "(五)不予处理", "2.重复申请"]),
    ("not_processed.publication", ["三、本年度办理结果", "(五)不予处理", "3.要求提供公开出版物"]),
    ("not_processed.excessive", ["三、本年度办理结果", "(五)不予处理", "4.无正当理由大量反复申请"]),
    ("not_processed.confirm_or_reissue", ["三、本年度办理结果", "(五)不予处理",
                                          "5.要求行政机关确认或重新出具已获取信息"]),
    ("other.no_correction", ["三、本年度办理结果", "(六)其他处理",
                             "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"]),
    ("other.fee_unpaid", ["三、本年度办理结果", "(六)其他处理",
                          "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"]),
    ("other.other", ["三、本年度办理结果", "(六)其他处理", "3.其他"]),
    ("total", ["三、本年度办理结果", "(七)总计"]),
    ("carried_to_next_year", ["四、结转下年度继续办理"]),
]

APP_HEADER_ROWS = [
    ["(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)", "~", "~", "申请人情况", "~", "~", "~", "~",
     "~", "~"],
    ["~", "~", "~", "自然人", "法人或其他组织", "~", "~", "~", "~", "总计"],
    ["~", "~", "~", "~自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "~总计"],
]


def html_app_rows(values: dict[str, list[str]], labels: list[tuple[str, list[str]]] = APP_LABELS_2021
                  ) -> list[list[str]]:
    """The applications table as an HTML reader gives it: merged label cells expanded (10 columns)."""
    rows = [list(r) for r in APP_HEADER_ROWS]
    previous: list[str] = []
    for key, parts in labels:
        cells = []
        for level in range(3):
            if level < len(parts):
                text = parts[level]
                same = level < len(previous) and previous[level] == text and level < len(parts) - 1
                cells.append(("~" + text) if same else text)
            else:
                cells.append("~" + parts[-1])  # colspan of the last label
        rows.append(cells + values[key])
        previous = parts
    return rows
