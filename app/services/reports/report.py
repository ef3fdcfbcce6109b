"""One report: a format aggregated over a unit for a month, with derived columns and completeness.

Rules (docs/definitions.md "Reports"): entered and carried counts and amounts are
summed in SQL; computed cells are recomputed from the sums with their own formula
(a ratio of sums); total rows are recomputed from their member rows; derived columns
come from four bases (the month, up to the month, same month last year, up to it last
year). Free-row formats aggregate to one row: the cases counted, numbers summed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.definitions.column_types import column_type
from app.definitions.months import Month
from app.definitions.schema import FormatDef, RowDef
from app.i18n import local
from app.services.engine import calculation, catalogue
from app.services.engine.grid import ShownRow
from app.services.reports import aggregate as agg
from app.services.reports import derived as dv
from app.services.reports.scope import VALIDATED, Unit, child_key, offices_under, statuses


@dataclass(frozen=True)
class ReportColumn:
    """A column as a report shows it: a format column or a derived one."""

    code: str
    label: str
    kind: str  # entered | carried | computed | derived
    type: str
    number: int
    group_path: tuple[str, ...] = ()
    derived_kind: str | None = None
    of: str | None = None

    @property
    def decimals(self) -> int:
        """Decimal places shown (the column type registry's)."""
        places = column_type(self.type).places
        return places if places is not None else 2

    @property
    def is_numeric(self) -> bool:
        """Whether the column holds numbers."""
        return column_type(self.type).numeric


@dataclass
class ReportRow(ShownRow):
    """One row of a report (data or total)."""

    cases: int | None = None  # free-row formats: how many rows (cases) were summed


@dataclass(frozen=True)
class Completeness:
    """How many offices the report expects and includes, and which are missing."""

    expected: int
    included: int
    missing: tuple[tuple[str, str], ...]  # (code, name)


@dataclass
class ChildReport:
    """The same report one level down (a Zone under INDIA, an office under a Zone)."""

    code: str
    name: str
    rows: list[ReportRow]
    completeness: Completeness


@dataclass
class Report:
    """Everything a report page, print view, API and workbook show."""

    fmt: FormatDef
    unit: Unit
    month: Month
    basis: str
    columns: tuple[ReportColumn, ...]
    rows: list[ReportRow]
    completeness: Completeness
    amended: tuple[str, ...]
    generated_at: dt.datetime
    children: list[ChildReport] | None = None

    @property
    def temporary(self) -> bool:
        """Whether the figures include submitted, unvalidated returns."""
        return self.basis != VALIDATED


def report_columns(fmt: FormatDef, month: Month) -> tuple[ReportColumn, ...]:
    """The format's columns in force for `month`, then its derived columns numbered on."""
    columns = [
        ReportColumn(c.code, c.label, c.role, c.type, c.number, c.group_path)
        for c in fmt.columns_in_force(month)
        if c.in_reports
    ]
    in_force = {c.code: c for c in fmt.columns_in_force(month)}
    number = max((c.number for c in fmt.columns), default=0)
    for extra in fmt.derived:
        if extra.of not in in_force:
            continue
        number += 1
        of_type = in_force[extra.of].type
        columns.append(
            ReportColumn(
                extra.code,
                extra.label,
                "derived",
                dv.derived_type(extra, of_type),
                number,
                (),
                extra.kind,
                extra.of,
            )
        )
    return tuple(columns)


def basis_months(month: Month, needed: set[str]) -> dict[str, tuple[Month, ...]]:
    """The months each basis sums."""

    def fy(until: Month) -> tuple[Month, ...]:
        months, current = [], until.fy_start
        while current <= until:
            months.append(current)
            current = current.next()
        return tuple(months)

    year_ago = month.shift(-12)
    spans = {dv.MONTH: (month,), dv.UPTO: fy(month), dv.PREV: (year_ago,), dv.PREV_UPTO: fy(year_ago)}
    return {basis: spans[basis] for basis in needed}


def report_row_defs(fmt: FormatDef, month: Month) -> list[RowDef]:
    """The rows a report of the month shows (one line for all the cases of a free-row format)."""
    if fmt.rows.kind == "free":
        label = _("All %(rows)s cases", rows=local(fmt.rows.free_label).lower())
        return [RowDef(agg.FREE_ROWS_KEY, label)]
    return list(catalogue.defined_rows(fmt, month))


def _basis_cells(
    fmt: FormatDef,
    month: Month,
    row_defs: list[RowDef],
    sums: dict[str, dict],
    cumulative: bool,
    totals_only: bool = False,
    collapsed: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Cells of every row on one basis: formulas recomputed from the sums, totals from members
    (`totals_only`: the data rows are only read by their totals, which add their entered and carried
    cells and recompute the rest, so the data rows' own formulas are not worked out; `collapsed`:
    the sums are that total row's members already added up in SQL)."""
    carried = {c.code for c in fmt.columns if c.role == "carried"}
    if collapsed is not None:
        if collapsed not in sums:
            return {collapsed: {}}
        base = dict(sums[collapsed])
        if cumulative:  # as for each member row below
            base.update(dict.fromkeys(carried))
        return {collapsed: calculation.total_cells(fmt, month, [base])}
    balances = balance_rows(fmt) if cumulative else frozenset()
    bases: dict[str, dict[str, Any]] = {}
    for row in row_defs:
        if row.is_total or row.role == "computed":
            continue
        base = dict(sums.get(row.key, {}))
        if cumulative:  # a balance summed over months means nothing: left blank
            base.update(dict.fromkeys(carried))
        if row.key in balances:
            base = {}
        bases[row.key] = base
    # computed rows are recomputed over the summed rows, never summed themselves
    with_figures = {k: b for k, b in bases.items() if b}
    computed = with_figures if totals_only else calculation.compute_rows(fmt, month, with_figures)
    cells: dict[str, dict[str, Any]] = {}
    for row in row_defs:
        if not row.is_total:
            found = computed.get(row.key, {})
            has_figures = row.key not in balances and any(value is not None for value in found.values())
            cells[row.key] = found if has_figures else {}
    data_keys = tuple(key for key in cells if fmt.row_role(key) != "computed")
    for row in row_defs:
        if row.is_total:
            members = row.members or data_keys
            present = [cells[k] for k in members if cells.get(k)]
            cells[row.key] = calculation.total_cells(fmt, month, present) if present else {}
    return cells


def balance_rows(fmt: FormatDef) -> frozenset[str]:
    """Rows that are stocks, blank on cumulative bases: carried rows and computed rows reading one."""
    found = {row.key for row in fmt.rows.rows if row.carry}
    for row in fmt.rows.computed:  # in order: a computed row after those it reads
        if row.formula.names & found:
            found.add(row.key)
    return frozenset(found)


def collapse_for(
    fmt: FormatDef, row_defs: list[RowDef], srcs: list[agg.Source], row_only: str | None
) -> agg.Collapse | None:
    """How a total row shown alone can be summed in SQL: its plain data rows added up in the query
    (None when the row is not a total, the format has free rows, or a member is a stock)."""
    row = next((r for r in row_defs if r.key == row_only and r.is_total), None)
    if row is None or fmt.rows.kind == "free":
        return None
    data_keys = tuple(r.key for r in row_defs if not r.is_total and r.role != "computed")
    members = tuple(k for k in (row.members or data_keys) if k in data_keys)
    if any(balance_rows(source.fmt) & set(members) for source in srcs):
        return None
    return agg.Collapse(row.key, members)


def by_child(aggregates: agg.Aggregates) -> dict[Any, dict[tuple[Month, str], dict]]:
    """The aggregates indexed by child unit (None when not drilled down)."""
    found: dict[Any, dict[tuple[Month, str], dict]] = defaultdict(dict)
    for (month, kid, key), sums in aggregates.items():
        found[kid][(month, key)] = sums
    return found


def _sum_months(indexed: dict[tuple[Month, str], dict], months: tuple[Month, ...]) -> dict[str, dict]:
    """{row key: sums} over `months` (the April..M sums are added here, at most 12 per row)."""
    wanted, found = set(months), defaultdict(dict)
    for (when, key), sums in indexed.items():
        if when not in wanted:
            continue
        target = found[key]
        for code, value in sums.items():
            if value is not None:
                target[code] = value + target[code] if target.get(code) is not None else value
    return found


def unit_rows(
    fmt: FormatDef,
    month: Month,
    columns,
    row_defs,
    indexed,
    spans,
    name: str,
    targets=None,
    shown_only: str | None = None,
    collapse: agg.Collapse | None = None,
) -> list[ReportRow]:
    """The report rows of one unit from its aggregates (and its annual targets' cells by row;
    `shown_only`: that row alone is made; `collapse`: the aggregates hold only that total row)."""
    by_basis = {dv.target_basis(code): cells for code, cells in (targets or {}).items()}
    cases = _sum_months(indexed, spans[dv.MONTH])
    totals_only = shown_only is not None and any(r.is_total and r.key == shown_only for r in row_defs)
    for basis, months in spans.items():
        # each basis is computed with the format version in force in its last month (a replaced
        # format's own formulas for last year), then read by column code
        version = agg.version_for(fmt, months[-1])
        sums = _sum_months(indexed, months)
        collapsed = collapse.key if collapse is not None else None
        by_basis[basis] = _basis_cells(
            version, months[-1], row_defs, sums, basis != dv.MONTH, totals_only, collapsed
        )
    derived = {d.code: d for d in fmt.derived}
    rows = []
    for row in row_defs:
        if shown_only is not None and row.key != shown_only:
            continue
        per_basis = {basis: cells.get(row.key, {}) for basis, cells in by_basis.items()}
        shown = {}
        for column in columns:
            if column.kind == "derived":
                shown[column.code] = dv.derived_value(derived[column.code], per_basis)
            else:
                shown[column.code] = per_basis[dv.MONTH].get(column.code)
        count = cases.get(row.key, {}).get("_rows", 0) if fmt.rows.kind == "free" else None
        label = row.label or name  # a single-row format: the row is the unit itself
        rows.append(ReportRow(row.key, label, row.group, row.is_total, shown, count))
    return rows


def _completeness(states: list[agg.OfficeState]) -> Completeness:
    missing = tuple((s.code, s.name) for s in states if not s.included)
    return Completeness(len(states), len(states) - len(missing), missing)


def build_report(
    fmt: FormatDef,
    unit: Unit,
    month: Month,
    basis: str = VALIDATED,
    by_children: bool | str = False,
    row_only: str | None = None,
) -> Report:
    """The report of `fmt` over `unit` for `month` (a bounded number of queries); `row_only`: only that
    row (a Monthly Summary Report's), for the unit and each child.

    An annual format reports its year (any month names it); a lagging format's report for
    month F shows the figures of F, from its returns keyed F + lag."""
    month = fmt.return_month(month)
    columns = report_columns(fmt, month)
    spans = basis_months(month, dv.bases_needed(fmt.derived))
    every_month = tuple(sorted({m for months in spans.values() for m in months}))
    scope, wanted = offices_under(unit, fmt), statuses(basis)
    row_defs = report_row_defs(fmt, month)
    srcs = agg.sources(fmt, every_month)
    by = by_children if isinstance(by_children, str) else "children"
    drilled = bool(by_children) and unit.has_children
    child = child_key(unit, by) if drilled else None
    collapse = collapse_for(fmt, row_defs, srcs, row_only)
    per_child = sum_sources(srcs, scope, wanted, child, collapse)
    totals = agg.rolled_up(per_child) if drilled else per_child
    codes = tuple(s.fmt.code for s in srcs) or (fmt.code,)
    states = agg.office_states(codes, month, every_month, scope, wanted, fmt.lag)
    targets = target_cells(fmt, unit, month, wanted, child)
    report = Report(
        fmt=fmt,
        unit=unit,
        month=month,
        basis=basis,
        columns=columns,
        rows=unit_rows(
            fmt,
            month,
            columns,
            row_defs,
            by_child(totals).get(None, {}),
            spans,
            unit.name,
            targets.get(None),
            row_only,
            collapse,
        ),
        completeness=_completeness(states),
        amended=tuple(s.code for s in states if s.amended),
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )
    if drilled:
        report.children = _children(
            fmt, unit, month, columns, row_defs, spans, per_child, states, by, targets, row_only, collapse
        )
    return report


def sum_sources(
    srcs: list[agg.Source], scope, wanted: tuple[str, ...], child, collapse: agg.Collapse | None = None
) -> agg.Aggregates:
    """The sums of every source table, per child unit when `child` is given (one query per table)."""
    found: agg.Aggregates = {}
    for source in srcs:
        found.update(agg.aggregate(source, scope, wanted, child=child, collapse=collapse))
    return found


def _children(
    fmt, unit, month, columns, row_defs, spans, per_child, states, by, targets, row_only=None, collapse=None
) -> list[ChildReport]:
    """One level down: the same rows per Zone (under INDIA) or per office (under a Zone, or by=offices)."""
    per_zone = unit.level == "india" and by != "offices"
    indexed = by_child(per_child)
    groups: dict[int, list[agg.OfficeState]] = defaultdict(list)
    for state in states:
        groups[state.parent_id if per_zone else state.id].append(state)
    names = agg.unit_names(tuple(groups)) if per_zone else {s.id: (s.code, s.name) for s in states}
    children = []
    for child_id, members in groups.items():
        code, name = names[child_id]
        rows = unit_rows(
            fmt,
            month,
            columns,
            row_defs,
            indexed.get(child_id, {}),
            spans,
            name,
            targets.get(child_id),
            row_only,
            collapse,
        )
        children.append(ChildReport(code, name, rows, _completeness(members)))
    return sorted(children, key=lambda c: c.code)


def target_cells(fmt: FormatDef, unit: Unit, month: Month, wanted: tuple[str, ...], child) -> dict[Any, dict]:
    """{child id or None: {target format code: {row key: cells}}}: the annual targets that the
    format's target_pct columns read, for `month`'s financial year, summed over the unit's offices
    that file each target format (and per child unit when drilled down); one query per target."""
    codes = sorted({d.target_format for d in fmt.derived if d.kind == dv.TARGET_PCT and d.target_format})
    year = month.fy_start
    found: dict[Any, dict] = defaultdict(dict)
    for code in codes:
        target = catalogue.definitions().format(code)
        if not target.in_force(year):
            continue
        per_child = agg.aggregate(agg.Source(target, (year,)), offices_under(unit, target), wanted, child)
        sums = by_child(per_child)
        if child is not None:
            sums[None] = by_child(agg.rolled_up(per_child)).get(None, {})
        row_defs = report_row_defs(target, year)
        for kid, indexed in sums.items():
            found[kid][code] = _basis_cells(target, year, row_defs, _sum_months(indexed, (year,)), False)
    return found
