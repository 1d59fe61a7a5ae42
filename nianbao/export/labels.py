"""Chinese labels of REPORT_FORMAT cells, as the official templates (〔2021〕30号, 〔2019〕60号) word them.

``cell_label("applications/not_disclosed.internal_affairs/total")`` ->
``"三、收到和处理申请 / 三(三)5 属于三类内部事务信息 / 总计"``; ``cell_ids(template)`` lists every
cell of a template in document order (from the renderer's record generator, so there is one list
of cells in the project).
"""

from __future__ import annotations

from functools import lru_cache

from storage.records import flatten_tables

TABLE_TITLES = {
    "active_disclosure": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "review_litigation": "四、行政复议、行政诉讼情况",
}

ROW_LABELS = {
    # active disclosure
    "regulations": "规章",
    "normative_documents": "行政规范性文件",
    "administrative_licensing": "行政许可",
    "administrative_penalty": "行政处罚",
    "administrative_coercion": "行政强制",
    "administrative_fees": "行政事业性收费（万元）",
    "other_administrative_services": "其他对外管理服务事项",
    "government_procurement": "政府集中采购",
    # applications
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "disclosed": "三(一) 予以公开",
    "partially_disclosed": "三(二) 部分公开",
    "not_disclosed.state_secret": "三(三)1 属于国家秘密",
    "not_disclosed.prohibited_by_law": "三(三)2 其他法律行政法规禁止公开",
    "not_disclosed.security_stability": "三(三)3 危及“三安全一稳定”",
    "not_disclosed.third_party_rights": "三(三)4 保护第三方合法权益",
    "not_disclosed.internal_affairs": "三(三)5 属于三类内部事务信息",
    "not_disclosed.process_information": "三(三)6 属于四类过程性信息",
    "not_disclosed.enforcement_files": "三(三)7 属于行政执法案卷",
    "not_disclosed.administrative_query": "三(三)8 属于行政查询事项",
    "unable.not_held": "三(四)1 本机关不掌握相关政府信息",
    "unable.needs_creation": "三(四)2 没有现成信息需要另行制作",
    "unable.unclear_after_correction": "三(四)3 补正后申请内容仍不明确",
    "not_processed.complaint": "三(五)1 信访举报投诉类申请",
    "not_processed.duplicate": "三(五)2 重复申请",
    "not_processed.publication": "三(五)3 要求提供公开出版物",
    "not_processed.excessive": "三(五)4 无正当理由大量反复申请",
    "not_processed.confirm_or_reissue": "三(五)5 要求行政机关确认或重新出具已获取信息",
    "other.no_correction": "三(六)1 逾期不补正",
    "other.fee_unpaid": "三(六)2 逾期未缴纳费用",
    "other.other": "三(六)3 其他",
    "other": "三(六) 其他处理",
    "total": "三(七) 总计",
    "carried_to_next_year": "四、结转下年度继续办理",
    # review and litigation
    "reconsideration": "行政复议",
    "litigation_direct": "行政诉讼（未经复议直接起诉）",
    "litigation_after_reconsideration": "行政诉讼（复议后起诉）",
}

COLUMN_LABELS = {
    # applications
    "natural_person": "自然人",
    "commercial_enterprise": "商业企业",
    "research_institution": "科研机构",
    "social_welfare_org": "社会公益组织",
    "legal_service_org": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
    # review
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    # active disclosure 2021
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
    # active disclosure 2019
    "made": "本年新制作数量",
    "published": "本年新公开数量",
    "total_published": "对外公开总数量",
    "prior_year_items": "上一年项目数量",
    "change": "本年增/减",
    "decisions": "处理决定数量",
    "items": "采购项目数量",
    "amount": "采购总金额（万元）",
}


@lru_cache(maxsize=4)
def cell_ids(template: str) -> tuple[str, ...]:
    """Every cell id of a template (``"2021"`` or ``"2019"``) in document order; () otherwise."""
    if template not in ("2021", "2019"):
        return ()
    from parsers.render.record import make_record

    record = make_record(agency="样例", region=None, year=2021 if template == "2021" else 2019, template=template)
    return tuple(flatten_tables(record["tables"]))


def all_cell_ids() -> frozenset[str]:
    return frozenset(cell_ids("2021")) | frozenset(cell_ids("2019"))


def column_header(cell_id: str) -> str:
    """The header of one cell inside its table, e.g. ``三(七) 总计 / 自然人``."""
    parts = cell_id.split("/")[1:]
    if not parts:
        return cell_id
    row = ROW_LABELS.get(parts[0], parts[0])
    if len(parts) == 1:
        return row
    return f"{row} / {COLUMN_LABELS.get(parts[1], parts[1])}"


def cell_label(cell_id: str) -> str:
    """The full label of a cell: table title, row, column."""
    table = cell_id.split("/", 1)[0]
    return f"{TABLE_TITLES.get(table, table)} / {column_header(cell_id)}"
