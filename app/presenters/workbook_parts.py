"""Parts every workbook the MIS writes shares: safe options, cell styles, sheet names, paper headers.

Headers are merged as on paper (the same `header_rows` as the grid and the report page) and
columns numbered; user text never becomes a formula, a number or a link.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from flask_babel import gettext as _

from app.i18n import local
from app.presenters.headers import HeadedColumn, header_rows

WORKBOOK_OPTIONS = {
    "constant_memory": True,  # rows go to disk as they are written: memory stays flat
    "strings_to_formulas": False,  # user text such as "=HYPERLINK(...)" stays text
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
SHEET_NAME_MAX = 31
# Excel cannot group in lakhs and crores by locale; these formats do it for numbers below a
# crore of crores (12,34,567.00, as the pages show them). Cells stay numbers.
INDIAN_NUMBER_FORMATS = {
    0: r"[>=10000000]##\,##\,##\,##0;[>=100000]##\,##\,##0;##,##0",
    2: r"[>=10000000]##\,##\,##\,##0.00;[>=100000]##\,##\,##0.00;##,##0.00",
}
DATE_FORMAT = "dd-mm-yyyy"


def number_format(places: int) -> str:
    """The Excel number format of a number cell with `places` decimals (Indian grouping)."""
    return INDIAN_NUMBER_FORMATS[0 if places == 0 else 2]


class Styles:
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
                {"border": 1, "num_format": number_format(decimals), "bold": total}
            )
            for decimals in (0, 2)
            for total in (False, True)
        }
        self.text = book.add_format({"border": 1})
        self.date = book.add_format({"border": 1, "num_format": DATE_FORMAT})


def sheet_name(code: str, used: set[str]) -> str:
    name = "".join(ch for ch in code if ch not in "[]:*?/\\")[:SHEET_NAME_MAX] or "Report"
    candidate, index = name, 2
    while candidate in used:
        candidate = f"{name[: SHEET_NAME_MAX - 3]}-{index}"
        index += 1
    used.add(candidate)
    return candidate


def excel_number(value: Any) -> float | int:
    """A cell as Excel stores it: counts stay whole, amounts and percents are floats (2 decimals shown)."""
    return value if isinstance(value, int) else float(value)


def write_header(sheet, styles: Styles, columns: tuple[HeadedColumn, ...], top: int) -> int:
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
                (top + level, col, top + level + cell.rowspan - 1, col + cell.colspan - 1, local(cell.label))
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


CHUNK = 64 * 1024


def spooled_chunks(write: Callable[[IO[bytes]], None]) -> Iterator[bytes]:
    """What `write` puts in a temporary file, as a stream of chunks (memory stays flat)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the generator below
    write(spool)
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        try:
            while block := spool.read(CHUNK):
                yield block
        finally:
            spool.close()

    return chunks()
