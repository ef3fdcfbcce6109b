"""A report as an Excel workbook: XlsxWriter in constant-memory mode, written to a temporary file.

Headers are merged as on paper (the same `header_rows` as the grid and the report
page), columns numbered, numbers stored as numbers with the column's number format,
panes frozen below the header and right of the row labels, and the completeness line
and basis on every sheet. User text never becomes a formula, a number or a link.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any

import xlsxwriter
from flask_babel import gettext as _

from app.presenters.headers import header_rows
from app.presenters.report_text import amended_line, basis_line, completeness_line, title_line
from app.services.reports.report import Report, ReportColumn, ReportRow

WORKBOOK_OPTIONS = {
    "constant_memory": True,  # rows go to disk as they are written: memory stays flat
    "strings_to_formulas": False,  # user text such as "=HYPERLINK(...)" stays text
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
CHUNK = 64 * 1024
SHEET_NAME_MAX = 31


class _Styles:
    """The cell formats of one workbook."""

    def __init__(self, book) -> None:
        self.title = book.add_format({"bold": True, "font_size": 13})
        self.note = book.add_format({"italic": True})
        self.warning = book.add_format({"bold": True, "font_color": "#a94442"})
        self.head = book.add_format(
            {
                "bold": True,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "bg_color": "#eeeeee",
            }
        )
        self.number = book.add_format({"border": 1, "align": "center", "font_size": 8, "bg_color": "#f7f7f7"})
        self.label = book.add_format({"border": 1, "text_wrap": True})
        self.label_total = book.add_format({"border": 1, "bold": True})
        self.section = book.add_format({"bold": True, "bg_color": "#dff0d8", "border": 1})
        self.cells = {
            (decimals, total): book.add_format(
                {"border": 1, "num_format": "0" if decimals == 0 else "0.00", "bold": total}
            )
            for decimals in (0, 2)
            for total in (False, True)
        }
        self.text = book.add_format({"border": 1})


def _sheet_name(code: str, used: set[str]) -> str:
    name = "".join(ch for ch in code if ch not in "[]:*?/\\")[:SHEET_NAME_MAX] or "Report"
    candidate, index = name, 2
    while candidate in used:
        candidate = f"{name[: SHEET_NAME_MAX - 3]}-{index}"
        index += 1
    used.add(candidate)
    return candidate


def _number(value: Any) -> float | int:
    """A cell as Excel stores it: counts stay whole, amounts and percents are floats (2 decimals shown)."""
    return value if isinstance(value, int) else float(value)


def _header(sheet, styles: _Styles, columns: tuple[ReportColumn, ...], top: int) -> int:
    """Write the header rows (merged) and the column-number row from `top`; return the next row."""
    layout = header_rows(columns)
    depth = len(layout)
    sheet.write_string(top, 0, _("Item"), styles.head)
    occupied: dict[tuple[int, int], None] = {}
    merges: list[tuple[int, int, int, int, str]] = []
    for level, cells in enumerate(layout):
        col = 1
        for cell in cells:
            while (top + level, col) in occupied:
                col += 1
            merges.append(
                (top + level, col, top + level + cell.rowspan - 1, col + cell.colspan - 1, cell.label)
            )
            for r in range(top + level, top + level + cell.rowspan):
                for c in range(col, col + cell.colspan):
                    occupied[(r, c)] = None
            col += cell.colspan
    merges.append((top, 0, top + depth - 1, 0, _("Item")))
    by_row: dict[int, list[tuple[int, int, int, int, str]]] = {}
    for merge in merges:
        by_row.setdefault(merge[0], []).append(merge)
    for row in range(top, top + depth):  # constant memory: write strictly row by row
        for first_row, first_col, _last_row, _last_col, label in by_row.get(row, []):
            sheet.write_string(first_row, first_col, label, styles.head)
        for first_row, first_col, last_row, last_col, _label in merges:
            for c in range(first_col, last_col + 1):
                if first_row <= row <= last_row and (row, c) != (first_row, first_col):
                    sheet.write_blank(row, c, None, styles.head)
    for first_row, first_col, last_row, last_col, _label in merges:
        if (first_row, first_col) != (last_row, last_col):
            # merge_range() would rewrite rows already flushed in constant-memory mode; the cells
            # are written above, so only the range is recorded (XlsxWriter writes it at close).
            sheet.merge.append([first_row, first_col, last_row, last_col])
    numbers_row = top + depth
    sheet.write_string(numbers_row, 0, "", styles.number)
    for index, column in enumerate(columns, start=1):
        sheet.write_number(numbers_row, index, column.number, styles.number)
    return numbers_row + 1


def _rows(sheet, styles: _Styles, columns, rows: list[ReportRow], first: int) -> int:
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
        label = row.label if row.cases is None else f"{row.label} ({row.cases})"
        sheet.write_string(row_index, 0, label, styles.label_total if row.is_total else styles.label)
        cells, total = row.cells, row.is_total
        for index, code, numeric, plain, bold in plan:
            value = cells.get(code)
            if not numeric:
                sheet.write_string(row_index, index, "" if value is None else str(value), styles.text)
            elif value is None:
                sheet.write_blank(row_index, index, None, bold if total else plain)
            else:
                sheet.write_number(row_index, index, _number(value), bold if total else plain)
        row_index += 1
    return row_index


def write_sheet(book, styles: _Styles, report: Report, name: str) -> None:
    """One report on one worksheet."""
    sheet = book.add_worksheet(name)
    sheet.write_string(0, 0, title_line(report), styles.title)
    sheet.write_string(1, 0, basis_line(report), styles.warning if report.temporary else styles.note)
    sheet.write_string(2, 0, completeness_line(report.completeness), styles.note)
    sheet.write_string(3, 0, amended_line(report), styles.note)
    top = 5
    first_data = _header(sheet, styles, report.columns, top)
    sheet.freeze_panes(first_data, 1)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, len(report.columns), 14)
    next_row = _rows(sheet, styles, report.columns, report.rows, first_data)
    for child in report.children or []:
        sheet.write_string(next_row, 0, f"{child.code} — {child.name}", styles.section)
        sheet.write_string(next_row, 1, completeness_line(child.completeness), styles.note)
        next_row = _rows(sheet, styles, report.columns, child.rows, next_row + 1)
    sheet.write_string(
        next_row + 1,
        0,
        _("Generated at %(when)s UTC", when=report.generated_at.strftime("%Y-%m-%d %H:%M")),
        styles.note,
    )


def write_workbook(reports: list[Report], target: IO[bytes] | str) -> None:
    """Write one sheet per report into `target` (a path or a binary file)."""
    book = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    styles, used = _Styles(book), set()
    for report in reports:
        write_sheet(book, styles, report, _sheet_name(report.fmt.code, used))
    book.close()


def workbook_chunks(reports: list[Report]) -> Iterator[bytes]:
    """The workbook as a stream of chunks: written to a temporary file, then read out."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the generator below
    write_workbook(reports, spool)
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        try:
            while block := spool.read(CHUNK):
                yield block
        finally:
            spool.close()

    return chunks()
