"""The official row and column labels, and a tolerant way to recognise them.

Labels are compared after :func:`norm_label`: NFKC (full-width punctuation and digits to
ASCII), all whitespace removed (labels split over lines, "自然 人"), quotes dropped.
Each row key is recognised by short keywords that occur in its official label and in
no other row's label, so typos elsewhere in the label, wrapped text and merged group
labels ("三、本年度办理结果(三)不予公开1.属于国家秘密") do not matter.  Keys are
tried in order: the most specific first.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DROP = re.compile(r"[\s\u3000\u00a0\u200b\"'“”‘’「」『』]+")
_ENUM = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\(?[一二三四五六七八九十]+\)|\d+[.、)]|\(\d+\))+")


@lru_cache(maxsize=8192)  # the same labels come back in every row, table and document
def norm_label(text: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", text))


def strip_enum(label: str) -> str:
    """'(六)其他处理' -> '其他处理', '3.其他' -> '其他' (label already normalised)."""
    return _ENUM.sub("", label)


# applications table: 7 columns, fixed order
APPLICANT_COLUMNS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
)
APPLICANT_HEADERS = (
    ("natural_person", ("自然人",)),
    ("commercial_enterprise", ("商业企业",)),
    ("research_institution", ("科研机构",)),
    ("social_welfare_org", ("社会公益组织", "公益组织")),
    ("legal_service_org", ("法律服务机构",)),
    ("other_org", ("其他",)),
    ("total", ("总计", "合计")),
)

APPLICATION_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # several fragments per label, from its start and its end, so a label wrapped onto
    # two lines is still recognised from either part
    ("other.no_correction", ("逾期不补正", "无正当理由逾期", "不补正")),
    ("other.fee_unpaid", ("缴纳费用", "未按收费", "逾期未按", "收费通知", "逾期未缴", "未缴纳")),
    ("not_processed.confirm_or_reissue", ("重新出具", "确认或重", "要求行政机关确认", "已获取信息", "已获取的信息")),
    ("not_processed.excessive", ("大量反复", "理由大量")),
    ("not_processed.publication", ("出版物", "公开出版")),
    ("not_processed.duplicate", ("重复申请",)),
    ("not_processed.complaint", ("信访", "举报投诉", "投诉类")),
    ("unable.unclear_after_correction", ("仍不明确", "补正后", "内容仍不")),
    ("unable.needs_creation", ("另行制作", "没有现成", "现成信息")),
    ("unable.not_held", ("不掌握", "掌握相关")),
    ("not_disclosed.administrative_query", ("行政查询", "查询事项")),
    ("not_disclosed.enforcement_files", ("执法案卷", "行政执法案")),
    ("not_disclosed.process_information", ("过程性", "四类过程")),
    ("not_disclosed.internal_affairs", ("内部事务", "三类内部")),
    ("not_disclosed.third_party_rights", ("第三方", "合法权益")),
    ("not_disclosed.security_stability", ("三安全", "一稳定", "危及")),
    ("not_disclosed.prohibited_by_law", ("禁止公开", "法律行政法规", "其他法律行政")),
    ("not_disclosed.state_secret", ("国家秘密", "国家秘")),
    ("partially_disclosed", ("部分公开",)),
    ("disclosed", ("予以公开",)),
    ("new_received", ("本年新收", "新收政府信息", "本年度新收", "新收申请")),
    ("carried_over", ("上年结转", "上年度结转", "上一年结转", "上年度转")),
    ("carried_to_next_year", ("结转下年", "下年度继续", "结转至下", "结转下一年", "继续办理")),
    ("total", ("总计", "合计")),
)

# the official labels (normalised, numbering removed), for rows no keyword recognises
OFFICIAL_APPLICATION_LABELS: tuple[tuple[str, str], ...] = (
    ("new_received", "本年新收政府信息公开申请数量"),
    ("carried_over", "上年结转政府信息公开申请数量"),
    ("disclosed", "予以公开"),
    ("partially_disclosed", "部分公开(区分处理的,只计这一情形,不计其他情形)"),
    ("not_disclosed.state_secret", "属于国家秘密"),
    ("not_disclosed.prohibited_by_law", "其他法律行政法规禁止公开"),
    ("not_disclosed.security_stability", "危及三安全一稳定"),
    ("not_disclosed.third_party_rights", "保护第三方合法权益"),
    ("not_disclosed.internal_affairs", "属于三类内部事务信息"),
    ("not_disclosed.process_information", "属于四类过程性信息"),
    ("not_disclosed.enforcement_files", "属于行政执法案卷"),
    ("not_disclosed.administrative_query", "属于行政查询事项"),
    ("unable.not_held", "本机关不掌握相关政府信息"),
    ("unable.needs_creation", "没有现成信息需要另行制作"),
    ("unable.unclear_after_correction", "补正后申请内容仍不明确"),
    ("not_processed.complaint", "信访举报投诉类申请"),
    ("not_processed.duplicate", "重复申请"),
    ("not_processed.publication", "要求提供公开出版物"),
    ("not_processed.excessive", "无正当理由大量反复申请"),
    ("not_processed.confirm_or_reissue", "要求行政机关确认或重新出具已获取信息"),
    ("other.no_correction", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other.fee_unpaid", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("total", "总计"),
    ("carried_to_next_year", "结转下年度继续办理"),
)

# result rows summed by applications.total_row (in table order)
RESULT_ROWS_2021 = (
    "disclosed",
    "partially_disclosed",
    "not_disclosed.state_secret",
    "not_disclosed.prohibited_by_law",
    "not_disclosed.security_stability",
    "not_disclosed.third_party_rights",
    "not_disclosed.internal_affairs",
    "not_disclosed.process_information",
    "not_disclosed.enforcement_files",
    "not_disclosed.administrative_query",
    "unable.not_held",
    "unable.needs_creation",
    "unable.unclear_after_correction",
    "not_processed.complaint",
    "not_processed.duplicate",
    "not_processed.publication",
    "not_processed.excessive",
    "not_processed.confirm_or_reissue",
    "other.no_correction",
    "other.fee_unpaid",
    "other.other",
)
RESULT_ROWS_2019 = RESULT_ROWS_2021[:-3] + ("other",)
APPLICATION_ROW_ORDER_2021 = ("new_received", "carried_over", *RESULT_ROWS_2021, "total", "carried_to_next_year")
APPLICATION_ROW_ORDER_2019 = ("new_received", "carried_over", *RESULT_ROWS_2019, "total", "carried_to_next_year")

# active disclosure (第二十条) rows
ACTIVE_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("normative_documents", ("规范性文件", "行政规范")),
    ("regulations", ("规章",)),
    ("other_administrative_services", ("对外管理服务",)),
    ("administrative_licensing", ("行政许可",)),
    ("administrative_penalty", ("行政处罚",)),
    ("administrative_coercion", ("行政强制",)),
    ("administrative_fees", ("事业性收费", "行政收费")),
    ("government_procurement", ("集中采购", "政府采购")),
)

# review / litigation table: 15 columns, fixed order
REVIEW_GROUPS = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
REVIEW_FIELDS = ("upheld", "corrected", "other", "pending", "total")
REVIEW_HEADERS = (
    ("upheld", ("结果维持", "维持")),
    ("corrected", ("结果纠正", "纠正")),
    ("other", ("其他结果",)),
    ("pending", ("尚未审结", "未审结")),
    ("total", ("总计", "合计")),
)

OFFICIAL_ACTIVE_LABELS: tuple[tuple[str, str], ...] = (
    ("regulations", "规章"),
    ("normative_documents", "行政规范性文件"),
    ("administrative_licensing", "行政许可"),
    ("other_administrative_services", "其他对外管理服务事项"),
    ("administrative_penalty", "行政处罚"),
    ("administrative_coercion", "行政强制"),
    ("administrative_fees", "行政事业性收费"),
    ("government_procurement", "政府集中采购"),
)

# words that show which template a table follows
WORDS_2021 = ("制发", "废止", "度止", "现行有效", "逾期不补正", "缴纳费用", "本年处理决定")
WORDS_2019 = ("新制作", "新公开", "对外公开总数", "上一年项目", "本年增", "增/减", "采购项目", "对外管理服务")


def match_key(label: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    for key, words in table:
        for w in words:
            if w in label:
                return key
    return None


@lru_cache(maxsize=4096)
def header_field(text: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    """Which column a header cell names (exact keyword match after normalisation)."""
    t = strip_enum(norm_label(text))
    for key, words in table:
        if t in words:
            return key
    return None
