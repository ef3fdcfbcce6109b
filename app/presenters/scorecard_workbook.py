"""A scorecard as an Excel workbook: the paper header of the report workbooks, a ranked line per Zone
(or office), the unit's own figures last; numbers stay numbers."""

from __future__ import annotations

from collections.abc import Iterator

import xlsxwriter

from app.presenters.report_workbook import write_rows
from app.presenters.scorecard_table import (
    line_cells,
    line_label,
    rules_text,
    scorecard_columns,
    scorecard_heading,
    total_cells,
)
from app.presenters.workbook_parts import WORKBOOK_OPTIONS, Styles, sheet_name, spooled_chunks, write_header
from app.services.reports.report import ReportRow
from app.services.reports.scorecard import Scorecard


def scorecard_rows(found: Scorecard) -> list[ReportRow]:
    """The ranked lines, then the unit's own figures, as report rows."""
    rows = [ReportRow(line.unit, line_label(line), cells=line_cells(line)) for line in found.lines]
    total = ReportRow(found.total_unit, found.total_label, is_total=True, cells=total_cells(found))
    return [*rows, total]


def _write(found: Scorecard, target) -> None:
    book = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    styles = Styles(book)
    sheet = book.add_worksheet(sheet_name(found.card.code, set()))
    sheet.write_string(0, 0, scorecard_heading(found), styles.title)
    sheet.write_string(1, 0, rules_text(found), styles.note)
    columns = scorecard_columns(found)
    first = write_header(sheet, styles, columns, 3)
    sheet.freeze_panes(first, 1)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, len(columns), 12)
    write_rows(sheet, styles, columns, scorecard_rows(found), first)
    book.close()


def scorecard_workbook(found: Scorecard) -> Iterator[bytes]:
    """The workbook as a stream of chunks."""
    return spooled_chunks(lambda spool: _write(found, spool))
