"""Ruled tables from ruling lines (the "lattice" method), shared by the PDF and OCR readers.

``find_grids(segments)`` snaps and joins collinear ruling lines, groups the lines that touch into
tables, and for each table returns the grid: column edges ``xs``, row edges ``ys`` and the merged
regions (a region spans the grid cells that no ruling line separates), so a rowspan/colspan in the
source becomes one region with its spans.  Text is then assigned to regions by its centre point.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parsers.readers.pdf_layout import Segment

SNAP = 2.0  # points: lines closer than this are the same line
JOIN = 3.0  # collinear pieces with a gap up to this are one line
COVER = 0.6  # a border separates two grid cells when it covers this share of their common edge


@dataclass(slots=True)
class Region:
    row: int
    col: int
    rowspan: int
    colspan: int
    bbox: list[float]  # x0, top, x1, bottom
    items: list = field(default_factory=list)


@dataclass(slots=True)
class Grid:
    xs: list[float]
    ys: list[float]
    regions: list[Region]
    at: dict[tuple[int, int], Region]  # every grid position -> the region covering it

    @property
    def bbox(self) -> list[float]:
        return [self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]]

    def region_for(self, x: float, y: float) -> Region | None:
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        col = _index(self.xs, x)
        row = _index(self.ys, y)
        return self.at.get((row, col))


def _index(edges: list[float], v: float) -> int:
    lo, hi = 0, len(edges) - 2
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if edges[mid] <= v:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _cluster(values: list[float], snap: float) -> list[float]:
    """Sorted representative values, one per cluster of values within ``snap``."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= snap:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def _merge(segments: list[Segment]) -> list[Segment]:
    """Snap to common positions and join overlapping / nearly touching collinear pieces."""
    out: list[Segment] = []
    for horizontal in (True, False):
        segs = [s for s in segments if s.horizontal == horizontal]
        if not segs:
            continue
        centers = _cluster([s.pos for s in segs], SNAP)
        by_pos: dict[int, list[Segment]] = {}
        for s in segs:
            k = min(range(len(centers)), key=lambda i: abs(centers[i] - s.pos))
            by_pos.setdefault(k, []).append(s)
        for k, group in by_pos.items():
            group.sort(key=lambda s: s.a)
            cur = Segment(horizontal, centers[k], group[0].a, group[0].b)
            for s in group[1:]:
                if s.a <= cur.b + JOIN:
                    cur.b = max(cur.b, s.b)
                else:
                    out.append(cur)
                    cur = Segment(horizontal, centers[k], s.a, s.b)
            out.append(cur)
    return out


def _touch(h: Segment, v: Segment) -> bool:
    return h.a - JOIN <= v.pos <= h.b + JOIN and v.a - JOIN <= h.pos <= v.b + JOIN


def find_grids(segments: list[Segment]) -> list[Grid]:
    merged = _merge(segments)
    hs = [s for s in merged if s.horizontal]
    vs = [s for s in merged if not s.horizontal]
    if len(hs) < 2 or len(vs) < 2:
        return []
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if _touch(h, v):
                a, b = find(i), find(len(hs) + j)
                if a != b:
                    parent[a] = b
    groups: dict[int, tuple[list[Segment], list[Segment]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    grids = []
    for ghs, gvs in groups.values():
        if len(ghs) >= 2 and len(gvs) >= 2:
            grid = _grid(ghs, gvs)
            if grid is not None:
                grids.append(grid)
    grids.sort(key=lambda g: (g.ys[0], g.xs[0]))
    return grids


def _covered(lines: list[Segment], pos: float, a: float, b: float) -> bool:
    """Do the lines at ``pos`` cover at least COVER of the span a..b?"""
    need = (b - a) * COVER
    got = 0.0
    for s in lines:
        if abs(s.pos - pos) <= SNAP:
            got += max(0.0, min(s.b, b) - max(s.a, a))
    return got >= need


def _separates(lines: list[Segment], pos: float, edges: list[float]) -> bool:
    return any(_covered(lines, pos, a, b) for a, b in zip(edges, edges[1:], strict=False))


def _grid(hs: list[Segment], vs: list[Segment]) -> Grid | None:
    xs = _cluster([v.pos for v in vs], SNAP)
    ys = _cluster([h.pos for h in hs], SNAP)
    if len(xs) < 2 or len(ys) < 2:
        return None
    # an inner edge that separates no two cells is noise (a stroke taken for a rule): drop it
    xs = [xs[0]] + [x for x in xs[1:-1] if _separates(vs, x, ys)] + [xs[-1]]
    ys = [ys[0]] + [y for y in ys[1:-1] if _separates(hs, y, xs)] + [ys[-1]]
    v_at = [[s for s in vs if abs(s.pos - x) <= SNAP] for x in xs]
    h_at = [[s for s in hs if abs(s.pos - y) <= SNAP] for y in ys]
    nrows, ncols = len(ys) - 1, len(xs) - 1
    if nrows * ncols > 20_000:
        return None
    # union-find over grid cells: neighbours not separated by a ruling line are one region
    parent = list(range(nrows * ncols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(nrows):
        for c in range(ncols):
            if c + 1 < ncols and not _covered(v_at[c + 1], xs[c + 1], ys[r], ys[r + 1]):
                a, b = find(r * ncols + c), find(r * ncols + c + 1)
                if a != b:
                    parent[a] = b
            if r + 1 < nrows and not _covered(h_at[r + 1], ys[r + 1], xs[c], xs[c + 1]):
                a, b = find(r * ncols + c), find((r + 1) * ncols + c)
                if a != b:
                    parent[a] = b
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(nrows):
        for c in range(ncols):
            members.setdefault(find(r * ncols + c), []).append((r, c))
    regions: list[Region] = []
    at: dict[tuple[int, int], Region] = {}
    for cells in members.values():
        r0 = min(r for r, _ in cells)
        r1 = max(r for r, _ in cells)
        c0 = min(c for _, c in cells)
        c1 = max(c for _, c in cells)
        region = Region(r0, c0, r1 - r0 + 1, c1 - c0 + 1, [xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]])
        regions.append(region)
        # a non-rectangular region (broken borders) still covers every cell of its bounding box
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                at.setdefault((r, c), region)
    regions.sort(key=lambda g: (g.row, g.col))
    return Grid(xs, ys, regions, at)
