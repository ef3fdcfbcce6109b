"""A report as an Excel workbook: XlsxWriter in constant-memory mode, written to a temporary file.

Headers are merged as on paper (the same `header_rows` as the grid and the report
page), columns numbered, numbers stored as numbers with the column's number format,
panes frozen below the header and right of the row labels, and the completeness line
and basis on every sheet. User text never becomes a formula, a number or a link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import IO

import xlsxwriter
from flask_babel import gettext as _

from app.i18n import local
from app.presenters.display import moment
from app.presenters.report_page import row_label
from app.presenters.report_text import amended_line, basis_line, completeness_line, title_line
from app.presenters.workbook_parts import (
    WORKBOOK_OPTIONS,
    Styles,
    excel_number,
    sheet_name,
    spooled_chunks,
    write_header,
)
from app.services.reports.report import Report, ReportRow


def write_rows(sheet, styles: Styles, columns, rows: list[ReportRow], first: int) -> int:
    """Write the body rows from row `first`; return the next free row."""
    plan = [
        (
            index,
            column.code,
            column.is_numeric,
            styles.cells[(column.decimals, False)],
            styles.cells[(column.decimals, True)],
        )
        for index, column in enumerate(columns, start=1)
    ]
    row_index = first
    for row in rows:
        sheet.write_string(
            row_index, 0, local(row_label(row)), styles.label_total if row.is_total else styles.label
        )
        cells, total = row.cells, row.is_total
        for index, code, numeric, plain, bold in plan:
            value = cells.get(code)
            if isinstance(value, dt.date):  # a date cell stays a date, shown dd-mm-yyyy
                sheet.write_datetime(row_index, index, dt.datetime.combine(value, dt.time()), styles.date)
            elif not numeric:
                sheet.write_string(row_index, index, "" if value is None else str(value), styles.text)
            elif value is None:
                sheet.write_blank(row_index, index, None, bold if total else plain)
            else:
                sheet.write_number(row_index, index, excel_number(value), bold if total else plain)
        row_index += 1
    return row_index


def table_workbook(
    target: IO[bytes] | str, code: str, heading: str, note: str, columns, rows: list[ReportRow], width: int
) -> None:
    """One sheet of ranked lines (a summary report, a scorecard): heading, note, header, rows."""
    book = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    styles = Styles(book)
    sheet = book.add_worksheet(sheet_name(code, set()))
    sheet.write_string(0, 0, heading, styles.title)
    sheet.write_string(1, 0, note, styles.note)
    first = write_header(sheet, styles, columns, 3)
    sheet.freeze_panes(first, 1)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, len(columns), width)
    write_rows(sheet, styles, columns, rows, first)
    book.close()


def write_sheet(book, styles: Styles, report: Report, name: str) -> None:
    """One report on one worksheet."""
    sheet = book.add_worksheet(name)
    sheet.write_string(0, 0, title_line(report), styles.title)
    sheet.write_string(1, 0, basis_line(report), styles.warning if report.temporary else styles.note)
    sheet.write_string(2, 0, completeness_line(report.completeness), styles.note)
    sheet.write_string(3, 0, amended_line(report), styles.note)
    top = 5
    first_data = write_header(sheet, styles, report.columns, top)
    sheet.freeze_panes(first_data, 1)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, len(report.columns), 14)
    next_row = write_rows(sheet, styles, report.columns, report.rows, first_data)
    for child in report.children or []:
        sheet.write_string(next_row, 0, f"{child.code} — {child.name}", styles.section)
        sheet.write_string(next_row, 1, completeness_line(child.completeness), styles.note)
        next_row = write_rows(sheet, styles, report.columns, child.rows, next_row + 1)
    sheet.write_string(
        next_row + 1,
        0,
        _("Generated at %(when)s UTC", when=moment(report.generated_at)),
        styles.note,
    )


def write_workbook(reports: list[Report], target: IO[bytes] | str) -> None:
    """Write one sheet per report into `target` (a path or a binary file)."""
    book = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    styles, used = Styles(book), set()
    for report in reports:
        write_sheet(book, styles, report, sheet_name(report.fmt.code, used))
    book.close()


def workbook_chunks(reports: list[Report]) -> Iterator[bytes]:
    """The workbook as a stream of chunks: written to a temporary file, then read out."""
    return spooled_chunks(lambda spool: write_workbook(reports, spool))
