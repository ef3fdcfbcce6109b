"""A report laid out as on paper for the page and the print view (the template only loops)."""

from __future__ import annotations

from dataclasses import dataclass

from app.definitions.texts import joined
from app.presenters.cells import display
from app.presenters.headers import HeaderCell, header_rows
from app.services.reports.report import ChildReport, Report, ReportColumn, ReportRow

PRINT_COLUMNS_PER_PAGE = 12  # an A4 landscape page holds the row labels and about 12 figures


@dataclass(frozen=True)
class TableRow:
    """One printed row: its label, whether it is a total, and each cell's text."""

    key: str
    label: str
    heading: str | None
    is_total: bool
    texts: tuple[str, ...]
    link: str | None = None  # drill-down target (children tables only)


@dataclass(frozen=True)
class Table:
    """A report table (or one page-wide slice of it): header rows, numbers and body."""

    columns: tuple[ReportColumn, ...]
    header: list[list[HeaderCell]]
    rows: list[TableRow]


def _texts(row: ReportRow, columns: tuple[ReportColumn, ...]) -> tuple[str, ...]:
    return tuple(display(row.cells.get(c.code), c) for c in columns)


def row_label(row: ReportRow) -> str:
    """A report row's label, with the number of cases where the row counts them."""
    return row.label if row.cases is None else joined(" ", (row.label, f"({row.cases})"))


def table_rows(rows: list[ReportRow], columns: tuple[ReportColumn, ...]) -> list[TableRow]:
    """Body rows with group headings printed once before their first row."""
    found, previous = [], None
    for row in rows:
        heading = row.group if row.group and row.group != previous and not row.is_total else None
        previous = row.group
        found.append(TableRow(row.key, row_label(row), heading, row.is_total, _texts(row, columns)))
    return found


def report_table(report: Report, columns: tuple[ReportColumn, ...] | None = None) -> Table:
    """The report's own table (all columns, or a slice of them)."""
    columns = columns or report.columns
    return Table(columns, header_rows(columns), table_rows(report.rows, columns))


def summary_row(child: ChildReport) -> ReportRow | None:
    """The row that sums a child up: the grand total row, or the only row."""
    totals = [r for r in child.rows if r.is_total]
    if totals:
        return totals[-1]
    return child.rows[0] if len(child.rows) == 1 else None


def children_table(report: Report, links: dict[str, str]) -> Table | None:
    """One row per child unit (its total), linked for drill-down; None when there is nothing to show."""
    if not report.children:
        return None
    rows = []
    for child in report.children:
        summary = summary_row(child)
        texts = _texts(summary, report.columns) if summary is not None else ("",) * len(report.columns)
        label = f"{child.code} — {child.name}"
        rows.append(TableRow(child.code, label, None, False, texts, links.get(child.code)))
    return Table(report.columns, header_rows(report.columns), rows)


def column_chunks(columns: tuple[ReportColumn, ...], size: int = PRINT_COLUMNS_PER_PAGE):
    """The columns in page-wide slices (the print view repeats the row labels on each)."""
    return [columns[i : i + size] for i in range(0, len(columns), size)] or [columns]
