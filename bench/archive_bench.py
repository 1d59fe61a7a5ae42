#!/usr/bin/env python
"""Archive benchmark: fill PostgreSQL with 100,000 synthetic reports (20 million cells) and time
the typical auditor queries.

Prints the insert rate (reports/s and cells/s, through ``storage.bulk``, the archive's bulk
path), the floor of this machine (the same cell rows COPYed into a bare table), and p50/p95 latency of: one agency across years; all reports of a region and year with
totals; every report violating a rule.  Targets: insert >= 2,000 reports/s; each query p95 < 50 ms.

    .venv/bin/python bench/archive_bench.py                       # 100,000 reports into nianbao_bench
    .venv/bin/python bench/archive_bench.py --reports 5000 --database-url postgresql://postgres@127.0.0.1/nb_small

The database is created when absent (from the server's ``test`` database) and kept afterwards, so
``bench/query_bench.py`` can run on it; ``--recreate`` starts from scratch.  Synthetic reports are
made from a real seed record with randomised numbers; their blob rows carry a sha256 but the bench
does not write 100,000 files into a blob store.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nianbao.settings import Settings, normalize_database_url  # noqa: E402
from storage import db  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.bulk import CELLS_COPY, BulkReport, bulk_insert_batches, cell_copy_text  # noqa: E402
from storage.models import Cell, CheckResult, Report, Unit  # noqa: E402
from storage.records import flatten_tables, unflatten_cells  # noqa: E402

SEED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "seeds" / "001_ab80fa04835be33b.truth.json"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/nianbao_bench"
AGENCY_SUFFIXES = ["人民政府", "人民政府办公室", "发展和改革局", "教育局", "公安局", "民政局", "财政局",
                   "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "农业农村局", "卫生健康委员会",
                   "市场监督管理局", "行政审批服务管理局", "应急管理局", "退役军人事务局", "医疗保障局", "统计局", "审计局"]


def ensure_database(url: str, recreate: bool) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="test"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
        if exists and recreate:
            conn.execute(text(f'DROP DATABASE "{parsed.database}" WITH (FORCE)'))
            exists = None
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def county_codes(n: int, rng: random.Random) -> list[tuple[str, str]]:
    import cpca

    codes = sorted({k[:6] for k in cpca.ad_2_addr_dict if not k[:6].endswith("00")})
    rng.shuffle(codes)
    return [(c, cpca.adcode_name(c) or c) for c in codes[:n]]


def make_record(base: dict, rng: random.Random, violate: bool) -> dict:
    rec = copy.deepcopy(base)
    cells = flatten_tables(rec["tables"])
    cols = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
            "legal_service_org", "other_org"]
    for cell_id in cells:
        cells[cell_id] = rng.randint(0, 40) if not cell_id.endswith("fees") else round(rng.random() * 3, 2)
    for row in {c.split("/")[1] for c in cells if c.startswith("applications/")}:
        cells[f"applications/{row}/total"] = sum(cells[f"applications/{row}/{c}"] for c in cols)
    rec["tables"] = unflatten_cells(cells)
    rec["checks"] = ([{"rule": "applications.balance", "column": "total", "message": "new + carried != total + next"}]
                     if violate else [])
    rec["provenance"] = {cid: {"page": 3 + i // 80, "bbox": [72.0 + (i % 7) * 60, 100.0 + (i % 40) * 15,
                                                             120.0 + (i % 7) * 60, 112.0 + (i % 40) * 15]}
                         for i, cid in enumerate(cells)}
    return rec


FLOOR_STEPS = (
    ("bare table", ""),
    ("+ primary key (report_id, cell_key)", "ALTER TABLE bench_copy_floor ADD PRIMARY KEY (report_id, cell_key)"),
)


def copy_floor(archive: Archive, base: dict, rng: random.Random, reports: int) -> None:
    """What this machine's PostgreSQL does without the rest of the load: the same cell rows of ``reports``
    existing reports, made ahead, COPYed over one connection into a table with the cells' columns, bare, then
    with the cells table's primary key (the cells table adds its statement-level reference check)."""
    with archive.engine.connect() as conn:
        report_ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM reports ORDER BY id LIMIT %s", (reports,))]
    text_rows = []
    for report_id in report_ids:
        rec = make_record(base, rng, violate=False)
        text_rows.append(cell_copy_text(report_id, flatten_tables(rec["tables"]),
                                        rec["provenance"]))
    cells = sum(t.count("\n") for t in text_rows)
    print(f"floor: {len(report_ids)} reports' {cells} cell rows COPYed over one connection into a scratch table:")
    ddl: list[str] = []
    for name, step in FLOOR_STEPS:
        ddl += [step] if step else []
        with archive.engine.connect() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS bench_copy_floor")
            conn.exec_driver_sql("CREATE TABLE bench_copy_floor (LIKE cells)")
            for statement in ddl:
                conn.exec_driver_sql(statement)
            conn.commit()
            raw = conn.connection.driver_connection
            assert raw is not None
            t0 = time.perf_counter()
            with raw.cursor() as cur, cur.copy(CELLS_COPY.replace("COPY cells", "COPY bench_copy_floor")) as copy:
                for t in text_rows:
                    copy.write(t)
            conn.commit()
            seconds = time.perf_counter() - t0
            conn.exec_driver_sql("DROP TABLE bench_copy_floor")
            conn.commit()
        print(f"  {name:38} {cells / seconds:9.0f} cells/s = {len(report_ids) / seconds:6.0f} reports/s")


def timed(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=DEFAULT_URL)
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--batch", type=int, default=2000, help="reports per transaction")
    ap.add_argument("--connections", type=int, default=2, help="batches loaded at once, one connection each")
    ap.add_argument("--runs", type=int, default=200, help="repetitions of each query")
    ap.add_argument("--recreate", action="store_true")
    ap.add_argument("--no-floor", action="store_true", help="skip the bare-table COPY floor measurement")
    args = ap.parse_args()
    url = normalize_database_url(args.database_url)
    rng = random.Random(20240126)

    ensure_database(url, args.recreate)
    db.upgrade(url)
    settings = Settings.from_env({"NIANBAO_HOME": "/tmp/nianbao-bench", "NIANBAO_DATABASE_URL": url})
    archive = Archive.open(settings)
    base = json.loads(SEED.read_text(encoding="utf-8"))
    years = list(range(2023 - args.years + 1, 2024))
    n_units = args.reports // len(years)

    with archive.session() as s:
        have_units = s.scalar(select(func.count()).select_from(Unit)) or 0
        have_reports = s.scalar(select(func.count()).select_from(Report)) or 0
    if have_reports >= args.reports:
        print(f"archive already holds {have_reports} reports: timing queries only (--recreate to reload)")
    else:
        if have_units < n_units:
            places = county_codes(n_units // len(AGENCY_SUFFIXES) + 1, rng)
            rows = []
            for code, name in places:
                for suffix in AGENCY_SUFFIXES:
                    rows.append({"name": name + suffix, "region_code": code, "region_name": name, "level": "county",
                                 "kind": "government" if suffix == "人民政府" else "department"})
            with archive.session() as s:
                s.execute(insert(Unit), rows[:n_units])
        with archive.session() as s:
            units = s.execute(select(Unit.id, Unit.name, Unit.region_code).order_by(Unit.id).limit(n_units)).all()
        todo = [(u, y) for y in years for u in units]
        gen_seconds = load_seconds = load_cpu = 0.0
        cells = 0
        # records are made ahead, a chunk at a time (untimed); the chunk's batches are then loaded over
        # --connections connections at once (timed)
        chunk = args.batch * max(args.connections, 1) * 6
        for start in range(0, len(todo), chunk):
            t0 = time.perf_counter()
            batches: list[list[BulkReport]] = []
            for offset in range(start, min(start + chunk, len(todo)), args.batch):
                items = []
                for (uid, uname, code), year in todo[offset:offset + args.batch]:
                    rec = make_record(base, rng, violate=rng.random() < 0.05)
                    rec.update(agency=uname, region=None, year=year, published=f"{year + 1}-01-{rng.randint(10, 31)}")
                    sha = hashlib.sha256(f"{uid}/{year}".encode()).hexdigest()
                    items.append(BulkReport(unit_id=uid, year=year, blob_sha256=sha, record=rec, region_code=code,
                                            media_type="application/pdf", size=150_000, parser_version="bench",
                                            source={"portal": "bench", "url": f"http://127.0.0.1/{uid}/{year}.html"}))
                    cells += 200
                batches.append(items)
            t1, c1 = time.perf_counter(), time.process_time()
            bulk_insert_batches(archive, batches, connections=args.connections)
            t2 = time.perf_counter()
            load_cpu += time.process_time() - c1
            gen_seconds += t1 - t0
            load_seconds += t2 - t1
            done = start + sum(len(b) for b in batches)
            print(f"  {done:>7} reports  {done / load_seconds:8.0f} reports/s  {cells / load_seconds:10.0f} cells/s",
                  end="\r", flush=True)
        print()
        print(f"insert: {len(todo)} reports, {cells} cells in {load_seconds:.1f} s: "
              f"{len(todo) / load_seconds:.0f} reports/s, {cells / load_seconds:.0f} cells/s "
              f"(+ {gen_seconds:.1f} s generating records)   target >= 2000 reports/s")
        print(f"  loader CPU (this process): {load_cpu * 1000 / len(todo):.2f} ms per report, "
              f"{load_cpu / load_seconds:.2f} cores; PostgreSQL has the rest of the machine's {os.cpu_count()}")
        # what an operator does after a bulk load (autovacuum would get there later): statistics, and every
        # new row marked visible once, so the first queries do not each set hint bits and write pages back
        with archive.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))

    if not args.no_floor:
        copy_floor(archive, base, rng, args.batch)

    with archive.session() as s:
        unit_ids = list(s.scalars(select(Unit.id).limit(5000)))
        cities = sorted({c[:4] for c in s.scalars(select(Unit.region_code).distinct().limit(2000))})

    def one_agency() -> None:
        uid = rng.choice(unit_ids)
        with archive.engine.connect() as conn:
            reports = conn.execute(select(Report.id, Report.year).where(Report.unit_id == uid, Report.is_canonical)
                                   .order_by(Report.year)).all()
            conn.execute(select(Cell.report_id, Cell.cell_id, Cell.value)
                         .where(Cell.report_id.in_([r.id for r in reports]))).all()

    def region_year() -> None:
        prefix = rng.choice(cities)
        lo, hi = prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
        with archive.engine.connect() as conn:
            conn.execute(
                select(Report.id, Unit.name, Report.checks_failed, Cell.value)
                .join(Unit, Unit.id == Report.unit_id)
                .outerjoin(Cell, (Cell.report_id == Report.id) & (Cell.cell_id == "applications/new_received/total"))
                .where(Report.year == rng.choice(years), Report.is_canonical,
                       Report.region_code >= lo, Report.region_code < hi)
                .order_by(Unit.name).limit(500)).all()

    def violations() -> None:
        with archive.engine.connect() as conn:
            conn.execute(
                select(Report.id, Unit.name, CheckResult.rule, CheckResult.message)
                .join(Report, Report.id == CheckResult.report_id).join(Unit, Unit.id == Report.unit_id)
                .where(CheckResult.rule == "applications.balance", Report.year == rng.choice(years),
                       Report.is_canonical)
                .order_by(Report.id).limit(100).offset(rng.randint(0, 5) * 100)).all()

    print(f"queries ({args.runs} runs each; target p95 < 50 ms):")
    for name, fn in [("one agency across years", one_agency), ("region and year with totals", region_year),
                     ("reports violating a rule", violations)]:
        p50, p95 = timed(fn, args.runs)
        print(f"  {name:32} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main()
