"""What the demo portal publishes: its sites, their units, and every report with its truth record.

Each :class:`DemoReport` is one report document (its truth record comes from
``parsers.render.make_record`` with the arguments kept here, so the pipeline can be checked end to
end).  The coverage the flows engineer's harvest must find for ``COVERAGE_YEAR``:

=====================  ==================================================================
found                  every unit with a report of the year published in time
missing                原州区民政局 (portal reachable, no 2023 report)
late                   原州区教育局 (department, published 2024-02-20 > 31 January)
invalid                原州区财政局 (its 2023 report breaks ``applications.balance``)
blocked                demo-blocked (every page answers 412 with a JS challenge)
unreachable            demo-unreachable (a port where nothing listens)
=====================  ==================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

COVERAGE_YEAR = 2023


@dataclass(frozen=True)
class DemoUnit:
    name: str
    region: str
    region_code: str
    level: str  # province | city | county
    kind: str  # government | department


@dataclass(frozen=True)
class DemoSite:
    key: str  # path prefix on the server, e.g. "trs" -> /trs/
    portal_id: str
    name: str
    family: str
    region_code: str
    units: tuple[DemoUnit, ...]
    start_path: str
    encoding: str = "utf-8"


@dataclass(frozen=True)
class DemoReport:
    key: str  # stable id, also the file stem under documents/
    site: str
    unit: str
    region: str | None
    year: int
    form: str  # html | html_gbk | docx | pdf | doc
    published: str
    template: str = "2021"
    seed: int = 1
    violate: str | None = None
    reissue: bool = False  # a 更正 version of an earlier report
    placement: str = "article"  # article (attachment or inline page) | direct (link to the file)
    expected: bool = True  # the crawl must archive it
    notes: str = field(default="", compare=False)

    @property
    def title(self) -> str:
        suffix = "（更正）" if self.reissue else ""
        return f"{self.unit}{self.year}年政府信息公开工作年度报告{suffix}"

    @property
    def extension(self) -> str:
        return {"html": "html", "html_gbk": "html", "docx": "docx", "pdf": "pdf", "doc": "doc"}[self.form]

    @property
    def prerendered(self) -> bool:
        """PDF/DOC need LibreOffice and DOCX takes seconds (and is not byte-stable): shipped pre-rendered."""
        return self.form in ("pdf", "doc", "docx")


ZW = "中卫市"
YZ = "原州区"
XH = "平顶山市新华区"

SITES: tuple[DemoSite, ...] = (
    DemoSite(
        key="trs", portal_id="demo-trs", name="中卫市人民政府（演示）", family="trs", region_code="640500",
        units=(
            DemoUnit("中卫市人民政府", ZW, "640500", "city", "government"),
            DemoUnit("中卫市审批服务管理局", ZW, "640500", "city", "department"),
            DemoUnit("中卫市教育局", ZW, "640500", "city", "department"),
        ),
        start_path="/trs/zwgk/zfxxgkndbg/index.html", encoding="gbk",
    ),
    DemoSite(
        key="hanweb", portal_id="demo-hanweb", name="固原市原州区人民政府（演示）", family="hanweb",
        region_code="640402",
        units=(
            DemoUnit("原州区人民政府", YZ, "640402", "county", "government"),
            DemoUnit("原州区审批服务管理局", YZ, "640402", "county", "department"),
            DemoUnit("原州区教育局", YZ, "640402", "county", "department"),
            DemoUnit("原州区民政局", YZ, "640402", "county", "department"),
            DemoUnit("原州区财政局", YZ, "640402", "county", "department"),
        ),
        start_path="/hanweb/col/col1001/index.html",
    ),
    DemoSite(
        key="gen", portal_id="demo-generic", name="平顶山市新华区人民政府（演示）", family="generic",
        region_code="410402",
        units=(
            DemoUnit("新华区人民政府", XH, "410402", "county", "government"),
            DemoUnit("新华区政务服务和大数据管理局", XH, "410402", "county", "department"),
        ),
        start_path="/gen/",
    ),
    DemoSite(
        key="blocked", portal_id="demo-blocked", name="沙坡头区人民政府（演示，412 反爬）", family="trs",
        region_code="640502",
        units=(DemoUnit("沙坡头区人民政府", "沙坡头区", "640502", "county", "government"),),
        start_path="/blocked/zwgk/ndbg/index.html",
    ),
)
UNREACHABLE = DemoSite(
    key="unreachable", portal_id="demo-unreachable", name="中宁县人民政府（演示，无法访问）", family="generic",
    region_code="640521",
    units=(DemoUnit("中宁县人民政府", "中宁县", "640521", "county", "government"),),
    start_path="/zwgk/ndbg/",
)

REPORTS: tuple[DemoReport, ...] = (
    # --- TRS: 中卫市 (GBK pages, list paging over 3 pages, P0…pdf/docx attachments)
    DemoReport("trs-gov-2023", "trs", "中卫市人民政府", ZW, 2023, "pdf", "2024-03-20", seed=11),
    DemoReport("trs-gov-2022", "trs", "中卫市人民政府", ZW, 2022, "html_gbk", "2023-03-15", seed=12),
    DemoReport("trs-gov-2020", "trs", "中卫市人民政府", ZW, 2020, "docx", "2021-03-10", template="2019", seed=13),
    DemoReport("trs-spj-2023", "trs", "中卫市审批服务管理局", ZW, 2023, "docx", "2024-01-20", seed=14),
    DemoReport("trs-spj-2022", "trs", "中卫市审批服务管理局", ZW, 2022, "pdf", "2023-01-18", seed=15),
    DemoReport("trs-jyj-2023", "trs", "中卫市教育局", ZW, 2023, "html_gbk", "2024-01-25", seed=16,
               notes="its article answers 500 once, then 200"),
    # --- Hanweb: 原州区 (datastore records, POST paging, art_COL_ID pages, div#zoom)
    DemoReport("hw-gov-2023", "hanweb", "原州区人民政府", YZ, 2023, "pdf", "2024-03-28", seed=21),
    DemoReport("hw-gov-2022", "hanweb", "原州区人民政府", YZ, 2022, "doc", "2023-03-10", seed=22),
    DemoReport("hw-spj-2023", "hanweb", "原州区审批服务管理局", YZ, 2023, "html", "2024-01-22", seed=23),
    DemoReport("hw-spj-2022", "hanweb", "原州区审批服务管理局", YZ, 2022, "pdf", "2023-01-16", seed=24),
    DemoReport("hw-spj-2022r", "hanweb", "原州区审批服务管理局", YZ, 2022, "html", "2023-02-10", seed=24,
               reissue=True, notes="更正 version; only reachable through POST paging"),
    DemoReport("hw-jyj-2023", "hanweb", "原州区教育局", YZ, 2023, "docx", "2024-02-20", seed=25,
               notes="late: a department's deadline is 31 January"),
    DemoReport("hw-mzj-2022", "hanweb", "原州区民政局", YZ, 2022, "html", "2023-01-12", seed=26,
               notes="no 2023 report: missing for 2023"),
    DemoReport("hw-czj-2023", "hanweb", "原州区财政局", YZ, 2023, "docx", "2024-01-19", seed=27,
               violate="applications.balance", notes="invalid: breaks applications.balance"),
    # --- generic: 新华区 (meta refresh, percent-encoded names, ../ links, 302 download)
    DemoReport("gen-gov-2023", "gen", "新华区人民政府", XH, 2023, "pdf", "2024-03-25", seed=31,
               placement="direct"),
    DemoReport("gen-gov-2022", "gen", "新华区人民政府", XH, 2022, "docx", "2023-03-21", seed=32,
               placement="direct", notes="behind a 302 download link"),
    DemoReport("gen-zwj-2023", "gen", "新华区政务服务和大数据管理局", XH, 2023, "doc", "2024-01-26", seed=33,
               placement="direct", notes="linked with ../"),
    DemoReport("gen-zwj-2022", "gen", "新华区政务服务和大数据管理局", XH, 2022, "html", "2023-01-30", seed=34),
)


def site(key: str) -> DemoSite:
    for s in (*SITES, UNREACHABLE):
        if s.key == key:
            return s
    raise KeyError(key)


def reports_of(site_key: str) -> list[DemoReport]:
    return [r for r in REPORTS if r.site == site_key]


def report(key: str) -> DemoReport:
    for r in REPORTS:
        if r.key == key:
            return r
    raise KeyError(f"no demo report {key!r}; known: {', '.join(r.key for r in REPORTS)}")
