"""The text of a rendered report: title, the six official sections, tables in place, signature.

``outline(record)`` returns the document as a list of ``(kind, text)`` blocks that every form
renders the same way: ``title``, ``heading``, ``para``, ``table`` (text = table name),
``signature`` and ``date``.  The prose states some numbers that count table cells exactly
(``record["narrative"]``), plus numbers with another scope (政务服务 办件, 主动公开 条数) that
count something else, as real reports do.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

Block = tuple[str, str]

_CIRCULAR = {"2021": "国办公开办函〔2021〕30号", "2019": "国办公开办函〔2019〕60号"}


def title(record: dict[str, Any]) -> str:
    return f"{record['agency']}{record['year']}年政府信息公开工作年度报告"


def chinese_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def outline(record: dict[str, Any]) -> list[Block]:
    rng = random.Random(f"prose|{record['agency']}|{record['year']}|{record.get('published')}")
    agency, year = record["agency"], record["year"]
    n = record.get("narrative") or {}
    place = record["region"] or "本地区"
    blocks: list[Block] = [("title", title(record))]
    blocks.append(
        (
            "para",
            f"根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室关于印发"
            f"〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（{_CIRCULAR[record['template']]}）要求，"
            f"现发布{agency}{year}年政府信息公开工作年度报告。本报告统计数据从{year}年1月1日至{year}年12月31日。"
            f"本报告电子版可在{place}人民政府门户网站下载。如对本报告有疑问，请与{agency}办公室联系。",
        )
    )
    blocks.append(("heading", "一、总体情况"))
    services = rng.randrange(2000, 60000)
    items_published = rng.randrange(40, 900)
    blocks.append(
        (
            "para",
            f"{year}年，{agency}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《条例》，"
            f"全年政务服务大厅办件量达{services}件，办结率100%，持续推进决策、执行、管理、服务、结果公开。",
        )
    )
    blocks.append(("heading", "（一）主动公开"))
    normative = n.get(
        "active_disclosure/normative_documents/issued", n.get("active_disclosure/normative_documents/made")
    )
    text = f"全年通过政府网站主动公开政府信息{items_published}条，其中机构职能、政策文件、财政预决算等重点领域信息{items_published // 3}条。"
    if normative is not None:
        text += f"本年制发行政规范性文件{normative}件，均按要求在政府网站集中公开。"
    blocks.append(("para", text))
    blocks.append(("heading", "（二）依申请公开"))
    new, carried = n.get("applications/new_received/total"), n.get("applications/carried_over/total")
    if new is not None and carried is not None:
        text = f"{year}年共新收政府信息公开申请{new}件，上年结转{carried}件。"
        disclosed, nxt = (
            n.get("applications/disclosed/total"),
            n.get("applications/carried_to_next_year/total"),
        )
        if disclosed is not None:
            text += f"其中予以公开{disclosed}件，"
        if nxt is not None:
            text += f"结转下年度继续办理{nxt}件，"
        text += "所有申请均在法定期限内答复。"
        blocks.append(("para", text))
    recon = n.get("review_litigation/reconsideration/total")
    if recon is not None:
        blocks.append(("para", f"全年因政府信息公开引发行政复议{recon}件。"))
    blocks.append(("heading", "（三）政府信息管理"))
    blocks.append(
        ("para", "严格落实信息发布“三审”制度，动态更新政府信息公开指南和目录，规范公文公开属性源头认定。")
    )
    blocks.append(("heading", "（四）平台建设"))
    blocks.append(
        (
            "para",
            f"不断加强政府网站信息公开专栏建设，全年更新栏目{rng.randrange(10, 80)}个，政务新媒体发布信息{rng.randrange(50, 900)}条。",
        )
    )
    blocks.append(("heading", "（五）监督保障"))
    blocks.append(
        (
            "para",
            f"将政务公开工作纳入年度绩效考核，组织业务培训{rng.randrange(1, 6)}次。全年未发生因政府信息公开工作被追责的情况。",
        )
    )
    for name, heading in (
        ("active_disclosure", "二、主动公开政府信息情况"),
        ("applications", "三、收到和处理政府信息公开申请情况"),
        ("review_litigation", "四、政府信息公开行政复议、行政诉讼情况"),
    ):
        blocks.append(("heading", heading))
        blocks.append(("table", name))
    blocks.append(("heading", "五、存在的主要问题及改进情况"))
    blocks.append(
        (
            "para",
            "一是政策解读形式还不够丰富；二是基层政务公开标准化规范化水平有待提升。下一步，"
            "我们将聚焦群众关切，加强解读回应，进一步提升政务公开质效。",
        )
    )
    blocks.append(("heading", "六、其他需要报告的事项"))
    blocks.append(("para", f"本年度未收取信息处理费。{agency}全年按照年度政务公开工作要点逐项落实各项任务。"))
    blocks.append(("signature", agency))
    if record.get("published"):
        blocks.append(("date", chinese_date(record["published"])))
    return blocks
