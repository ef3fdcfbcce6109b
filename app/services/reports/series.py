"""One row of a format's report for many months at once: the dashboard's trends.

Each month's row is made by the report's own code (`report.unit_rows`, with that month's
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
    fmt: FormatDef,
    unit: Unit,
    months: list[Month],
    row: str,
    codes: tuple[str, ...],
    basis: str = VALIDATED,
) -> dict[Month, dict]:
    """{month: the cells `codes` of report row `row` over `unit`} for each of `months` in which `fmt`
    is reported ({} for a month it is not in force, or with no such row). Only the bases those
    columns read are summed (a count for the month needs no April..M, nor last year)."""
    wanted, scope = statuses(basis), offices_under(unit, fmt)
    read_by = tuple(d for d in fmt.derived if d.code in codes)
    needed = dv.bases_needed(read_by)
    shown = [m for m in months if fmt.in_force(fmt.reported_in(fmt.return_month(m)))]
    spans = {m: rp.basis_months(fmt.return_month(m), needed) for m in shown}
    every = tuple(sorted({when for span in spans.values() for when in _span_months(span)}))
    srcs = agg.sources(fmt, every)
    row_defs = {m: rp.report_row_defs(fmt, fmt.return_month(m)) for m in shown}
    collapse = _collapse(fmt, row_defs.values(), srcs, row)
    indexed = rp.by_child(rp.sum_sources(srcs, scope, wanted, None, collapse)).get(None, {})
    by_month: dict[Month, dict] = defaultdict(dict)  # each month's row reads only its spans' sums
    for (when, key), sums in indexed.items():
        by_month[when][(when, key)] = sums
    targets: dict[Month, dict] = {}
    targeted = any(d.kind == dv.TARGET_PCT for d in read_by)
    found: dict[Month, dict] = {m: {} for m in months}
    for month in shown:
        figures = fmt.return_month(month)
        year = figures.fy_start
        if year not in targets:
            targets[year] = _targets(fmt, unit, figures, wanted) if targeted else {}
        columns = tuple(c for c in rp.report_columns(fmt, figures) if c.code in codes)
        read = {k: v for when in _span_months(spans[month]) for k, v in by_month.get(when, {}).items()}
        defs, span = row_defs[month], spans[month]
        rows = rp.unit_rows(fmt, figures, columns, defs, read, span, unit.name, targets[year], row, collapse)
        found[month] = rows[0].cells if rows else {}
    return found


def _span_months(spans: dict[str, tuple[Month, ...]]) -> set[Month]:
    """Every month one report month's bases sum."""
    return {when for months in spans.values() for when in months}


def _targets(fmt: FormatDef, unit: Unit, month: Month, wanted: tuple[str, ...]) -> dict:
    """The annual targets of `month`'s financial year over the unit, as the report reads them."""
    return rp.target_cells(fmt, unit, month, wanted, None).get(None, {})


def _collapse(fmt: FormatDef, row_defs, srcs: list[agg.Source], row: str) -> agg.Collapse | None:
    """The report's way of summing a total row in SQL (`collapse_for`), when it is the same for every
    month of the series (a master list changed in between: the rows are summed one by one)."""
    found = {rp.collapse_for(fmt, list(defs), srcs, row) for defs in row_defs}
    return found.pop() if len(found) == 1 else None
