"""Flagged figures in reports: where a report shows an office's own figures, the cells outside their limits.

A report of one office marks its flagged cells; a Zone's report marks, in its by-office table, the
cells of each office whose figures include a flagged one. One extra query per report (the SQL
detector over the report's offices, on the report's basis), never one per cell. Aggregates over
Zones (the all-India report's by-Zone table) are not marked: a flag belongs to one office's figure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from app.services.engine import catalogue
from app.services.reports import aggregate as agg
from app.services.reports.outliers import flags
from app.services.reports.report import Report
from app.services.reports.scope import offices_under, statuses


@dataclass(frozen=True)
class ReportFlags:
    """Flagged cells of a report's tables, each with the reason shown beside it."""

    own: dict[tuple[str, str], str] = field(default_factory=dict)  # (row key, column): a one-office report
    children: dict[tuple[str, str], str] = field(default_factory=dict)  # (office code, column): a Zone's

    def __bool__(self) -> bool:
        return bool(self.own or self.children)


def report_flags(report: Report) -> ReportFlags:
    """The flagged figures of the month a report shows, where it shows an office's figures."""
    if report.unit.level == "india":
        return ReportFlags()
    returns_month = report.fmt.reported_in(report.month)  # a lagging format's figures come later
    fmt = agg.version_for(report.fmt, returns_month)
    found = flags(fmt, returns_month, offices_under(report.unit, fmt), statuses(report.basis))
    if report.unit.level == "office":
        return ReportFlags(own={(f.row, f.column): f.message for f in found})
    rows = {row.key: row.label for row in catalogue.defined_rows(fmt, returns_month)}
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for flag in found:
        where = rows.get(flag.row)
        grouped[(flag.office_code, flag.column)].append(f"{where}: {flag.message}" if where else flag.message)
    return ReportFlags(children={key: " ".join(lines) for key, lines in grouped.items()})
