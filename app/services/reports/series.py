"""One row of a format's report for many months at once: the dashboard's trends.

Each month's row is made by the report's own code (`report._rows`, with that month's
spans: the month, April..M, the same month last year, April..M last year, and the year's
target), so a month of a series equals `build_report(fmt, unit, month, row_only=row)`
exactly. The sums of every month come from one aggregate query per format table (and one
per financial year of targets) instead of one report per month.
"""

from __future__ import annotations

from collections import defaultdict

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.services.reports import aggregate as agg
from app.services.reports import derived as dv
from app.services.reports import report as rp
from app.services.reports.scope import VALIDATED, Unit, offices_under, statuses


def row_series(
    fmt: FormatDef, unit: Unit, months: list[Month], row: str, basis: str = VALIDATED
) -> dict[Month, dict]:
    """{month: the cells of report row `row` over `unit`} for each of `months` in which `fmt` is
    reported ({} for a month it is not in force, or with no such row)."""
    wanted, scope = statuses(basis), offices_under(unit, fmt)
    needed = dv.bases_needed(fmt.derived)
    shown = [m for m in months if fmt.in_force(fmt.reported_in(fmt.return_month(m)))]
    spans = {m: rp._months(fmt.return_month(m), needed) for m in shown}
    every = tuple(sorted({when for span in spans.values() for when in _span_months(span)}))
    srcs = agg.sources(fmt, every)
    indexed = rp._by_child(rp._aggregates(srcs, scope, wanted, None)).get(None, {})
    by_month: dict[Month, dict] = defaultdict(dict)  # each month's row reads only its spans' sums
    for (when, key), sums in indexed.items():
        by_month[when][(when, key)] = sums
    targets: dict[Month, dict] = {}
    found: dict[Month, dict] = {m: {} for m in months}
    for month in shown:
        figures = fmt.return_month(month)
        year = figures.fy_start
        if year not in targets:
            targets[year] = rp.target_cells(fmt, unit, figures, wanted, None).get(None, {})
        columns = rp.report_columns(fmt, figures)
        row_defs = rp._report_rows(fmt, figures)
        read = {k: v for when in _span_months(spans[month]) for k, v in by_month.get(when, {}).items()}
        rows = rp._rows(fmt, figures, columns, row_defs, read, spans[month], unit.name, targets[year], row)
        found[month] = rows[0].cells if rows else {}
    return found


def _span_months(spans: dict[str, tuple[Month, ...]]) -> set[Month]:
    """Every month one report month's bases sum."""
    return {when for months in spans.values() for when in months}
