"""How the dashboard is shown: units, the API's JSON (which the charts also read), and the workbook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import xlsxwriter
from flask_babel import format_date
from flask_babel import gettext as _

from app.definitions.schema import UNITS
from app.i18n import local
from app.presenters.display import month_name
from app.presenters.summary_workbook import line_label
from app.presenters.workbook_parts import WORKBOOK_OPTIONS, Styles, excel_number, sheet_name, spooled_chunks
from app.services.engine.serialise import cell_json
from app.services.reports.dashboard import Dashboard, IndicatorView
from app.services.reports.report import ReportColumn
from app.services.reports.serialise import completeness_json


def unit_label(view: IndicatorView) -> str:
    """'Rs. crore', 'Numbers' or '%': the unit the indicator's figure is in (the format's, for amounts)."""
    unit = view.indicator.unit
    return "%" if unit == "percent" else _(UNITS[unit])


def _value(value: Any, column: ReportColumn) -> Any:
    return cell_json(value, column)


def fy_label(view: IndicatorView, last: bool = False) -> str:
    """'2024-25' (this financial year) or the year before."""
    first = view.trend.months[0]
    return (first.shift(-12) if last else first).fy_label


def trend_json(view: IndicatorView) -> dict[str, Any]:
    """The trend: the months (April..March), their short names, this year's and last year's values."""
    column = view.column
    return {
        "months": [str(m) for m in view.trend.months],
        "labels": [format_date(m.first_day, "MMM") for m in view.trend.months],
        "this_year": {"label": fy_label(view), "values": [_value(v, column) for v in view.trend.this_year]},
        "last_year": {
            "label": fy_label(view, last=True),
            "values": [_value(v, column) for v in view.trend.last_year],
        },
    }


def status_json(view: IndicatorView) -> dict[str, Any]:
    """The month's reporting status of the indicator's format."""
    counts = view.status
    return {
        "expected": counts.expected,
        "validated_on_time": counts.on_time,
        "validated": counts.validated,
        "submitted": counts.submitted,
        "late": counts.late,
        "not_reported": counts.not_reported,
        "on_time_share": view.on_time_share,
    }


def indicator_json(view: IndicatorView) -> dict[str, Any]:
    """One indicator as the API returns it (and the page's charts read it)."""
    column = view.column
    return {
        "code": view.indicator.code,
        "title": local(view.indicator.title),
        "format": view.fmt.code,
        "row": view.indicator.row,
        "column": column.code,
        "column_label": local(column.label),
        "unit": view.indicator.unit,
        "unit_label": unit_label(view),
        "figure": _value(view.figure, column),
        "comparisons": [
            {"code": c.code, "label": local(c.label), "type": c.type, "value": _value(v, c)}
            for c, v in view.comparisons
        ],
        "trend": trend_json(view),
        "ranking": [
            {
                "unit": line.unit,
                "label": line.label,
                "rank": line.rank,
                "value": _value(line.cells.get(column.code), column),
                "completeness": completeness_json(line.completeness),
            }
            for line in view.lines
        ],
        "total": {
            "unit": view.total.unit,
            "label": view.total.label,
            "value": _value(view.figure, column),
            "completeness": completeness_json(view.total.completeness),
        },
        "status": status_json(view),
    }


def dashboard_json(found: Dashboard) -> dict[str, Any]:
    """The dashboard as `GET /api/v1/mpr/dashboard/<period>` returns it."""
    return {
        "period": str(found.month),
        "indicators": [indicator_json(view) for view in found.indicators],
        "not_in_force": [indicator.code for indicator in found.not_in_force],
    }


def dashboard_filename(found: Dashboard) -> str:
    """'dashboard_2024-05.xlsx'."""
    return f"dashboard_{found.month}.xlsx"


# ----------------------------------------------------------------- the workbook


def _number(sheet, row: int, col: int, value: Any, column: ReportColumn, styles: Styles) -> None:
    if value is None:
        sheet.write_blank(row, col, None, styles.text)
    else:
        sheet.write_number(row, col, excel_number(value), styles.cells[(column.decimals, False)])


def _overview(book, styles: Styles, found: Dashboard, used: set[str]) -> None:
    """The first sheet: one line per indicator with its figure, comparisons and reporting status."""
    sheet = book.add_worksheet(sheet_name(_("Dashboard"), used))
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, 8, 16)
    sheet.write_string(0, 0, _("Dashboard — %(month)s", month=month_name(found.month)), styles.title)
    heads = [_("Indicator"), _("Unit"), _("Figure"), _("Validated on time (%)"), _("Comparisons")]
    for col, head in enumerate(heads):
        sheet.write_string(2, col, head, styles.head)
    for index, view in enumerate(found.indicators, start=3):
        sheet.write_string(index, 0, local(view.indicator.title), styles.label)
        sheet.write_string(index, 1, unit_label(view), styles.text)
        _number(sheet, index, 2, view.figure, view.column, styles)
        share = view.on_time_share
        if share is None:
            sheet.write_blank(index, 3, None, styles.text)
        else:
            sheet.write_number(index, 3, share, styles.cells[(2, False)])
        for offset, (column, value) in enumerate(view.comparisons):
            sheet.write_string(index, 4 + 2 * offset, local(column.label), styles.label)
            _number(sheet, index, 5 + 2 * offset, value, column, styles)


def _indicator_sheet(book, styles: Styles, found: Dashboard, view: IndicatorView, used: set[str]) -> None:
    """One indicator: its trend (the chart's table) and its Zone ranking, row by row."""
    sheet = book.add_worksheet(sheet_name(view.indicator.code, used))
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 3, 16)
    heading = f"{local(view.indicator.title)} ({unit_label(view)}) — {month_name(found.month)}"
    sheet.write_string(0, 0, heading, styles.title)
    sheet.write_string(2, 0, _("Trend"), styles.section)
    for col, head in enumerate((_("Month"), fy_label(view), fy_label(view, last=True))):
        sheet.write_string(3, col, head, styles.head)
    row = 4
    for month, now, before in zip(view.trend.months, view.trend.this_year, view.trend.last_year, strict=True):
        sheet.write_string(row, 0, format_date(month.first_day, "MMMM"), styles.label)
        _number(sheet, row, 1, now, view.column, styles)
        _number(sheet, row, 2, before, view.column, styles)
        row += 1
    row += 1
    sheet.write_string(
        row, 0, _("Zones ranked by %(column)s", column=local(view.column.label)), styles.section
    )
    row += 1
    for col, head in enumerate((_("Zone"), local(view.column.label), _("Validated"))):
        sheet.write_string(row, col, head, styles.head)
    for line in [*view.lines, view.total]:
        row += 1
        total = line is view.total
        sheet.write_string(
            row, 0, line.label if total else line_label(line), styles.label_total if total else styles.label
        )
        _number(sheet, row, 1, line.cells.get(view.column.code), view.column, styles)
        done = f"{line.completeness.included}/{line.completeness.expected}"
        sheet.write_string(row, 2, done, styles.text)


def _write(found: Dashboard, target) -> None:
    book = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    styles, used = Styles(book), set()
    _overview(book, styles, found, used)
    for view in found.indicators:
        _indicator_sheet(book, styles, found, view, used)
    book.close()


def dashboard_workbook(found: Dashboard) -> Iterator[bytes]:
    """The dashboard as an Excel workbook (numbers as numbers), as a stream of chunks."""
    return spooled_chunks(lambda spool: _write(found, spool))
