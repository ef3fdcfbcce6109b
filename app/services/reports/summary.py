"""Monthly Summary Reports: one format's report per Zone, ranked by a key measure, all-India last.

Built on the report itself (one `build_report` with the Zones as children), so an MSR's
Zone line is that Zone's report row and its all-India line the all-India report row;
ratio columns are recomputed from each line's own figures, never summed. Drilled into a
Zone, the lines are the Zone's offices and the last line the Zone's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.definitions.expressions import quantize
from app.definitions.months import Month
from app.definitions.schema import FormatDef, SummaryDef
from app.errors import Forbidden, InvalidInput
from app.security.policy import Actor
from app.services.engine import catalogue
from app.services.engine.serialise import cell_json
from app.services.reports.report import Completeness, Report, ReportColumn, ReportRow, build_report
from app.services.reports.requests import parse_month
from app.services.reports.scope import INDIA, ReportNotFound, resolve_unit
from app.services.reports.serialise import completeness_json


class SummaryNotFound(ReportNotFound):
    """No such MSR, or not for this caller (404: absent and forbidden look alike)."""

    code = "summary_not_found"


class SummariesRefused(Forbidden):
    """Monthly Summary Reports are for the Functional Owners and the Board (the privilege table)."""

    code = "summaries_refused"
    default_message = _l("Monthly Summary Reports are for the Functional Owners and the Board.")


class BadOrder(InvalidInput):
    """An MSR is ordered asc or desc."""

    code = "bad_order"
    default_message = _l("order is asc (smallest first) or desc (largest first)")


@dataclass(frozen=True)
class SummaryLine:
    """One line of an MSR: a Zone (or, drilled down, an office), or the total."""

    unit: str
    label: str
    cells: dict[str, Any]
    completeness: Completeness
    rank: int | None = None  # 1 = first by the key measure; equal figures share a rank; None: no figure

    @property
    def complete(self) -> bool:
        """Whether every office under the line has its return validated."""
        return self.completeness.included == self.completeness.expected


@dataclass(frozen=True)
class Summary:
    """Everything an MSR page, print view, workbook and the API show."""

    summary: SummaryDef
    fmt: FormatDef
    month: Month
    order: str
    zone: str | None  # the Zone drilled into, or None (one line per Zone)
    zone_name: str | None
    columns: tuple[ReportColumn, ...]
    lines: list[SummaryLine]
    total: SummaryLine
    amended: tuple[str, ...]

    @property
    def complete_lines(self) -> int:
        """How many lines (Zones, or offices) are fully validated."""
        return sum(1 for line in self.lines if line.complete)


def may_use(actor: Actor | None) -> bool:
    """Whether the caller may use Monthly Summary Reports at all: a Functional Owner, the Board, admins."""
    return actor is not None and (actor.is_board or actor.is_admin or actor.owner_code is not None)


def may_read(actor: Actor | None, summary: SummaryDef) -> bool:
    """Functional Owners read the MSRs of their own formats; the Board and administrators read all."""
    if actor is None:
        return False
    fmt = catalogue.definitions().formats.get(summary.format)
    owner = actor.owner_code is not None and fmt is not None and fmt.owner == actor.owner_code
    return actor.is_board or actor.is_admin or owner


def readable(actor: Actor | None) -> list[SummaryDef]:
    """The MSRs the caller may read, in the file's order (SummariesRefused for other roles)."""
    if not may_use(actor):
        raise SummariesRefused()
    return [s for s in catalogue.definitions().summaries.values() if may_read(actor, s)]


def summary_columns(summary: SummaryDef, report: Report) -> tuple[ReportColumn, ...]:
    """The report's columns the MSR shows, in its order, then its ratio columns (percent)."""
    by_code = {column.code: column for column in report.columns}
    shown = [by_code[code] for code in summary.columns if code in by_code]
    number = max((column.number for column in report.columns), default=0)
    ratios = [
        ReportColumn(ratio.code, ratio.label, "ratio", "percent", number + index)
        for index, ratio in enumerate(summary.ratios, 1)
    ]
    return tuple(shown + ratios)


def _cells(summary: SummaryDef, rows: list[ReportRow]) -> dict[str, Any]:
    row = next((r for r in rows if r.key == summary.row), None)
    cells = {code: row.cells.get(code) for code in summary.columns} if row is not None else {}
    for ratio in summary.ratios:
        value = ratio.formula.evaluate(cells)
        cells[ratio.code] = None if value is None or isinstance(value, bool) else quantize(value, "percent")
    return cells


def ranked(lines: list[SummaryLine], key: str, order: str) -> list[SummaryLine]:
    """Lines in order of the key measure (blank last), equal figures sharing a rank, then by unit code."""
    with_figure = [line for line in lines if line.cells.get(key) is not None]
    blank = sorted((line for line in lines if line.cells.get(key) is None), key=lambda line: line.unit)
    descending = order == "desc"
    with_figure.sort(key=lambda line: line.unit)
    with_figure.sort(key=lambda line: Decimal(line.cells[key]), reverse=descending)
    result, previous, rank = [], None, 0
    for position, line in enumerate(with_figure, 1):
        value = Decimal(line.cells[key])
        rank = rank if value == previous else position
        previous = value
        result.append(SummaryLine(line.unit, line.label, line.cells, line.completeness, rank))
    return result + blank


def build_summary(
    summary: SummaryDef, month: Month, order: str | None = None, zone: str | None = None
) -> Summary:
    """The MSR for `month`: one line per Zone (or per office of `zone`), ranked, and the total."""
    fmt = catalogue.definitions().format(summary.format)
    if not fmt.in_force(month):
        raise SummaryNotFound(_("%(format)s is not in force for %(month)s.", format=fmt.code, month=month))
    unit = resolve_unit(zone or INDIA)
    if unit is None or (zone is not None and unit.level != "zone"):
        raise SummaryNotFound()
    report = build_report(fmt, unit, month, by_children=True, row_only=summary.row)
    lines = [
        SummaryLine(child.code, child.name, _cells(summary, child.rows), child.completeness)
        for child in report.children or []
    ]
    order = order or summary.order
    total = SummaryLine(unit.code, unit.name, _cells(summary, report.rows), report.completeness)
    return Summary(
        summary,
        fmt,
        month,
        order,
        unit.code if zone else None,
        unit.name if zone else None,
        summary_columns(summary, report),
        ranked(lines, summary.key, order),
        total,
        report.amended,
    )


def summary_for(actor: Actor | None, code: str, period: str, order: str | None, zone: str | None) -> Summary:
    """The MSR the caller asked for, or SummaryNotFound (absent, or not the caller's to read)."""
    if not may_use(actor):
        raise SummariesRefused()
    summary = catalogue.definitions().summaries.get(code)
    if summary is None or not may_read(actor, summary):
        raise SummaryNotFound()
    if order not in (None, "", "asc", "desc"):
        raise BadOrder()
    return build_summary(summary, parse_month(period), order or None, zone or None)


def summary_json(found: Summary) -> dict[str, Any]:
    """The MSR as the API returns it: `key`, `rows` ranked then the total row, each `{unit, label, cells}`."""

    def line_json(line: SummaryLine, total: bool) -> dict[str, Any]:
        return {
            "unit": line.unit,
            "label": line.label,
            "rank": line.rank,
            "total": total,
            "cells": {c.code: cell_json(line.cells.get(c.code), c) for c in found.columns},
            "completeness": completeness_json(line.completeness),
        }

    return {
        "code": found.summary.code,
        "title": found.summary.title,
        "format": found.fmt.code,
        "period": str(found.month),
        "key": found.summary.key,
        "order": found.order,
        "zone": found.zone,
        "columns": [
            {"code": c.code, "label": c.label, "kind": c.kind, "type": c.type} for c in found.columns
        ],
        "rows": [line_json(line, False) for line in found.lines] + [line_json(found.total, True)],
        "complete": {"lines": found.complete_lines, "of": len(found.lines)},
        "amended": list(found.amended),
    }
