"""The documented layout of a bulk load: read an uploaded table, write the template and its guide.

One sheet named `Data` (or a CSV file with the same columns): row 1 is the header,
`office`, `month` (YYYY-MM), `row` (the row key; blank for a single-row format; R1,
R2, ... for a free-row format, one per case), then one column per column code in force:
entered columns and carried columns (the openings the owner's spreadsheet holds).
Computed columns are never loaded: they are calculated. A `Guide` sheet lists every
column code and every row key of the format.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

import xlsxwriter
from flask_babel import gettext as _

from app.definitions.months import Month
from app.definitions.schema import SINGLE_ROW_KEY, ColumnDef, FormatDef, RowDef
from app.definitions.texts import joined
from app.i18n import local
from app.models.org import Office
from app.presenters.cells import column_name
from app.presenters.workbook_parts import WORKBOOK_OPTIONS, Styles
from app.services.engine import catalogue
from app.services.exchange.workbook_file import UploadRefused, cell_text, check_size, open_workbook

DATA_SHEET = "Data"
GUIDE_SHEET = "Guide"
OFFICE, MONTH, ROW = "office", "month", "row"
FIXED_HEADERS = (OFFICE, MONTH, ROW)
CSV_TYPES = ("text/csv", "application/csv", "application/vnd.ms-excel")


@dataclass(frozen=True)
class Line:
    """One non-blank line of the table: its spreadsheet row number (1-based) and its cell texts."""

    number: int
    texts: tuple[str, ...]

    def text(self, index: int) -> str:
        """The text in column `index` (0-based), '' beyond the last filled cell."""
        return self.texts[index].strip() if index < len(self.texts) else ""


@dataclass(frozen=True)
class Table:
    """What an upload holds: the sheet (or file) name, the header and the non-blank lines."""

    sheet: str
    header: tuple[str, ...]
    lines: tuple[Line, ...]


def loadable(column: ColumnDef) -> bool:
    """Whether a bulk load carries the column: entered and fed cells and openings, never computed ones."""
    return column.role in ("entered", "fed", "carried")


def role_name(column: ColumnDef) -> str:
    """The column's part in a bulk load, as the guide names it."""
    if column.role == "carried":
        return _("opening")
    if column.role == "fed":
        return _("fed (past figures of the source)")
    return _("entered") if column.role == "entered" else _("computed (leave out)")


def loadable_columns(fmt: FormatDef, months: Iterable[Month]) -> tuple[ColumnDef, ...]:
    """Entered and carried columns in force in any of `months`, in printed order."""
    wanted = list(months)
    return tuple(c for c in fmt.columns if loadable(c) and any(c.in_force(m) for m in wanted))


def data_rows(fmt: FormatDef, month: Month) -> tuple[RowDef, ...]:
    """The rows a load gives for `month` (totals and computed rows are calculated); none for free rows."""
    if fmt.rows.kind == "free":
        return ()
    return tuple(r for r in catalogue.defined_rows(fmt, month) if r.role in ("entered", "carried"))


def shown_key(fmt: FormatDef, key: str) -> str:
    """A row key as the file writes it: blank for the single row."""
    return "" if fmt.rows.kind == "single" and key == SINGLE_ROW_KEY else key


# ------------------------------------------------------------------ reading


def _lines(rows: Iterable[Sequence[str]]) -> tuple[tuple[str, ...], tuple[Line, ...]]:
    header: tuple[str, ...] | None = None
    lines: list[Line] = []
    for number, texts in enumerate(rows, start=1):
        texts = tuple(texts)
        if header is None:
            header = tuple(t.strip() for t in texts)
            continue
        if any(t.strip() for t in texts):
            lines.append(Line(number, texts))
    while header and not header[-1]:
        header = header[:-1]
    return header or (), tuple(lines)


def _csv_table(name: str, data: bytes) -> Table:
    check_size(data, _("The file is empty: choose the filled workbook or CSV file."))
    try:
        text = data.decode("utf-8-sig")
        header, lines = _lines(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error):
        raise UploadRefused(
            _("The CSV file could not be read: save it as CSV UTF-8 (comma-separated)."), "not_csv"
        ) from None
    return Table(name, header, lines)


def _workbook_table(data: bytes) -> Table:
    book = open_workbook(data)
    try:
        if DATA_SHEET not in book.sheetnames:
            raise UploadRefused(
                _(
                    "The workbook has no sheet named '%(sheet)s': use the bulk-load template.",
                    sheet=DATA_SHEET,
                ),
                "no_data_sheet",
            )
        rows = (tuple(cell_text(v) for v in row) for row in book[DATA_SHEET].iter_rows(values_only=True))
        header, lines = _lines(rows)
    finally:
        book.close()
    return Table(DATA_SHEET, header, lines)


def is_csv(filename: str, content_type: str | None = None) -> bool:
    """Whether an upload is a CSV file (by its name, else by its declared type)."""
    if filename.lower().endswith(".csv"):
        return True
    return not filename.lower().endswith(".xlsx") and (content_type or "").split(";")[0] in CSV_TYPES


def read_table(filename: str, data: bytes, content_type: str | None = None) -> Table:
    """The header and lines of an uploaded .xlsx (sheet `Data`) or CSV file; UploadRefused if unreadable."""
    if is_csv(filename, content_type):
        return _csv_table(filename or "upload.csv", data)
    return _workbook_table(data)


# ------------------------------------------------------------------ the template


@dataclass(frozen=True)
class TemplateRequest:
    """What a template holds: the format, its months (prefilled if any) and the offices filing it."""

    fmt: FormatDef
    months: tuple[Month, ...]
    offices: tuple[Office, ...]
    prefill: bool


def template_filename(fmt: FormatDef, months: Sequence[Month], prefill: bool) -> str:
    """'DPM-GST-ADJ-2_bulk_2024-04_2025-03.xlsx' (codes and months only)."""
    if not prefill:
        return f"{fmt.code}_bulk.xlsx"
    return f"{fmt.code}_bulk_{months[0]}_{months[-1]}.xlsx"


def write_template(request: TemplateRequest, target: IO[bytes]) -> None:
    """Write the bulk-load template (sheets Data and Guide) into `target`."""
    book = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    styles = Styles(book)
    columns = loadable_columns(request.fmt, request.months)
    _write_data(book, styles, request, columns)
    _write_guide(book, styles, request)
    book.close()


def _write_data(book, styles: Styles, request: TemplateRequest, columns: tuple[ColumnDef, ...]) -> None:
    sheet = book.add_worksheet(DATA_SHEET)
    text = book.add_format({"num_format": "@"})  # typed months and keys stay text in Excel
    sheet.set_column(0, 1, 16, text)
    sheet.set_column(2, 2, 22, text)
    sheet.set_column(3, 2 + len(columns), 14)
    sheet.freeze_panes(1, 3)
    for index, name in enumerate([*FIXED_HEADERS, *(c.code for c in columns)]):
        sheet.write_string(0, index, name, styles.head)
    if not request.prefill:
        return
    line = 1
    for month in request.months:
        keys = [shown_key(request.fmt, r.key) for r in data_rows(request.fmt, month)] or ["R1"]
        for office in request.offices:
            for key in keys:
                sheet.write_string(line, 0, office.code, text)
                sheet.write_string(line, 1, str(month), text)
                if key:  # the single row's key stays blank
                    sheet.write_string(line, 2, key, text)
                line += 1


def _write_guide(book, styles: Styles, request: TemplateRequest) -> None:
    sheet = book.add_worksheet(GUIDE_SHEET)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 60)
    sheet.set_column(2, 4, 18)
    fmt = request.fmt
    notes = _guide_notes(fmt)
    sheet.write_string(0, 0, f"{fmt.code} — {local(fmt.title)}", styles.title)
    for number, note in enumerate(notes, start=1):
        sheet.write_string(number, 0, note, styles.note)
    top = len(notes) + 2
    columns = [c for c in fmt.columns if any(c.in_force(m) for m in request.months)]
    headings = [_("Column code"), _("Label"), _("Type"), _("Role"), _("Equals the previous closing of")]
    for index, heading in enumerate(headings):
        sheet.write_string(top, index, heading, styles.head)
    for offset, column in enumerate(columns, start=1):
        cells = [column.code, local(column_name(column)), column.type, role_name(column), column.carry or ""]
        for index, value in enumerate(cells):
            sheet.write_string(top + offset, index, value, styles.text)
    top += len(columns) + 3
    sheet.write_string(top, 0, _("Row key"), styles.head)
    sheet.write_string(top, 1, _("Label"), styles.head)
    for offset, (key, label) in enumerate(_guide_rows(fmt, request.months), start=1):
        sheet.write_string(top + offset, 0, key, styles.text)
        sheet.write_string(top + offset, 1, local(label), styles.text)


def _guide_notes(fmt: FormatDef) -> list[str]:
    notes = [
        _("Fill the sheet 'Data': one line per office, month (YYYY-MM) and row; the header stays as it is."),
        _("Openings (role 'opening') must equal the previous month's closing; any difference is reported."),
        _("Computed columns are calculated by the MIS: leave them out of the sheet."),
    ]
    if fmt.rows.kind == "single":
        notes.append(_("This format has one row: leave the column 'row' blank."))
    elif fmt.rows.kind == "free":
        notes.append(_("One line per case: number the rows R1, R2, ... within each office and month."))
    return notes


def _guide_rows(fmt: FormatDef, months: Sequence[Month]) -> list[tuple[str, str]]:
    if fmt.rows.kind == "single":
        return [("", _("(the single row: leave blank)"))]
    if fmt.rows.kind == "free":
        return [("R1, R2, ...", fmt.rows.free_label)]
    seen: dict[str, str] = {}
    for month in months:
        for row in data_rows(fmt, month):
            seen.setdefault(row.key, joined(" — ", (p for p in (row.group, row.label) if p)))
    return list(seen.items())
