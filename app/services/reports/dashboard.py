"""The management dashboard: each indicator's figure, its trend, the Zones ranked by it, and
how many offices reported the month on time.

Nothing is aggregated here. The figure and the Zone ranking are a Monthly Summary Report
of the indicator's row and columns (`build_summary`: one report with the Zones as children,
ranked as MSRs are); the trend is the same report row month by month (`series.row_series`);
the reporting status counts the format's expected returns as the status page does. Indicators
on the same format and row share one report and one series.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.definitions.months import Month
from app.definitions.schema import FormatDef, IndicatorDef, SummaryDef
from app.errors import Forbidden
from app.security.policy import Actor, may_read_indicator, may_use_dashboard
from app.services.cycle.status import Completeness
from app.services.cycle.status_summary import Scope, format_counts
from app.services.engine import catalogue
from app.services.reports.report import ReportColumn
from app.services.reports.requests import parse_month
from app.services.reports.scope import INDIA, resolve_unit
from app.services.reports.series import row_series
from app.services.reports.summary import SummaryLine, build_summary, ranked


class DashboardRefused(Forbidden):
    """The dashboard is for the Functional Owners and the Board (the privilege table)."""

    code = "dashboard_refused"
    default_message = _l("The dashboard is for the Functional Owners and the Board.")


@dataclass(frozen=True)
class Trend:
    """The indicator month by month: April..March of this financial year and of the last."""

    months: tuple[Month, ...]  # this year's April..March
    this_year: tuple[Any, ...]  # None after the dashboard's month, and where nothing is validated
    last_year: tuple[Any, ...]  # the same months a year earlier


@dataclass(frozen=True)
class IndicatorView:
    """One indicator for one month, as the card, the table, the workbook and the API show it."""

    indicator: IndicatorDef
    fmt: FormatDef
    column: ReportColumn
    figure: Any
    comparisons: tuple[tuple[ReportColumn, Any], ...]
    lines: list[SummaryLine]  # the Zones ranked by the indicator
    total: SummaryLine  # all India
    trend: Trend
    status: Completeness  # the format's expected returns of the month

    @property
    def on_time_share(self) -> float | None:
        """The share of the expected returns validated on time (0..100), None when none is expected."""
        if not self.status.expected:
            return None
        return round(100 * self.status.on_time / self.status.expected, 1)


@dataclass(frozen=True)
class Dashboard:
    """Every indicator the caller may read, for one month."""

    month: Month
    indicators: list[IndicatorView]
    not_in_force: list[
        IndicatorDef
    ]  # readable indicators whose format (or column) is not filed for the month


def readable(actor: Actor | None) -> list[IndicatorDef]:
    """The indicators the caller may read, in the file's order (DashboardRefused for other roles)."""
    if not may_use_dashboard(actor):
        raise DashboardRefused()
    definitions = catalogue.definitions()
    return [
        i for i in definitions.dashboard.values() if may_read_indicator(actor, definitions.formats[i.format])
    ]


def dashboard_for(actor: Actor | None, period: str) -> Dashboard:
    """The caller's dashboard for the month written YYYY-MM (422 if malformed)."""
    indicators = readable(actor)
    return build_dashboard(actor, indicators, parse_month(period))


def trend_months(month: Month) -> tuple[tuple[Month, ...], tuple[Month, ...]]:
    """(April..March of `month`'s financial year, the same twelve months a year earlier)."""
    this_year = tuple(month.fy_start.shift(i) for i in range(12))
    return this_year, tuple(m.shift(-12) for m in this_year)


def build_dashboard(
    actor: Actor | None, indicators: list[IndicatorDef], month: Month, today: dt.date | None = None
) -> Dashboard:
    """Every indicator for `month`: one MSR-style report and one series per format and row."""
    definitions = catalogue.definitions()
    live = [i for i in indicators if definitions.format(i.format).in_force(month)]
    groups: dict[tuple[str, str], list[IndicatorDef]] = {}
    for indicator in live:
        groups.setdefault((indicator.format, indicator.row), []).append(indicator)
    formats = list(dict.fromkeys(definitions.format(i.format) for i in live))
    status = format_counts(actor, month, formats, Scope.of(actor), today) if formats else {}
    views: dict[str, IndicatorView] = {}
    for (format_code, row), members in groups.items():
        fmt = definitions.format(format_code)
        for view in _group_views(fmt, row, members, month, status[format_code]):
            views[view.indicator.code] = view
    shown = [views[i.code] for i in live if i.code in views]
    return Dashboard(month, shown, [i for i in indicators if i.code not in views])


def _group_views(
    fmt: FormatDef, row: str, members: list[IndicatorDef], month: Month, status: Completeness
) -> list[IndicatorView]:
    """The views of the indicators reading one row of one format (one report, one series)."""
    codes = list(dict.fromkeys(code for i in members for code in (i.column, *i.compare)))
    first = members[0]
    shared = SummaryDef("DASHBOARD", first.title, fmt.code, tuple(codes), first.column, first.order, row)
    found = build_summary(shared, month)
    this_year, last_year = trend_months(month)
    wanted = [m for m in (*last_year, *this_year) if m <= month]
    series = row_series(fmt, resolve_unit(INDIA), wanted, row, tuple(i.column for i in members))
    by_code = {column.code: column for column in found.columns}
    views = []
    for indicator in members:
        if indicator.column not in by_code:  # a derived column whose own column is not in force
            continue
        views.append(
            IndicatorView(
                indicator=indicator,
                fmt=fmt,
                column=by_code[indicator.column],
                figure=found.total.cells.get(indicator.column),
                comparisons=tuple(
                    (by_code[c], found.total.cells.get(c)) for c in indicator.compare if c in by_code
                ),
                lines=ranked(found.lines, indicator.column, indicator.order),
                total=found.total,
                trend=_trend(series, this_year, last_year, indicator.column),
                status=status,
            )
        )
    return views


def _trend(
    series: dict[Month, dict], this_year: tuple[Month, ...], last_year: tuple[Month, ...], code: str
) -> Trend:
    """One column of a row series, month by month, this year and last (None where a month has no figure)."""
    return Trend(
        this_year,
        tuple(series.get(month, {}).get(code) for month in this_year),
        tuple(series.get(month, {}).get(code) for month in last_year),
    )
