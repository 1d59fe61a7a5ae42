"""The pages of the demo sites, one builder per CMS family, as a table ``path -> Resource``.

Pages imitate the real families (see ``spiders/families``): a TRS column in GBK with
``createPageHTML`` paging and ``./YYYYMM/tYYYYMMDD_N.html`` articles carrying ``P0…`` attachments;
a Hanweb column whose records hide in ``<datastore>`` and whose further records come only from a
POST to ``dataproxy.jsp``; a generic static page of direct links (percent-encoded names, ``../``,
a 302 download, a meta-refresh entry page).  Faults sit among them: 404, 500-then-200, a slow
page, a soft 404, a corrupt PDF, a zero-byte file, a robots-disallowed decoy, an off-domain link,
and a site that answers 412 with a JS challenge everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from html import escape
from urllib.parse import quote

from nianbao.demo_portal.catalog import DemoReport, DemoSite, reports_of, site

Body = bytes | Callable[[], bytes]


@dataclass
class Resource:
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    body: Body = b""
    location: str | None = None  # redirect target (302)
    fault: str | None = None  # "500_once" | "slow" | "post_only"
    validators: bool = False  # send ETag/Last-Modified and honour conditional requests
    last_modified: str | None = None  # ISO date
    handler: Callable[[dict[str, str]], bytes] | None = field(default=None, repr=False)

    def payload(self) -> bytes:
        return self.body() if callable(self.body) else self.body


MEDIA = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
}

ROBOTS_TXT = b"User-agent: *\nDisallow: /trs/search/\nDisallow: /hanweb/module/search/\n"

CHALLENGE_412 = """<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta id="9DhefwqGPrzGxEp9hPaoag" content="b3Vy5l4HbZ7sP0aQ1Xk2">
<script type="text/javascript">$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=41247;$_ts.cd="qEqcrpAlEr";</script>
<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js"></script>
</head><body></body></html>"""

SOFT_404 = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>404 - 页面不存在</title></head>
<body><div class="error"><img src="/images/404.png" alt="">
<p>对不起，您访问的页面不存在或已被删除！</p><p><a href="/">返回首页</a></p></div></body></html>"""

TYPES = Callable[[DemoReport], bytes]


def _date_path(day: str) -> tuple[str, str]:
    d = dt.date.fromisoformat(day)
    return d.strftime("%Y%m"), d.strftime("%Y%m%d")


def _page(title: str, body: str, charset: str = "utf-8", extra_head: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"\n<title>{escape(title)}</title>{extra_head}</head>\n<body>\n<div class=\"header\">"
            f"<a href=\"/\">首页</a> | <a href=\"../\">政务公开</a></div>\n{body}\n"
            f"<div class=\"footer\">主办单位：{escape(title)}</div></body></html>\n")


# ------------------------------------------------------------------------------------- TRS


TRS_FILLERS = (
    ("关于开展2023年度政务公开培训的通知", "2024-02-28"),
    ("中卫市2024年政务公开工作要点", "2024-02-10"),
    ("中卫市人民政府2023年政府信息公开工作年度报告解读", "2024-03-21"),
    ("关于印发政府信息公开工作年度报告格式的通知", "2023-12-20"),
    ("中卫市2023年法治政府建设情况报告", "2024-03-05"),
    ("中卫市政府信息公开指南", "2023-06-01"),
    ("中卫市2022年国民经济和社会发展统计公报", "2023-04-18"),
    ("中卫市2023年政务公开工作要点", "2023-03-01"),
)


def build_trs(doc: Callable[[DemoReport], bytes], base_offsite: str, slow: bool = True) -> dict[str, Resource]:
    s: DemoSite = site("trs")
    col = "/trs/zwgk/zfxxgkndbg/"
    res: dict[str, Resource] = {}
    entries: list[tuple[str, str, str]] = []  # (title, href relative to the column, date)
    for n, r in enumerate(reports_of("trs")):
        ym, ymd = _date_path(r.published)
        art = f"{ym}/t{ymd}_{1001 + n}.html"
        entries.append((r.title, "./" + art, r.published))
        fault = "500_once" if r.key == "trs-jyj-2023" else None
        if r.form == "html_gbk":
            res[col + art] = Resource(content_type="text/html; charset=gb2312",
                                      body=partial(doc, r), fault=fault,
                                      validators=True, last_modified=r.published)
            continue
        att = f"P0{ymd}{4005 + n:06d}.{r.extension}"
        body = (f'<div class="article"><h1>{escape(r.title)}</h1>'
                f'<div class="info">发布日期：{r.published} 来源：{escape(r.unit)}</div>'
                f'<div class="TRS_Editor"><p>　　现将{escape(r.title)}予以公布。</p>'
                f'<p>附件：<a href="./{att}" OLDSRC="/protect/{att}">{escape(r.title)}.{r.extension}</a></p></div>'
                f'<p>相关链接：<a href="http://www.gov.cn/">中国政府网</a></p></div>')
        head = (f'<meta name="ArticleTitle" content="{escape(r.title)}">'
                f'<meta name="PubDate" content="{r.published} 09:00">'
                f'<meta name="ContentSource" content="{escape(r.unit)}">')
        res[col + art] = Resource(content_type="text/html; charset=gb2312", fault=fault,
                                  body=_page(r.title, body, "gb2312", head).encode("gbk"))
        res[col + f"{ym}/{att}"] = Resource(content_type=MEDIA[r.form], body=partial(doc, r),
                                            validators=True, last_modified=r.published)
    # fillers (unrelated articles), the 404 link, the robots decoy, the off-domain mirror
    for n, (title, day) in enumerate(TRS_FILLERS):
        ym, ymd = _date_path(day)
        art = f"{ym}/t{ymd}_{2001 + n}.html"
        entries.append((title, "./" + art, day))
        res[col + art] = Resource(content_type="text/html; charset=gb2312", body=_page(
            title, f'<div class="TRS_Editor"><p>{escape(title)}（正文略）。</p></div>', "gb2312").encode("gbk"))
    entries.append(("中卫市卫生健康委员会2023年政府信息公开工作年度报告", "./202401/t20240115_1099.html", "2024-01-15"))
    entries.append(("中卫市2023年政府信息公开工作年度报告（站内检索）", "/trs/search/decoy.html?q=ndbg", "2024-03-22"))
    res["/trs/search/decoy.html"] = Resource(body=b"<html><body>decoy: robots.txt disallows this</body></html>")
    entries.append(("中卫市人民政府2023年政府信息公开工作年度报告（镜像站）", base_offsite + "/mirror/zw2023.pdf", "2024-03-20"))
    entries.sort(key=lambda e: e[2], reverse=True)
    per_page = 8
    pages = [entries[i:i + per_page] for i in range(0, len(entries), per_page)]
    for i, chunk in enumerate(pages):
        items = "\n".join(f'<li><a href="{escape(h)}" title="{escape(t)}" target="_blank">{escape(t)}</a>'
                          f'<span>{d}</span></li>' for t, h, d in chunk)
        script = (f'<script language="JavaScript">var currentPage = {i};var countPage = {len(pages)};\n'
                  f'createPageHTML({len(pages)}, {i}, "index", "html");</script>')
        body = f'<div class="list"><h2>政府信息公开年报</h2><ul>\n{items}\n</ul></div>\n<div class="page">{script}</div>'
        name = "index.html" if i == 0 else f"index_{i}.html"
        res[col + name] = Resource(content_type="text/html; charset=gb2312",
                                   body=_page(s.name, body, "gb2312").encode("gbk"),
                                   fault="slow" if (slow and i == 1) else None)
    res[col] = Resource(status=302, location=col + "index.html")
    return res


# ------------------------------------------------------------------------------------- Hanweb


HANWEB_FILLERS = [
    (f"原州区{t}", d) for t, d in (
        ("2024年春季农业生产工作部署会召开", "2024-03-30"), ("关于2024年城乡居民医保缴费的公告", "2024-03-18"),
        ("2023年政府信息公开工作年度报告解读", "2024-03-29"), ("2024年政务公开工作要点", "2024-03-01"),
        ("人民政府关于调整部分行政许可事项的通知", "2024-02-26"), ("2023年法治政府建设年度报告", "2024-02-02"),
        ("2023年度部门预算公开", "2024-01-31"), ("政府信息公开指南（2023年修订）", "2023-12-12"),
        ("2023年第三季度政务舆情回应情况", "2023-10-20"), ("关于开展政府网站普查的通知", "2023-09-04"),
        ("2023年上半年政务公开工作总结", "2023-07-10"), ("2023年重点民生实事进展", "2023-06-15"),
        ("2022年法治政府建设年度报告", "2023-02-14"), ("2022年度部门决算公开", "2022-08-30"),
        ("关于征集2022年政务公开意见建议的公告", "2022-05-09"),
    )
]
HANWEB_PERPAGE = 10  # records embedded in the column page; the rest come from dataproxy.jsp


def _hanweb_record(title: str, href: str, day: str) -> str:
    return (f'<record><![CDATA[<li><a href="{escape(href)}" title="{escape(title)}" target="_blank">'
            f'{escape(title)}</a><span class="bt-data-time">{day}</span></li>]]></record>')


def build_hanweb(doc: Callable[[DemoReport], bytes]) -> dict[str, Resource]:
    s = site("hanweb")
    res: dict[str, Resource] = {}
    entries: list[tuple[str, str, str]] = []
    for n, r in enumerate(reports_of("hanweb")):
        d = dt.date.fromisoformat(r.published)
        art = f"/hanweb/art/{d.year}/{d.month}/{d.day}/art_1001_{3001 + n}.html"
        entries.append((r.title, art, r.published))
        if r.form == "html":
            res[art] = Resource(body=partial(doc, r), validators=True, last_modified=r.published)
            continue
        att = f"/hanweb/attach/0/{d.strftime('%y%m%d')}{5001 + n}.{r.extension}"
        body = (f'<div class="main"><div class="title">{escape(r.title)}</div>'
                f'<div class="info">发布日期：{r.published} 信息来源：{escape(r.unit)}</div>'
                f'<div id="zoom"><p>现将{escape(r.title)}全文公布如下：</p>'
                f'<p><a href="{att}">{escape(r.title)}.{r.extension}</a></p></div></div>')
        head = (f'<meta name="ArticleTitle" content="{escape(r.title)}">'
                f'<meta name="PubDate" content="{r.published} 10:30">')
        res[art] = Resource(body=_page(r.title, body, extra_head=head).encode())
        res[att] = Resource(content_type=MEDIA[r.form], body=partial(doc, r),
                            validators=True, last_modified=r.published)
    for n, (title, day) in enumerate(HANWEB_FILLERS):
        d = dt.date.fromisoformat(day)
        art = f"/hanweb/art/{d.year}/{d.month}/{d.day}/art_1001_{4001 + n}.html"
        entries.append((title, art, day))
        res[art] = Resource(body=_page(title, f'<div id="zoom"><p>{escape(title)}（正文略）。</p></div>').encode())
    entries.sort(key=lambda e: e[2], reverse=True)
    records = [_hanweb_record(*e) for e in entries]
    total = len(records)
    proxy = "/hanweb/module/web/jpage/dataproxy.jsp"
    nextgroup = (f'<nextgroup><![CDATA[<a href="{proxy}?page=1&appid=1&webid=1&path=/&columnid=1001'
                 f'&unitid=5001&webname={quote("原州区人民政府")}&permissiontype=0"></a>]]></nextgroup>')
    datastore = (f'<datastore>{nextgroup}<recordset>{"".join(records[:HANWEB_PERPAGE])}</recordset></datastore>')
    body = (f'<div class="bt-box"><h2>政府信息公开年度报告</h2><div id="5001">'
            f'<script type="text/xml">{datastore}</script></div>'
            f'<script language="javascript" src="/hanweb/module/web/jpage/jpage.js"></script>'
            f'<script>$(document).ready(function(){{ jpage_init({{unitid:5001, totalRecord:{total}, '
            f'perPage:{HANWEB_PERPAGE}, columnid:1001}}); }});</script></div>')
    res["/hanweb/col/col1001/index.html"] = Resource(body=_page(s.name, body).encode())

    def dataproxy(params: dict[str, str]) -> bytes:
        start = int(params.get("startrecord", "1"))
        end = min(int(params.get("endrecord", str(total))), total)
        chunk = "".join(records[start - 1:end])
        return (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{total}</totalrecord>'
                f'<totalpage>{(total + HANWEB_PERPAGE - 1) // HANWEB_PERPAGE}</totalpage>'
                f"<recordset>{chunk}</recordset></datastore>").encode()

    res[proxy] = Resource(content_type="text/xml; charset=utf-8", fault="post_only", handler=dataproxy)
    return res


# ------------------------------------------------------------------------------------- generic


def build_generic(doc: Callable[[DemoReport], bytes], corrupt_pdf: Callable[[], bytes]) -> dict[str, Resource]:
    s = site("gen")
    res: dict[str, Resource] = {}
    links: list[tuple[str, str]] = []
    for r in reports_of("gen"):
        if r.key == "gen-gov-2023":
            path = f"/gen/uploads/2024/03/{r.title}.pdf"
            links.append((r.title, quote(path)))
        elif r.key == "gen-gov-2022":
            path = "/gen/uploads/2023/03/xhq2022ndbg.docx"
            res["/gen/download.jsp"] = Resource(status=302, location=path)
            links.append((r.title + "（Word版）", "/gen/download.jsp?id=2022001"))
        elif r.key == "gen-zwj-2023":
            path = f"/gen/files/zwj/{r.title}.doc"
            links.append((r.title, "../../files/zwj/" + quote(f"{r.title}.doc")))
        else:
            path = "/gen/zwgk/ndbg/2023/zwj2022.html"
            links.append((r.title, "2023/zwj2022.html"))
        res[path] = Resource(content_type=MEDIA[r.form], body=partial(doc, r), validators=True,
                             last_modified=r.published)
    links += [
        ("新华区发展和改革委员会2023年政府信息公开工作年度报告", "2024/fgw2023.html"),
        ("新华区卫生健康委员会2023年政府信息公开工作年度报告", "/gen/uploads/2024/01/wjw2023ndbg.pdf"),
        ("新华区住房和城乡建设局2023年政府信息公开工作年度报告", "/gen/uploads/2024/01/zjj2023ndbg.docx"),
        ("新华区2024年政务公开工作要点", "2024/gwgkyd.html"),
        ("关于印发政府信息公开工作年度报告格式的通知.pdf", "/gen/uploads/2021/gstz.pdf"),
        ("新华区2023年国民经济和社会发展统计公报.pdf", "/gen/uploads/2024/tjgb.pdf"),
    ]
    res["/gen/zwgk/ndbg/2024/fgw2023.html"] = Resource(body=SOFT_404.encode())
    res["/gen/uploads/2024/01/wjw2023ndbg.pdf"] = Resource(content_type="application/pdf", body=corrupt_pdf)
    res["/gen/uploads/2024/01/zjj2023ndbg.docx"] = Resource(content_type=MEDIA["docx"], body=b"")
    res["/gen/zwgk/ndbg/2024/gwgkyd.html"] = Resource(body=_page("工作要点", "<p>工作要点（正文略）</p>").encode())
    res["/gen/uploads/2021/gstz.pdf"] = Resource(content_type="application/pdf", body=b"%PDF-1.4\n%%EOF\n")
    res["/gen/uploads/2024/tjgb.pdf"] = Resource(content_type="application/pdf", body=b"%PDF-1.4\n%%EOF\n")
    items = "\n".join(f'<tr><td><a href="{h}">{escape(t)}</a></td></tr>' for t, h in links)
    res["/gen/zwgk/ndbg/list.html"] = Resource(body=_page(
        s.name, f'<h2>政府信息公开年度报告</h2><table class="list">\n{items}\n</table>').encode())
    res["/gen/zwgk/index.html"] = Resource(body=_page(s.name, (
        '<ul><li><a href="ndbg/list.html">政府信息公开年度报告</a></li>'
        '<li><a href="zcwj/list.html">政策文件</a></li><li><a href="http://www.gov.cn/">中国政府网</a></li></ul>'
    )).encode())
    res["/gen/"] = Resource(body=(
        '<html><head><meta http-equiv="refresh" content="0; url=zwgk/index.html"></head>'
        "<body>正在跳转……</body></html>").encode())
    return res


def build_blocked() -> Resource:
    return Resource(status=412, body=CHALLENGE_412.encode())


# ------------------------------------------------------------------------------------- bench


def build_bench(portals: int, reports: int, per_page: int = 10) -> dict[str, Resource]:
    """A scaled-up TRS-style variant for ``bench/crawl_bench.py``: ``/bench/pNNN/`` sites, each with
    ``reports`` report articles (one small PDF attachment each) over list pages of ``per_page``."""
    res: dict[str, Resource] = {}
    for p in range(portals):
        col = f"/bench/p{p:03d}/"
        entries = []
        for n in range(reports):
            day = dt.date(2024, 1, 1) + dt.timedelta(days=n)
            ym, ymd = day.strftime("%Y%m"), day.strftime("%Y%m%d")
            unit = f"测试{p:03d}县第{n:02d}局"
            title = f"{unit}2023年政府信息公开工作年度报告"
            art, att = f"{ym}/t{ymd}_{n}.html", f"P0{ymd}{p:03d}{n:02d}.pdf"
            entries.append(f'<li><a href="./{art}" title="{title}">{title}</a><span>{day}</span></li>')
            res[col + art] = Resource(body=_page(title, f'<div class="TRS_Editor"><p>{title}</p>'
                                                 f'<a href="./{att}">{title}.pdf</a></div>').encode())
            res[col + f"{ym}/{att}"] = Resource(content_type="application/pdf", validators=True,
                                                body=f"%PDF-1.4\n% {p} {n} {title}\n%%EOF\n".encode())
        pages = [entries[i:i + per_page] for i in range(0, len(entries), per_page)]
        for i, chunk in enumerate(pages):
            name = "index.html" if i == 0 else f"index_{i}.html"
            body = f'<ul>{"".join(chunk)}</ul><script>createPageHTML({len(pages)}, {i}, "index", "html");</script>'
            res[col + name] = Resource(body=_page(f"测试{p:03d}县", body).encode())
    return res
