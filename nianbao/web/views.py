"""What pages need beyond the queries: report tables in the official layout, an SVG chart, filters."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from jinja2.filters import do_urlencode
from markupsafe import Markup, escape

from nianbao.export.labels import TABLE_TITLES, cell_ids, cell_label
from parsers.render.layout import format_value
from storage.queries import cells_of_check
from storage.records import flatten_tables, unflatten_cells


@lru_cache(maxsize=4096)
def _urlencoded(text: str) -> str:
    return do_urlencode(text)


def urlencode_filter(value: Any) -> str:
    """Jinja's ``urlencode``, remembered for strings: a report page encodes the same 200 cell ids each time."""
    return _urlencoded(value) if type(value) is str else do_urlencode(value)


def install_filters(templates: Jinja2Templates) -> None:
    env = templates.env
    env.filters["urlencode"] = urlencode_filter
    env.filters["num"] = format_number
    env.filters["pct"] = percent
    env.filters["label"] = cell_label
    env.globals["qs"] = query_string
    env.globals["coverage_rows"] = coverage_rows
    env.globals["report_link"] = report_link
    env.globals["ranking_rows"] = ranking_rows
    env.globals["repeated_rows"] = repeated_rows
    env.globals["region_report_rows"] = region_report_rows
    env.globals["TABLE_TITLES"] = TABLE_TITLES


def format_number(value: Any) -> str:
    """A number as the tables print it (:func:`~parsers.render.layout.format_value`), a blank as —."""
    return "—" if value is None else format_value(value)


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """``?a=1&b=2`` from current parameters with some changed (None drops a key)."""
    merged = {k: v for k, v in (params | changes).items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else ""


@dataclass(frozen=True, slots=True)
class NumberSlot:
    """Where a report's own number goes in a table skeleton: the cell id and its spans."""

    key: str
    colspan: int
    rowspan: int


@lru_cache(maxsize=4)
def table_skeletons(template: str) -> tuple[tuple[str, str, tuple[str | NumberSlot, ...]], ...]:
    """The three tables of ``template`` in the official layout, once per template: per table its name,
    title and markup as fixed HTML pieces (labels, headers, row breaks) between the number slots.

    Every report of a template shares this layout; only the numbers and their marks differ, so a
    report page fills about two hundred slots instead of laying out and escaping every label again.
    """
    from parsers.render.layout import grids

    empty = unflatten_cells(dict.fromkeys(cell_ids(template)))
    out = []
    for name, grid in grids({"template": template, "tables": empty}, blank="").items():
        pieces: list[str | NumberSlot] = []
        fixed: list[str] = []
        for grid_row in grid:
            fixed.append("<tr>")
            for cell in grid_row:
                if cell.key:
                    pieces.append("".join(fixed))
                    fixed = []
                    pieces.append(NumberSlot(cell.key, cell.colspan, cell.rowspan))
                else:
                    tag = "th" if cell.header else "td"
                    fixed.append(f'<{tag} colspan="{cell.colspan}" rowspan="{cell.rowspan}" class="label">'
                                 f"{escape(cell.text)}</{tag}>")
            fixed.append("</tr>\n")
        pieces.append("".join(fixed))
        out.append((name, TABLE_TITLES[name], tuple(pieces)))
    return tuple(out)


def report_tables(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """The three tables of a report in the official layout: ``{"name", "title", "html"}`` each, ``html``
    being the table's rows, every number a link to its provenance.

    A number cell is marked ``failed`` (with the failed checks as its title) when a check concerns it,
    ``corrected`` (the corrections listed after the number) when an auditor corrected it, ``absent``
    (shown as ?) when the parser did not find it.
    """
    record = detail["record"]
    template = record.get("template")
    if template not in ("2021", "2019"):
        return []
    found = flatten_tables(record.get("tables"))
    failing: dict[str, list[str]] = {}
    for check in record.get("checks", []):
        locator = {k: check[k] for k in ("column", "row", "group", "cell") if k in check}
        for cid in cells_of_check(check["rule"], locator, template):
            failing.setdefault(cid, []).append(check.get("message") or check["rule"])
    corrections: dict[str, list[dict[str, Any]]] = {}
    for c in detail.get("corrections", []):
        corrections.setdefault(c["cell_id"], []).append(c)
    link = f'<a class="cell" href="/reports/{int(detail["id"])}/provenance?cell='
    out = []
    for name, title, pieces in table_skeletons(template):
        html: list[str] = []
        for piece in pieces:
            if type(piece) is str:
                html.append(piece)
                continue
            assert isinstance(piece, NumberSlot)
            key = piece.key
            marks = "num"
            failed = failing.get(key)
            corrected = corrections.get(key)
            if failed:
                marks += " failed"
            if corrected:
                marks += " corrected"
            present = key in found
            if not present:
                marks += " absent"
            html.append(f'<td class="{marks}" colspan="{piece.colspan}" rowspan="{piece.rowspan}"')
            if failed:
                html.append(f' title="{escape("; ".join(failed))}"')
            html.append(f'>{link}{_urlencoded(key)}" data-cell="{key}">'
                        f'{escape(format_value(found[key])) if present else "?"}</a>')
            for k in corrected or ():
                html.append(f'<span class="correction" title="{escape(k["author"])}: {escape(k["reason"])}">'
                            f'→{escape(format_number(k["value"]))}</span>')
            html.append("</td>")
        out.append({"name": name, "title": title, "html": Markup("".join(html))})
    return out


@lru_cache(maxsize=1024)
def _cell_heading(cell_id: str) -> str:
    return f'<td title="{escape(cell_id)}">{escape(cell_label(cell_id))}</td>'


def side_by_side(data: dict[str, Any]) -> Markup:
    """The rows of a unit's every cell over the years (:func:`storage.queries.agency_years`): the value of
    each year and, from the second year on, the change from the year before (``up`` / ``down``).

    A unit with five years of reports has a thousand numbers here; written directly, not through Jinja's
    per-value filters and lookups, they cost about a tenth as much.
    """
    years = data["years"]
    later = years[1:]
    html: list[str] = []
    for row in data["cells"]:
        values, changes = row["values"], row["changes"]
        # numbers print as digits, sign, point or a dash: nothing to escape
        html.append(f"<tr>{_cell_heading(row['cell_id'])}")
        if years:
            html.append(f'<td class="n">{format_number(values[years[0]])}</td>')
        for year in later:
            change = changes[year]
            html.append(f'<td class="n">{format_number(values[year])}</td>')
            if change is None:
                html.append('<td class="n "></td>')
            else:
                mark = "up" if change > 0 else "down" if change < 0 else ""
                html.append(f'<td class="n {mark}">{change:+g}</td>')
        html.append("</tr>\n")
    return Markup("".join(html))


def coverage_rows(units: list[dict[str, Any]]) -> Markup:
    """The rows of a region's coverage table (:func:`storage.queries.coverage` units): a hundred units a
    page, written directly like :func:`side_by_side`."""
    html = []
    for u in units:
        report = (f'<a href="/reports/{u["report_id"]}">{escape(u["published"] or "报告")}</a>'
                  if u["report_id"] else "")
        html.append(f'<tr class="state-{escape(u["state"])}"><td><a href="/units/{u["unit_id"]}">{escape(u["unit"])}</a>'
                    f'</td><td>{escape(u["region_code"] or "")}</td><td>{escape(u["state"])}</td>'
                    f'<td>{escape(u["detail"] or "")}</td><td>{u["deadline"]}</td><td>{report}</td></tr>')
    return Markup("".join(html))


def report_link(row: dict[str, Any]) -> Markup:
    """A listed report as a link: unit, year and, after the first, its version (pages call it too)."""
    version = f" v{row['version']}" if row["version"] > 1 else ""
    return Markup(f'<a href="/reports/{row["id"]}">{escape(row["unit"])} {row["year"]}{version}</a>')


def region_report_rows(items: list[dict[str, Any]]) -> Markup:
    """The rows of a region's reports with their key figures (:func:`storage.queries.region_reports`)."""
    html = []
    for row in items:
        litigation = (row["litigation_direct"] or 0) + (row["litigation_after_reconsideration"] or 0)
        html.append(f'<tr class="{"has-failures" if row["checks_failed"] else ""}"><td>{report_link(row)}</td>'
                    f'<td class="n">{format_number(row["new_received"])}</td>'
                    f'<td class="n">{format_number(row["carried_over"])}</td>'
                    f'<td class="n">{format_number(row["processed"])}</td>'
                    f'<td class="n">{format_number(row["carried_to_next_year"])}</td>'
                    f'<td class="n">{format_number(row["reconsideration"])}</td>'
                    f'<td class="n">{litigation}</td><td>{row["checks_failed"]}</td></tr>')
    return Markup("".join(html))


def percent(value: Any) -> str:
    """A share as a percentage with one decimal (the ``pct`` filter)."""
    return "" if value is None else f"{float(value) * 100:.1f}%"


def ranking_rows(ranking: dict[str, Any]) -> Markup:
    """The rows of a ranking (:func:`storage.queries.ranking`): rank, report, region code and value."""
    html = []
    share = ranking["is_share"]
    for row in ranking["ranking"]["items"]:
        value = (f'{percent(row["value"])} ({format_number(row["numerator"])}/{format_number(row["denominator"])})'
                 if share else format_number(row["value"]))
        html.append(f'<tr><td>{row["rank"]}</td><td>{report_link(row)}</td><td>{escape(row["region_code"] or "")}</td>'
                    f'<td class="n">{value}</td></tr>')
    return Markup("".join(html))


def repeated_rows(items: list[dict[str, Any]]) -> Markup:
    """The rows of the repeated-text table (:func:`storage.queries.repeated_text`)."""
    return Markup("".join(
        f'<tr><td><a href="/reports/{x["report_id"]}">{escape(x["unit"])} {x["year"]}</a> '
        f'(<a href="/diff?a={x["previous_report_id"]}&b={x["report_id"]}">对比上年</a>)</td>'
        f'<td class="n">{x["sentences"]}</td><td class="n">{x["repeated"]}</td><td class="n">{percent(x["share"])}</td></tr>'
        for x in items))


def line_chart(years: list[int], series: dict[str, dict[int, Any]], width: int = 640, height: int = 240) -> str:
    """An inline SVG line chart of a few series over years (no script, no external resources)."""
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"]
    pad_l, pad_r, pad_t, pad_b = 50, 160, 15, 30
    values = [float(v) for s in series.values() for v in s.values() if v is not None]
    top = max(values) if values else 1.0
    top = top if top > 0 else 1.0
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b

    def x(i: int) -> float:
        return pad_l + (plot_w * i / (len(years) - 1) if len(years) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return pad_t + plot_h * (1 - v / top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    parts.append(f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{pad_l + plot_w}" y2="{pad_t + plot_h}" stroke="#999"/>')
    parts.append(f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{pad_t + plot_h}" stroke="#999"/>')
    parts.append(f'<text x="{pad_l - 5}" y="{pad_t + 4}" text-anchor="end" font-size="11">{format_number(top)}</text>')
    parts.append(f'<text x="{pad_l - 5}" y="{pad_t + plot_h}" text-anchor="end" font-size="11">0</text>')
    for i, year in enumerate(years):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" font-size="11">{year}</text>')
    for n, (name, points) in enumerate(series.items()):
        color = colors[n % len(colors)]
        coords = [(x(i), y(float(points[yr]))) for i, yr in enumerate(years) if points.get(yr) is not None]
        if len(coords) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in coords)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        for (px, py), yr in zip(coords, [yr for yr in years if points.get(yr) is not None], strict=True):
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}">'
                         f'<title>{escape(name)} {yr}: {format_number(points[yr])}</title></circle>')
        ly = pad_t + 14 * n + 8
        parts.append(f'<rect x="{width - pad_r + 10}" y="{ly - 8}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{width - pad_r + 25}" y="{ly + 1}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
