"""Benchmark rows for the bulk load of past months: 300 offices x 12 months of a carried format.

Run in a fresh process (`python -m bench.run --probe bulk`) on its own SQLite file: the
demo seed, then 25 zones of 12 executive GST commissionerates (300 offices filing
DPM-GST-ADJ-2, which carries its openings), then a workbook (.xlsx, sheet Data) with
one line per office and month whose openings are the closings before them. Measured:
the plan (reading the workbook included) and the apply, wall and CPU time, and the
process's peak resident memory (ru_maxrss) before and after each phase.
"""

from __future__ import annotations

import io
import random
import resource
import sys
import time
from decimal import Decimal

FORMAT = "DPM-GST-ADJ-2"
ZONES, PER_ZONE, MONTHS = 25, 12, 12
LOADER = "dgicce"  # the format's owner in the demo seed


def _rss_mb() -> float:
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / scale / 1024


def _offices() -> list[str]:
    """Insert the 300 commissionerates (and their zones); their codes."""
    from app.demo.national import OfficeSpec, insert_offices
    from app.models.org import OfficeKind

    specs, codes = [], []
    for zone in range(1, ZONES + 1):
        zone_code = f"BZ{zone:02d}"
        specs.append(OfficeSpec(zone_code, f"Bench Zone {zone}", OfficeKind.ZONE, None, "CE GST"))
        for index in range(1, PER_ZONE + 1):
            code = f"{zone_code}-C{index:02d}"
            name = f"Bench Commissionerate {zone}-{index}"
            kind = OfficeKind.COMMISSIONERATE
            specs.append(OfficeSpec(code, name, kind, zone_code, "CE GST", "executive"))
            codes.append(code)
    insert_offices(specs)
    return codes


def _line(rng: random.Random, opening_no: int, opening_amt: Decimal) -> tuple[list, int, Decimal]:
    receipt_no, revenue_no = rng.randint(1, 9), rng.randint(0, 3)
    revenue_no = min(revenue_no, opening_no + receipt_no)
    receipt_amt = Decimal(rng.randint(1, 90_000)) / 100
    revenue_amt = min(Decimal(rng.randint(0, 30_000)) / 100, opening_amt + receipt_amt)
    closing_no = opening_no + receipt_no - revenue_no
    closing_amt = opening_amt + receipt_amt - revenue_amt
    young = rng.randint(0, closing_no)
    cells = [opening_no, float(opening_amt), receipt_no, float(receipt_amt), revenue_no, float(revenue_amt)]
    cells += [0, 0.0, young, closing_no - young, 0]
    return cells, closing_no, closing_amt


def workbook(codes: list[str], months: list) -> bytes:
    """The owner's workbook: one line per office and month, each opening the closing before it."""
    import openpyxl

    from app.services.exchange.bulk_layout import FIXED_HEADERS

    header = [*FIXED_HEADERS, "OPENING_NO", "OPENING_AMT", "RECEIPT_NO", "RECEIPT_AMT"]
    header += ["DISPOSAL_REVENUE_NO", "DISPOSAL_REVENUE_AMT", "DISPOSAL_TAXPAYER_NO", "DISPOSAL_TAXPAYER_AMT"]
    header += ["AGE_UPTO_6M_NO", "AGE_6_12M_NO", "AGE_GT_1Y_NO"]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    sheet.append(header)
    rng = random.Random(2026)
    for code in codes:
        opening_no, opening_amt = rng.randint(0, 20), Decimal(rng.randint(0, 99_999)) / 100
        for month in months:
            cells, opening_no, opening_amt = _line(rng, opening_no, opening_amt)
            sheet.append([code, str(month), None, *cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _traced_plan_mb(actor, fmt, data: bytes) -> float:
    """The peak of Python allocations (tracemalloc) during one plan, in MB (an untimed extra run)."""
    import tracemalloc

    from app.services.exchange import bulk

    tracemalloc.start()
    try:
        bulk.plan_load(actor, fmt, bulk.open_upload("bench.xlsx", data))
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def probe() -> dict:
    """Set up, then time the plan and the apply of the 300 x 12 load (run in a fresh process)."""
    from app import create_app
    from app.config_paths import SEED_DIR
    from app.definitions.months import Month
    from app.security.actor import actor_for
    from app.services.accounts.seeding import seed_demo
    from app.services.engine import catalogue
    from app.services.engine.grid import last_open_month
    from app.services.exchange import bulk
    from app.services.sync.sync_all import sync_all
    from config import Config

    application = create_app(Config)
    with application.app_context():
        sync_all()
        seed_demo(SEED_DIR / "organisation.yaml", application.config["MPR_MASTERS"])
        codes = _offices()
        last = last_open_month()
        months = [Month(last.year - 2, 4).shift(i) for i in range(MONTHS)]  # a past financial year
        data = workbook(codes, months)
        actor = actor_for(application.appbuilder.sm.find_user(username=LOADER))
        fmt = catalogue.definitions().format(FORMAT)
        traced = _traced_plan_mb(actor, fmt, data)
        before = _rss_mb()
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        plan = bulk.plan_load(actor, fmt, bulk.open_upload("bench.xlsx", data))
        planned = (time.perf_counter() - start_wall, time.process_time() - start_cpu, _rss_mb())
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        result = bulk.apply_load(actor, plan, "validated") if plan.ok else None
        applied = (time.perf_counter() - start_wall, time.process_time() - start_cpu, _rss_mb())
    return {
        "offices": len(codes),
        "months": len(months),
        "bytes": len(data),
        "returns": len(plan.returns),
        "errors": len(plan.errors) + len(plan.disagreements),
        "stored": result.returns if result is not None else 0,
        "rss_before": before,
        "plan_python_peak": traced,
        "plan": planned,
        "apply": applied,
    }


def rows(found: dict, row_class) -> list:
    """The table rows of one probe's result."""
    label = f"bulk load, {found['offices']} offices x {found['months']} months of {FORMAT}"
    ok = found["errors"] == 0 and found["stored"] == found["returns"]
    size = f"{found['returns']} returns, {found['bytes'] / 1024:.0f} KiB .xlsx"
    out = [row_class(f"{label}: file", size, "all stored, no problem", ok)]
    for phase in ("plan", "apply"):
        wall, cpu, rss = found[phase]
        value = f"{wall:.2f} s (cpu {cpu:.2f}), peak RSS {rss:.0f} MB"
        out.append(row_class(f"{label}: {phase}", value))
    out.append(row_class(f"  {label}: peak RSS before the plan (setup)", f"{found['rss_before']:.0f} MB"))
    out.append(row_class(f"  {label}: plan, peak Python allocations", f"{found['plan_python_peak']:.0f} MB"))
    return out
