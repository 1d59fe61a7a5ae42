"""HTML article pages as content-management systems publish them.

- ``html``: a TRS-style article page, UTF-8: ``div.TRS_Editor`` holding ``<p>`` prose and the three
  tables with real rowspan/colspan (Word-pasted ``<td><p><span>`` markup).
- ``html_gbk``: an older Hanweb-style page in GBK (declared gb2312), laid out with nested tables,
  ``&nbsp;`` indents and padding inside cells, and header labels broken over lines with ``<br>``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from parsers.render.layout import Grid, grids
from parsers.render.prose import outline, title


def render_html(record: dict[str, Any]) -> bytes:
    body = _content(record, legacy=False)
    head = escape(title(record))
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="ArticleTitle" content="{head}">
<meta name="PubDate" content="{record.get("published") or ""}">
<meta name="ContentSource" content="{escape(record["agency"])}">
<title>{head}_{escape(record["agency"])}</title>
</head>
<body>
<div class="header"><div class="logo">{escape(record["region"] or "")}人民政府</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li></ul></div>
<div class="main">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 政府信息公开年报</div>
<div class="article">
<h1 class="article-title">{head}</h1>
<div class="article-info"><span>发布时间：{record.get("published") or ""}</span> <span>来源：{escape(record["agency"])}</span>
<span>【字体：<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a>】</span></div>
<div class="article-content" id="zoom">
<div class="TRS_Editor"><div class="Custom_UnionStyle">
{body}
</div></div>
</div>
<div class="article-share"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
</div>
<div class="footer">主办单位：{escape(record["agency"])}  网站标识码：0000000000</div>
</body>
</html>
"""
    return page.encode("utf-8")


def render_html_gbk(record: dict[str, Any]) -> bytes:
    body = _content(record, legacy=True)
    head = escape(title(record))
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{head}</title>
</head>
<body topmargin="0" leftmargin="0">
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td height="120" class="banner">&nbsp;{escape(record["region"] or "")}人民政府信息公开网</td></tr>
<tr><td>
 <table width="100%" border="0" cellspacing="0" cellpadding="0">
 <tr>
  <td width="200" valign="top" class="left">&nbsp;<a href="/xxgk/">信息公开指南</a><br>&nbsp;<a href="/xxgk/nb/">信息公开年报</a></td>
  <td valign="top">
   <table width="100%" border="0" cellspacing="0" cellpadding="0">
   <tr><td class="title" align="center" height="50"><b>{head}</b></td></tr>
   <tr><td align="center" class="info">发布日期：{record.get("published") or ""}&nbsp;&nbsp;&nbsp;&nbsp;信息来源：{escape(record["agency"])}</td></tr>
   <tr><td class="content" id="zoom">
{body}
   </td></tr>
   </table>
  </td>
 </tr>
 </table>
</td></tr>
<tr><td class="footer" align="center">版权所有&nbsp;&copy;&nbsp;{escape(record["agency"])}</td></tr>
</table>
</body>
</html>
"""
    return page.encode("gbk", errors="xmlcharrefreplace")  # a rare character outside GBK: &#NNNN;


def _content(record: dict[str, Any], legacy: bool) -> str:
    tables = grids(record, blank="/" if legacy else "")
    out: list[str] = []
    indent = "&nbsp;&nbsp;&nbsp;&nbsp;" if legacy else ""
    for kind, text in outline(record):
        if kind == "title":
            continue  # the page shows the title above the content
        if kind == "heading":
            out.append(f'<p style="text-indent:2em"><strong>{indent}{escape(text)}</strong></p>')
        elif kind == "para":
            out.append(f'<p style="text-indent:2em;line-height:1.8">{indent}{escape(text)}</p>')
        elif kind == "table":
            out.append(_table(tables[text], legacy))
        else:  # signature / date
            out.append(f'<p style="text-align:right">{escape(text)}{"&nbsp;" * 4 if legacy else ""}</p>')
    return "\n".join(out)


def _table(grid: Grid, legacy: bool) -> str:
    rows: list[str] = []
    for row in grid:
        cells: list[str] = []
        for cell in row:
            attrs = ""
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            text = escape(cell.text)
            if legacy:
                if cell.header and 2 < len(cell.text) <= 6 and cell.rowspan * cell.colspan == 1:
                    # narrow header cells are typed over several lines
                    text = "<br>".join(text[i : i + 2] for i in range(0, len(text), 2))
                cells.append(f'<td{attrs} align="center" valign="middle">&nbsp;{text}&nbsp;</td>')
            else:
                align = "left" if cell.key is None and not cell.header and len(cell.text) > 6 else "center"
                cells.append(
                    f'<td{attrs} valign="center" style="border:1px solid #000;padding:0 5px">'
                    f'<p style="text-align:{align}"><span style="font-family:宋体;font-size:14px">{text}</span></p></td>'
                )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if legacy:
        return (
            '<table width="95%" border="1" align="center" cellpadding="2" cellspacing="0" bordercolor="#000000">\n'
            + "\n".join(rows)
            + "\n</table>"
        )
    return (
        '<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse">\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>"
    )
