"""Benchmark rows for reports: all-India report vs a hand-written SQL GROUP BY, Excel vs raw XlsxWriter.

Both sides of each ratio are measured interleaved in the same run, on the same data.
The hand-written query computes the same sums the report needs (the month and, for
the derived columns, April..M and last year) in one GROUP BY; the report then also
recomputes formulas and totals, which is what the ratio charges it for.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text

REPORT_RATIO_TARGET, EXCEL_RATIO_TARGET, MEMORY_GROWTH_TARGET = 1.5, 1.3, 1.5


def _pair(call, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def _interleaved(calls: dict, repeat: int) -> dict[str, float]:
    """Median seconds of each call, the calls alternating run by run."""
    found: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():  # warm-up
        call()
    for _ in range(repeat):
        for name, call in calls.items():
            found[name].extend(_pair(call, 1))
    return {name: statistics.median(values) for name, values in found.items()}


def largest_format(month):
    """The format in force for `month` with the most cells (columns x defined rows)."""
    from app.services.engine import catalogue

    def cells(fmt) -> int:
        rows = len(catalogue.defined_rows(fmt, month)) if fmt.rows.kind != "free" else 1
        return rows * len(fmt.columns_in_force(month))

    return max(catalogue.definitions().formats_in_force(month), key=cells)


def hand_sql(fmt, month, per_zone: bool = False, rows: tuple[str, ...] | None = None) -> tuple[str, dict]:
    """One GROUP BY computing the sums the report needs: the month's, and FY-to-date / last year's
    where the format's derived columns ask for them, of every summed column (per Zone: by the
    validating office, as a Monthly Summary Report needs them; `rows`: only those rows, added up
    into one, as an MSR's total row needs them)."""
    from app.services.reports import derived as dv
    from app.services.reports.aggregate import summed_columns

    needed = dv.bases_needed(fmt.derived)
    spans = {
        dv.MONTH: "r.period = :m",
        dv.UPTO: "r.period BETWEEN :fy AND :m",
        dv.PREV: "r.period = :pm",
        dv.PREV_UPTO: "r.period BETWEEN :pfy AND :pm",
    }
    parts = []
    for column in summed_columns(fmt):
        name = column.db_name
        for basis, condition in spans.items():
            if basis in needed:
                parts.append(f"SUM(CASE WHEN {condition} THEN t.{name} END) AS {name}_{basis}")
    functions = ", ".join(f"'{f}'" for f in fmt.functions) or None
    function_filter = f"AND (o.kind <> 'commissionerate' OR o.function IN ({functions}))" if functions else ""
    kinds = ", ".join(f"'{k}'" for k in fmt.filled_by)
    zone = "o.parent_id, " if per_zone else ""
    row_key = "" if rows is not None else "t.row_key, "
    grouped = ", ".join(part for part in (row_key.strip(", "), zone.strip(", ")) if part)
    only_rows = f"AND t.row_key IN ({', '.join(repr(key) for key in rows)}) " if rows is not None else ""
    sql = (
        f"SELECT {zone}{row_key}{', '.join(parts)} FROM {fmt.table_name} t "  # noqa: S608 - codes from the definitions
        "JOIN mpr_return r ON r.id = t.return_id JOIN mpr_office o ON o.id = r.office_id "
        f"WHERE r.format_code = :code AND r.status = 'validated' AND o.active AND o.kind IN ({kinds}) "
        f"AND (' ' || o.segments || ' ') LIKE :segment {function_filter} {only_rows}"
        f"AND ({' OR '.join(f'({spans[b]})' for b in sorted(needed))}) GROUP BY {grouped}"
    )
    year_ago = month.shift(-12)
    params = {
        "code": fmt.code,
        "segment": f"% {fmt.segment} %",
        "m": month.first_day,
        "fy": month.fy_start.first_day,
        "pm": year_ago.first_day,
        "pfy": year_ago.fy_start.first_day,
    }
    return sql, params


def _check_same_numbers(report, records, fmt) -> None:
    from app.services.reports.aggregate import summed_columns

    by_key = {r.key: r.cells for r in report.rows}
    for record in records:
        mapping = record._mapping
        for column in (c for c in summed_columns(fmt) if c.role == "entered"):
            value, expected = (
                by_key.get(mapping["row_key"], {}).get(column.code),
                mapping[f"{column.db_name}_month"],
            )
            cents = Decimal("0.01")
            if (value is None) != (expected is None) or (
                value is not None
                and Decimal(str(value)).quantize(cents) != Decimal(str(expected)).quantize(cents)
            ):
                raise RuntimeError(f"report and SQL differ: {mapping['row_key']} {column.code}")


def _query_count(engine, call) -> int:
    from sqlalchemy import event

    seen = []

    def listener(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN", "COMMIT")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def measure_report(application, month, repeat: int, row_class) -> list:
    """All-India report of the largest format vs the hand-written GROUP BY; query counts."""
    from app.extensions import db
    from app.services.reports.report import build_report
    from app.services.reports.scope import resolve_unit

    with application.app_context():
        fmt = largest_format(month)
        sql, params = hand_sql(fmt, month)
        india = resolve_unit("INDIA")

        def report():
            return build_report(fmt, india, month)

        def raw():
            return db.session.execute(text(sql), params).all()

        _check_same_numbers(report(), raw(), fmt)
        medians = _interleaved({"report": report, "sql": raw}, repeat)
        zone_code = next(c.code for c in build_report(fmt, india, month, by_children=True).children)
        queries_india = _query_count(db.engine, report)
        zone = resolve_unit(zone_code)
        queries_zone = _query_count(db.engine, lambda: build_report(fmt, zone, month))
    ratio = medians["report"] / medians["sql"]
    label = f"{fmt.code} ({len(fmt.columns_in_force(month))} columns), {month}"
    return [
        row_class(f"report: all-India {label}, median of {repeat}", f"{medians['report'] * 1000:.1f} ms"),
        row_class("  hand-written SQL GROUP BY, same sums (interleaved)", f"{medians['sql'] * 1000:.1f} ms"),
        row_class(
            "  ratio report / SQL",
            f"{ratio:.2f}x",
            f"<= {REPORT_RATIO_TARGET}x",
            ratio <= REPORT_RATIO_TARGET,
        ),
        row_class(
            f"queries: report INDIA / one Zone ({zone_code})",
            f"{queries_india} / {queries_zone}",
            "equal",
            queries_india == queries_zone,
        ),
    ]


def measure_summary(application, month, repeat: int, row_class) -> list:
    """A Monthly Summary Report (a line per Zone, ranked) vs the hand-written GROUP BY per Zone."""
    from app.extensions import db
    from app.services.engine import catalogue
    from app.services.reports.summary import build_summary

    with application.app_context():
        summaries = list(catalogue.definitions().summaries.values())
        in_force = [s for s in summaries if catalogue.definitions().format(s.format).in_force(month)]
        if not in_force:
            return [row_class(f"MSR: none in force for {month}", "-")]
        summary = max(in_force, key=lambda s: len(catalogue.definitions().format(s.format).columns))
        fmt = catalogue.definitions().format(summary.format)
        members = _total_members(fmt, month, summary.row)
        sql, params = hand_sql(fmt, month, per_zone=True, rows=members)

        def msr():
            return build_summary(summary, month)

        def raw():
            return db.session.execute(text(sql), params).all()

        lines = len(msr().lines)
        _check_same_zone_sums(msr(), raw(), fmt)
        medians = _interleaved({"msr": msr, "sql": raw}, repeat)
    ratio = medians["msr"] / medians["sql"]
    return [
        row_class(
            f"MSR: {summary.code}, {lines} Zones ranked, median of {repeat}",
            f"{medians['msr'] * 1000:.1f} ms",
        ),
        row_class(
            "  hand-written SQL: its row per Zone, same sums (interleaved)", f"{medians['sql'] * 1000:.1f} ms"
        ),
        row_class(
            "  ratio MSR / SQL", f"{ratio:.2f}x", f"<= {REPORT_RATIO_TARGET}x", ratio <= REPORT_RATIO_TARGET
        ),
    ]


def _total_members(fmt, month, key: str) -> tuple[str, ...]:
    """The data rows that the MSR's row adds up (the row itself when it is a data row)."""
    from app.services.engine import catalogue

    rows = catalogue.defined_rows(fmt, month)
    row = next(r for r in rows if r.key == key)
    if not row.is_total:
        return (row.key,)
    data = tuple(r.key for r in rows if not r.is_total and r.role != "computed")
    return tuple(k for k in (row.members or data) if k in data)


def _check_same_zone_sums(summary, records, fmt) -> None:
    """The MSR's Zone lines and the hand-written SQL agree on every entered column's month sum."""
    from app.extensions import db
    from app.models.org import Office
    from app.services.reports.aggregate import summed_columns

    codes = dict(db.session.execute(select(Office.id, Office.code).where(Office.kind == "zone")).all())
    by_zone = {line.unit: line.cells for line in summary.lines}
    shown = set(summary.summary.columns)
    for record in records:
        mapping = record._mapping
        cells = by_zone.get(codes.get(mapping["parent_id"]), {})
        for column in (c for c in summed_columns(fmt) if c.role == "entered" and c.code in shown):
            value, expected = cells.get(column.code), mapping[f"{column.db_name}_month"]
            if (value is None) != (expected is None) or (
                value is not None and Decimal(str(value)) != Decimal(str(expected))
            ):
                raise RuntimeError(f"MSR and SQL differ: {mapping['parent_id']} {column.code}")


def _raw_xlsx(report, path: Path) -> None:
    """The same cells written with bare XlsxWriter: labels, numbers, formatted blanks, one format each."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("raw")
    number, label = book.add_format({"border": 1, "num_format": "0.00"}), book.add_format({"border": 1})
    codes = [c.code for c in report.columns]
    row_index = 0
    for child in report.children:
        for row in child.rows:
            sheet.write_string(row_index, 0, row.label, label)
            for index, code in enumerate(codes, start=1):
                value = row.cells.get(code)
                if value is None:
                    sheet.write_blank(row_index, index, None, number)
                else:
                    sheet.write_number(row_index, index, float(value), number)
            row_index += 1
    book.close()


def _peak_memory(call) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure_excel(application, month, repeat: int, row_class) -> list:
    """Excel of an office-level national report: time vs raw XlsxWriter, peak memory as rows double."""
    from app.presenters.report_workbook import write_workbook
    from app.services.reports.report import build_report
    from app.services.reports.scope import resolve_unit

    with application.app_context(), application.test_request_context():
        fmt = largest_format(month)
        full = build_report(fmt, resolve_unit("INDIA"), month, by_children="offices")
        half = build_report(fmt, resolve_unit("INDIA"), month, by_children="offices")
        half.children = full.children[: len(full.children) // 2]
        workdir = Path(tempfile.mkdtemp(prefix="mpr-bench-xlsx-"))
        ours, raw = workdir / "ours.xlsx", workdir / "raw.xlsx"
        medians = _interleaved(
            {"ours": lambda: write_workbook([full], str(ours)), "raw": lambda: _raw_xlsx(full, raw)}, repeat
        )
        peak_half = _peak_memory(lambda: write_workbook([half], str(ours)))
        peak_full = _peak_memory(lambda: write_workbook([full], str(ours)))
    cells = sum(len(c.rows) for c in full.children) * len(full.columns)
    ratio, growth = medians["ours"] / medians["raw"], peak_full / max(peak_half, 1)
    return [
        row_class(
            f"Excel: INDIA by office, {len(full.children)} offices, {cells} cells, median of {repeat}",
            f"{medians['ours'] * 1000:.0f} ms",
        ),
        row_class("  raw XlsxWriter, same cells (interleaved)", f"{medians['raw'] * 1000:.0f} ms"),
        row_class(
            "  ratio Excel / raw", f"{ratio:.2f}x", f"<= {EXCEL_RATIO_TARGET}x", ratio <= EXCEL_RATIO_TARGET
        ),
        row_class(
            "  peak Python memory, half / all offices",
            f"{peak_half / 1e6:.1f} / {peak_full / 1e6:.1f} MB",
            f"growth <= {MEMORY_GROWTH_TARGET}x",
            growth <= MEMORY_GROWTH_TARGET,
        ),
    ]
