"""The one mapper: rows of cells (from any reader) -> REPORT_FORMAT table keys.

Every reader hands over a :class:`~parsers.model.SourceDocument`; its tables are read
here as one stream of rows (a table split over pages, or typed as several tables, is
just more rows; tables typed as paragraphs are rebuilt into rows when the tables hold
too little).  For each row:

1. its cells are classified as label text, number, null marker ("/", "无") or blank
   (:mod:`parsers.numbers`); copies of merged cells (``spanned``) count for the label
   but never as a value;
2. the label is matched against the official row labels (:mod:`parsers.templates.labels`):
   keywords first, with the text of a value-less row above or below joined on when a label
   wraps; then resemblance to the official label (typos, OCR); then the one official row
   missing between two recognised neighbours;
3. the values are assigned to columns: a row with exactly the expected number of values
   takes them in order; digits run together ("713000074") are split when exactly one split
   satisfies the row's sum; a shorter row is lined up by cell position with the nearest
   complete row of the same table (or the header) -- blank positions become ``None`` --
   and, failing that, placed by the row's own sums; a longer row drops stray numbers left
   of its label and repeated copies of one cell.  Nothing else is guessed: a row that
   cannot be placed is left out.

The template (2021 / 2019 / freeform) is decided from the rows found
(:mod:`parsers.templates.detect`), then the rows are laid out as that template's record.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from parsers.model import Provenance, SourceCell, SourceDocument, SourceRow, Table
from parsers.numbers import CellValue, Number, read_cell, split_values
from parsers.templates import t2019, t2021
from parsers.templates.labels import (
    ACTIVE_ROWS,
    APPLICANT_COLUMNS,
    APPLICANT_HEADERS,
    APPLICATION_ROW_ORDER_2021,
    APPLICATION_ROWS,
    OFFICIAL_ACTIVE_LABELS,
    OFFICIAL_APPLICATION_LABELS,
    REVIEW_FIELDS,
    REVIEW_GROUPS,
    REVIEW_HEADERS,
    header_field,
    match_key,
    norm_label,
    strip_enum,
)

Constraint = Callable[[list[Number | None]], bool]


@dataclass(slots=True)
class Slot:
    """A value placed at a cell position (``cell`` is None for a blank the row lacks)."""

    pos: float
    value: CellValue
    cell: SourceCell | None


@dataclass(slots=True)
class RowInfo:
    idx: int
    table: int
    row: SourceRow
    label: str
    last_text: str
    slots: list[Slot]
    irregular: bool = False  # a cell held several values or a label ended in numbers
    first_text: float = -1  # position of the first label cell (-1: none)

    def cell_at(self, pos: float) -> SourceCell | None:
        p = int(pos)
        if p == pos and 0 <= p < len(self.row.cells):
            return self.row.cells[p]
        return None

    @property
    def positions(self) -> list[float]:
        return [s.pos for s in self.slots]


@dataclass
class Classified:
    """Rows recognised in the document, before the template is applied."""

    active: dict[str, RowInfo] = field(default_factory=dict)
    active_headers: dict[str, RowInfo] = field(default_factory=dict)  # row key -> header above it
    applications: dict[str, RowInfo] = field(default_factory=dict)
    app_rows: list[RowInfo] = field(default_factory=list)  # every row of the applications table
    app_header: list[float] | None = None
    app_columns: tuple[str, ...] = APPLICANT_COLUMNS  # the six applicant columns only when there is no 总计
    app_header_table: int | None = None
    review_row: RowInfo | None = None
    review_header: list[float] | None = None
    header_text: str = ""  # all value-less table rows, normalised (template words)


@dataclass
class Mapped:
    template: str
    tables: dict[str, Any]
    provenance: dict[str, Provenance]


# ---------------------------------------------------------------- rows


def _row_info(idx: int, tindex: int, row: SourceRow) -> RowInfo:
    texts: list[str] = []
    slots: list[Slot] = []
    irregular = False
    first_text = -1
    for pos, cell in enumerate(row.cells):
        if not isinstance(cell.text, str):
            cell.text = ""  # a reader's None for a merged-away cell
        cv = read_cell(cell.text)
        if cv.kind in ("num", "null"):
            if not cell.spanned:
                slots.append(Slot(pos, cv, cell))
            continue
        if cv.kind == "blank":
            continue
        multi = split_values(cell.text)
        if multi is not None:
            if not cell.spanned:
                slots.extend(Slot(pos + k / 100, v, cell) for k, v in enumerate(multi))
                irregular = True
            continue
        text = norm_label(cell.text)
        label_part, trailing = _label_then_numbers(cell.text)
        if trailing and not cell.spanned:
            text = norm_label(label_part)
            slots.extend(Slot(pos + (k + 1) / 100, v, cell) for k, v in enumerate(trailing))
            irregular = True
        if first_text < 0:
            first_text = pos
        if not texts or texts[-1] != text:
            texts.append(text)
    return RowInfo(idx, tindex, row, "".join(texts), texts[-1] if texts else "", slots, irregular, first_text)


def _label_then_numbers(text: str) -> tuple[str, list[CellValue]]:
    """'行政许可 8743' -> ('行政许可', [8743]); a label that ends in CJK text -> (text, [])."""
    parts = text.split()
    k = len(parts)
    while k > 0 and read_cell(parts[k - 1]).kind in ("num", "null"):
        k -= 1
    if k == len(parts) or k == 0:
        return text, []
    label = " ".join(parts[:k])
    if not any("\u4e00" <= ch <= "\u9fff" for ch in label[-2:]):
        return text, []
    return label, [read_cell(p) for p in parts[k:]]


def _header_positions(rows: Sequence[RowInfo], fields: tuple[tuple[str, tuple[str, ...]], ...],
                      order: Sequence[str], repeat: int = 1) -> list[float] | None:
    """Positions of the column headers (first occurrence per position), in column order."""
    found: dict[int, str] = {}
    for r in rows:
        for pos, cell in enumerate(r.row.cells):
            f = header_field(cell.text, fields)
            if f is not None and pos not in found:
                found[pos] = f
    positions: list[int] = []
    for p in sorted(found):  # a header repeated in the next grid column (an unmarked merge) counts once
        if not positions or found[positions[-1]] != found[p] or p - positions[-1] > 1:
            positions.append(p)
    names = [found[p] for p in positions]
    if names == list(order) * repeat:
        return [float(p) for p in positions]
    return None


def classify(doc: SourceDocument) -> Classified:
    out = Classified()
    state: str | None = None
    pending_key: str | None = None
    pending_text = ""
    review_headers: list[RowInfo] = []
    app_headers: list[RowInfo] = []
    active_header: RowInfo | None = None
    header_texts: list[str] = []
    value_rows: list[tuple[str | None, RowInfo]] = []  # applications rows with values, in order
    infos = [
        _row_info(0, tindex, row) for tindex, table in enumerate(doc.tables()) for row in table.rows
    ]
    for idx, r in enumerate(infos):
        r.idx = idx
    consumed: set[int] = set()  # rows whose values were joined onto the row above
    for r in infos:
        if r.idx in consumed:
            continue
        label = r.label
        has_values = bool(r.slots)
        if not has_values:
            header_texts.append(label)
        if not label and not has_values:
            continue
        # review / litigation table
        if not has_values and ("行政复议" in label or "行政诉讼" in label):
            state = "review"
            review_headers.append(r)
            pending_key, pending_text = None, ""
            continue
        if state == "review":
            if not has_values:
                review_headers.append(r)
                continue
            if out.review_row is None and len(r.slots) >= 3 and match_key(label, ACTIVE_ROWS) is None:
                out.review_row = _join_wrapped_values(infos, r, 15)
                state = "after_review"
                continue
        # applications header
        if not has_values and ("申请人情况" in label or "自然人" in label or "商业企业" in label):
            state = "applications"
            app_headers.append(r)
            pending_key, pending_text = None, ""
            continue
        akey = _application_key(r, state)
        dkey = match_key(label, ACTIVE_ROWS) if akey is None else None
        if dkey is None and akey is None and state == "active" and has_values:
            dkey = _closest(strip_enum(r.last_text), OFFICIAL_ACTIVE_LABELS)  # typo / OCR
        if not has_values and ("信息内容" in label or "第二十条" in label):
            state = "active"
            active_header = r if "信息内容" in label else None
            pending_key, pending_text = None, ""
            continue
        if dkey is not None:
            state = "active"
            if has_values:
                out.active.setdefault(dkey, r)
                if active_header is not None:
                    out.active_headers.setdefault(dkey, active_header)
            continue
        if (state == "applications" and akey is None and not label and has_values
                and out.review_row is None and "carried_to_next_year" in out.applications):
            joined = _join_wrapped_values(infos, r, 15)
            if len(joined.slots) >= 10:  # the review table whose header was lost (its row maybe wrapped)
                out.review_row = joined
                state = "after_review"
                continue
        if state == "applications" or akey is not None:
            state = "applications"
            out.app_rows.append(r)
            if not has_values:
                pending_key = akey
                pending_text = label
                continue
            key = akey
            if key is None and pending_text and (pending_key is None or _closest_label(strip_enum(label)) is None):
                # a label wrapped over lines, its values on a later line ("...逾期不补" / "正、行政机关...")
                key = _application_key_for(pending_text + label, r.last_text)
            if key is None and pending_key is not None and not label:
                key = pending_key
            if key is None:
                key = _key_from_following(infos, r)
            pending_key, pending_text = None, ""
            if key is not None and len(r.slots) < 7:
                r, used = _join_wrapped(infos, r, 7)
                consumed.update(range(r.idx + 1, r.idx + 1 + used))
            if key is not None and key not in out.applications:
                out.applications[key] = r
                value_rows.append((key, r))
            elif key is None and len(r.slots) >= 5:
                value_rows.append((None, r))
    _fill_unrecognised(out, value_rows)
    out.app_header = _header_positions(app_headers, APPLICANT_HEADERS, APPLICANT_COLUMNS)
    if out.app_header is None and _six_columns(app_headers, out.app_rows):
        out.app_columns = APPLICANT_COLUMNS[:6]
        out.app_header = _header_positions(app_headers, APPLICANT_HEADERS, out.app_columns)
    out.app_header_table = app_headers[0].table if app_headers else None
    out.review_header = _header_positions(review_headers, REVIEW_HEADERS, REVIEW_FIELDS, repeat=3)
    out.header_text = "".join(header_texts)
    return out


def _six_columns(headers: Sequence[RowInfo], rows: Sequence[RowInfo]) -> bool:
    """An applications table without the 总计 column: the header names the six applicant columns and no
    总计/合计, and no row holds seven values."""
    named = {header_field(cell.text, APPLICANT_HEADERS) for h in headers for cell in h.row.cells}
    if "total" in named or not set(APPLICANT_COLUMNS[:6]) <= named:
        return False  # (the header's positions may be lost: layout text keeps no empty cells)
    counts = [len(r.slots) for r in rows if r.slots]
    return bool(counts) and max(counts) <= 6 and counts.count(6) * 2 > len(counts)


# rows of both templates in table order (2019's single "other" row before 2021's three)
_ANY_ORDER = (*APPLICATION_ROW_ORDER_2021[:20], "other", *APPLICATION_ROW_ORDER_2021[20:])


def _fill_unrecognised(out: Classified, value_rows: list[tuple[str | None, RowInfo]]) -> None:
    """Rows whose label was not recognised (typos, OCR): the official label they resemble most, else the
    one official row missing between their recognised neighbours."""
    taken = set(out.applications)
    for i, (key, r) in enumerate(value_rows):
        if key is not None:
            continue
        guess = _closest_label(strip_enum(r.last_text)) or _closest_label(r.label)
        if guess is not None and guess not in taken:
            value_rows[i] = (guess, r)
            taken.add(guess)
    for i, (key, r) in enumerate(value_rows):
        if key is not None or i == 0 or i + 1 >= len(value_rows):
            continue
        before, after = value_rows[i - 1][0], value_rows[i + 1][0]
        if before is None or after is None:
            continue
        a, b = _ANY_ORDER.index(before), _ANY_ORDER.index(after)
        between = [k for k in _ANY_ORDER[a + 1 : b] if k not in taken]
        if b - a == 2 and len(between) == 1:
            value_rows[i] = (between[0], r)
            taken.add(between[0])
    for key, r in value_rows:
        if key is not None and key not in out.applications:
            out.applications[key] = r


def _closest_label(text: str) -> str | None:
    return _closest(text, OFFICIAL_APPLICATION_LABELS)


def _closest(text: str, officials: tuple[tuple[str, str], ...]) -> str | None:
    """The row whose official label ``text`` is most like (ratio >= 0.75, a clear winner), else None."""
    if len(text) < 2:
        return None
    scored = sorted(((difflib.SequenceMatcher(None, text, official).ratio(), key)
                     for key, official in officials), reverse=True)
    best, second = scored[0], scored[1]
    if best[0] >= 0.75 and best[0] - second[0] >= 0.1:
        return best[1]
    return None


def _join_wrapped_values(infos: list[RowInfo], r: RowInfo, n: int) -> RowInfo:
    """A data row wrapped onto the next line(s) (5 + 10 values): one row, values in reading order."""
    return _join_wrapped(infos, r, n)[0]


def _join_wrapped(infos: list[RowInfo], r: RowInfo, n: int) -> tuple[RowInfo, int]:
    """The joined row and how many following rows it took (0: not wrapped)."""
    if len(r.slots) >= n:
        return r, 0
    slots = list(r.slots)
    for k, nxt in enumerate(infos[r.idx + 1 : r.idx + 3], start=1):
        if not nxt.slots or nxt.label:
            break
        slots += [Slot(1000 * k + s.pos, s.value, s.cell) for s in nxt.slots]
        if len(slots) == n:
            return RowInfo(r.idx, r.table, r.row, r.label, r.last_text, slots, irregular=True), k
    return r, 0


def _key_from_following(infos: list[RowInfo], r: RowInfo) -> str | None:
    """A label wrapped below its values: join the next value-less rows' text."""
    label = r.label
    for nxt in infos[r.idx + 1 : r.idx + 3]:
        if nxt.slots or not nxt.label or match_key(nxt.label, APPLICATION_ROWS) is not None:
            break
        label += nxt.label
        key = _application_key_for(label, nxt.last_text)
        if key is not None:
            return key
    return None


def _application_key(r: RowInfo, state: str | None) -> str | None:
    key = _application_key_for(r.label, r.last_text)
    if key is None:
        return None
    if state not in ("applications", None) and key == "total":
        return None  # 总计 of another table
    return key


def _application_key_for(label: str, last_text: str) -> str | None:
    key = match_key(label, APPLICATION_ROWS)
    if key is not None:
        return key
    last = strip_enum(last_text)
    if last == "其他":
        return "other.other"
    if last in ("其他处理",):
        return "other"
    return None


def _strength(c: Classified) -> int:
    """How much of the standard tables was recognised (rows that can fill their columns)."""
    apps = sum(1 for r in c.applications.values() if len(r.slots) >= 5)
    return apps + len(c.active) + (3 if c.review_row is not None else 0)


_TOKENS = re.compile(r"[\s\u3000]+")
_SECTION_START = ("主动公开政府信息情况", "第二十条")
_SECTION_END = ("存在的主要问题", "其他需要报告")


def paragraph_table(doc: SourceDocument) -> Table | None:
    """Tables typed as paragraphs (one cell per line, or "label  0  0  0"): rows rebuilt from the lines
    between 主动公开政府信息情况 and 存在的主要问题.  A line of numbers continues the row above it."""
    rows: list[SourceRow] = []
    inside = False
    for p in doc.paragraphs():
        flat = norm_label(p.text)
        heading = len(flat) <= 40  # the introduction lists every section: only headings count
        if not inside:
            inside = heading and any(w in flat for w in _SECTION_START)
            if not inside:
                continue
        if heading and any(w in flat for w in _SECTION_END):
            break
        if len(flat) > 80:
            continue  # prose
        tokens = [t for t in _TOKENS.split(p.text.strip()) if t]
        if not tokens:
            continue
        kinds = [read_cell(t).kind for t in tokens]
        k = len(tokens)
        while k > 0 and kinds[k - 1] in ("num", "null"):
            k -= 1
        values = [SourceCell(t, dict(p.prov)) for t in tokens[k:]]
        if k == 0 and rows:
            rows[-1].cells.extend(values)
            continue
        label = [SourceCell(" ".join(tokens[:k]), dict(p.prov))] if k else []
        rows.append(SourceRow(label + values, dict(p.prov)))
    return Table(rows, {"from": "paragraphs"}) if rows else None


def classify_document(doc: SourceDocument) -> Classified:
    """Classify the document's tables; when they hold too little of the standard tables, also try the
    paragraphs as table rows and keep whichever recognises more."""
    c = classify(doc)
    if _strength(c) >= 20:
        return c
    extra = paragraph_table(doc)
    if extra is None:
        return c
    c2 = classify(SourceDocument(doc.form, [extra], dict(doc.meta)))
    return c2 if _strength(c2) > _strength(c) else c


# ---------------------------------------------------------------- alignment


def _sums_to_last(values: Sequence[Number | None]) -> bool:
    """The last value is the sum of the others (true when any is None: not checkable)."""
    known = [v for v in values if v is not None]
    if len(known) != len(values):
        return True
    return abs(sum(known[:-1]) - known[-1]) < 1e-6


def _apps_constraint(values: list[Number | None]) -> bool:
    return _sums_to_last(values)


def _review_constraint(values: list[Number | None]) -> bool:
    return all(_sums_to_last(values[g : g + 5]) for g in range(0, 15, 5))


def _split_run(slots: list[Slot], n: int, constraint: Constraint | None) -> list[Slot] | None:
    """Digits run together: split integer tokens into n numbers, if exactly one split fits."""
    if constraint is None or len(slots) >= n:
        return None
    tokens = []
    for s in slots:
        raw = s.value.raw.strip()
        if s.value.kind != "num" or not raw.isdigit():
            return None
        tokens.append(raw)
    digits = sum(len(t) for t in tokens)
    if digits < n or digits > 2.5 * n:
        return None  # too few digits, or so many that the splits cannot be enumerated in bounded time
    solutions: list[list[tuple[int, Slot]]] = []
    budget = [20000]

    def parts(token: str, k: int) -> list[list[int]]:
        res = []
        for cuts in itertools.combinations(range(1, len(token)), k - 1):
            bounds = (0, *cuts, len(token))
            pieces = [token[a:b] for a, b in itertools.pairwise(bounds)]
            if all(p == "0" or not p.startswith("0") for p in pieces):
                res.append([int(p) for p in pieces])
        return res

    def rec(i: int, remaining: int, acc: list[tuple[int, Slot]]) -> None:
        budget[0] -= 1
        if budget[0] < 0 or len(solutions) > 1:
            return
        if i == len(tokens):
            if remaining == 0 and constraint([v for v, _ in acc]):
                solutions.append(list(acc))
            return
        left = len(tokens) - i - 1
        for k in range(1, min(len(tokens[i]), remaining - left) + 1):
            for ps in parts(tokens[i], k):
                rec(i + 1, remaining - k, acc + [(p, slots[i]) for p in ps])

    rec(0, n, [])
    if len(solutions) != 1:
        return None
    return [
        Slot(s.pos + k / 1000, CellValue("num", v, str(v)), s.cell) for k, (v, s) in enumerate(solutions[0])
    ]


def _by_reference(r: RowInfo, n: int, ref: list[float]) -> list[Slot] | None:
    """Line the row's values up with a reference row's value positions."""
    positions = r.positions
    if len(ref) != n or not set(positions) <= set(ref):
        return None
    at = {s.pos: s for s in r.slots}
    out = []
    for p in ref:
        s = at.get(p)
        if s is None:
            s = Slot(p, CellValue("null", None, ""), r.cell_at(p))
        out.append(s)
    return out


def _by_constraint(r: RowInfo, n: int, constraint: Constraint | None) -> list[Slot] | None:
    """Place the gaps where the row's own sums allow it; prefer gaps on the left."""
    k = len(r.slots)
    if constraint is None or k == 0 or n - k > 2:
        return None  # more than two cells unaccounted for: do not guess
    fits = []
    for gaps in itertools.combinations(range(n), n - k):
        it = iter(r.slots)
        cand = [None if i in gaps else next(it) for i in range(n)]
        if constraint([None if s is None else s.value.value for s in cand]):
            fits.append(cand)
        if len(fits) > 50:
            break
    if not fits:
        return None
    chosen = fits[0] if len(fits) == 1 else None
    if chosen is None:
        left = [None] * (n - k) + list(r.slots)
        chosen = left if left in fits else None
    if chosen is None:
        return None
    return [s if s is not None else Slot(-1, CellValue("null", None, ""), None) for s in chosen]


def align(r: RowInfo, n: int, refs: Sequence[list[float]], constraint: Constraint | None = None,
          extra: str = "last") -> list[Slot] | None:
    """The row's n column values in order (null Slots for blanks), or None if unknown."""
    slots = r.slots
    if len(slots) == n:
        return list(slots)
    if len(slots) > n:
        return _too_many(r, n, refs, extra)
    split = _split_run(slots, n, constraint)  # only when exactly one split satisfies the row's sums
    if split is not None:
        return split
    if not r.irregular:
        for ref in refs:
            got = _by_reference(r, n, ref)
            if got is not None:
                return got
    return _by_constraint(r, n, constraint)


def _review_group_blank(r: RowInfo) -> list[Slot] | None:
    """Ten values for the review table's fifteen cells, with no cell positions to line them up (layout
    text keeps no empty cells): one whole group was left blank.  The groups whose sums allow it; when
    several do, the first (the 行政复议 group, as a report that only fills the 行政诉讼 columns writes)."""
    if len(r.slots) != 10:
        return None
    for blank in range(3):
        it = iter(r.slots)
        cand = [None if i // 5 == blank else next(it) for i in range(15)]
        if _review_constraint([None if s is None else s.value.value for s in cand]):
            return [s if s is not None else Slot(-1, CellValue("null", None, ""), None) for s in cand]
    return None


def _too_many(r: RowInfo, n: int, refs: Sequence[list[float]], extra: str) -> list[Slot]:
    """More values than columns: drop numbers left of the label (stray marks, row numbers), pick the
    reference positions, collapse repeated copies of one cell (grids that repeat merged cells)."""
    slots = r.slots
    if r.first_text >= 0 and any(s.pos > r.first_text for s in slots):
        slots = [s for s in slots if s.pos > r.first_text] or slots
    if len(slots) == n:
        return list(slots)
    at = {s.pos: s for s in slots}
    for ref in refs:
        if len(ref) == n and all(p in at for p in ref):
            return [at[p] for p in ref]
    if len(slots) > n:
        runs = [s for i, s in enumerate(slots) if i == 0 or s.value.raw.strip() != slots[i - 1].value.raw.strip()]
        if len(runs) == n:
            return runs
    return list(slots[-n:]) if extra == "last" else list(slots[:n])


def _nearest_refs(r: RowInfo, full_rows: Sequence[RowInfo], header: list[float] | None,
                  header_table: int | None) -> list[list[float]]:
    """Value positions of complete rows of the same table (nearest first, above before below), then the
    header's, then those of other tables (a table split over pages may have other columns)."""
    full = [x for x in full_rows if x is not r]
    full.sort(key=lambda x: (x.table != r.table, abs(x.idx - r.idx), 0 if x.idx < r.idx else 1))
    same = [x.positions for x in full if x.table == r.table]
    other = [x.positions for x in full if x.table != r.table]
    if header is not None and header_table == r.table:
        return [*same, header, *other]
    return [*same, *other, *([header] if header is not None else [])]


# ---------------------------------------------------------------- layout


def _put(tables: dict[str, Any], prov: dict[str, Provenance], cell_id: str, slot: Slot, row: RowInfo,
         money: frozenset[str]) -> None:
    value = slot.value.value
    if value is not None and cell_id in money:
        value = float(value)
    parts = cell_id.split("/")
    node = tables
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value
    src = slot.cell.prov if slot.cell is not None and slot.cell.prov else row.row.prov
    if src:
        prov[cell_id] = dict(src)


def layout(c: Classified, template: str) -> Mapped:
    tables: dict[str, Any] = {}
    prov: dict[str, Provenance] = {}
    if template == "freeform":
        return Mapped(template, {}, {})
    spec = t2021 if template == "2021" else t2019
    money = spec.MONEY_CELLS

    # active disclosure (第二十条)
    tables["active_disclosure"] = {}
    for key, fields in spec.ACTIVE_LAYOUT.items():
        r = c.active.get(key)
        if r is None:
            continue
        n = 1 if fields is None else len(fields)
        refs = []
        head = c.active_headers.get(key)
        if head is not None:
            hpos = [float(p) for p, cell in enumerate(head.row.cells) if cell.text.strip() and not cell.spanned][1:]
            if len(hpos) == n:
                refs.append(hpos)
        got = align(r, n, refs, None, extra="first")
        if got is None:
            continue
        if fields is None:
            _put(tables, prov, f"active_disclosure/{key}", got[0], r, money)
        else:
            for f, s in zip(fields, got, strict=True):
                _put(tables, prov, f"active_disclosure/{key}/{f}", s, r, money)

    # applications
    tables["applications"] = {}
    apps = dict(c.applications)
    if template == "2021" and "other" in apps and "other.no_correction" not in apps:
        apps["other.no_correction"] = apps.pop("other")
    ncols = len(c.app_columns)
    constraint = _apps_constraint if ncols == 7 else None
    full_rows = [x for x in c.app_rows if len(x.slots) == ncols and not x.irregular]
    for key in spec.APPLICATION_ROWS:
        r = apps.get(key)
        if r is None:
            continue
        # a complete row needs no reference rows (finding them is quadratic in the rows)
        refs = [] if len(r.slots) == ncols else _nearest_refs(r, full_rows, c.app_header, c.app_header_table)
        got = align(r, ncols, refs, constraint)
        if got is None:
            continue
        for col, s in zip(c.app_columns, got, strict=True):
            _put(tables, prov, f"applications/{key}/{col}", s, r, money)

    # review / litigation
    tables["review_litigation"] = {}
    rr = c.review_row
    if rr is not None:
        got = align(rr, 15, [c.review_header] if c.review_header else [], _review_constraint)
        if got is None:
            got = _review_group_blank(rr)
        if got is not None:
            for i, s in enumerate(got):
                g, f = REVIEW_GROUPS[i // 5], REVIEW_FIELDS[i % 5]
                _put(tables, prov, f"review_litigation/{g}/{f}", s, rr, money)
    return Mapped(template, tables, prov)
