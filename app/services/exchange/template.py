"""One return as an Excel template to fill offline, in the paper layout, and the identity it carries.

The data sheet has the paper header (groups, numbered columns) and the row labels; carried,
computed and total cells are filled, grey and locked, with live formulas where the formula
is plain arithmetic; entered cells are unlocked, prefilled with what is stored, and carry
Excel data validation from the column's definition. A very hidden, protected sheet `_mpr`
records format, layout, office, month and the return's version, signed with the app's
secret key, so an upload can be matched to the return it was made from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass

import xlsxwriter
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from app.definitions.expression_nodes import BinOp, Name, Node, Num, Unary
from app.definitions.schema import ColumnDef, FormatDef
from app.definitions.texts import joined
from app.i18n import local
from app.presenters.display import day, month_name
from app.presenters.workbook_parts import (
    DATE_FORMAT,
    WORKBOOK_OPTIONS,
    Styles,
    excel_number,
    number_format,
    sheet_name,
    write_header,
)
from app.services.engine.cell_input import LARGEST, earliest_date
from app.services.engine.grid import Grid, GridRow

IDENTITY_SHEET = "_mpr"
SIGNING_SALT = "mpr-return-template"
HEADER_TOP = 5  # the paper header starts on this 0-based row, below the title lines
FREE_ROWS_ADDED = 30  # blank rows a free-row template offers beyond those stored (up to free_max)
MAX_SUM_MEMBERS = 200  # a total over more rows is written as a value, not a formula
LIST_SOURCE_MAX = 255  # Excel's limit on an inline drop-down list


class TemplateIdentityError(ValueError):
    """The identity sheet is missing or was altered."""


@dataclass(frozen=True)
class TemplateIdentity:
    """What a template was made from: enough to match an upload to its return, cell by cell."""

    format_code: str
    layout: str
    office_code: str
    period: str
    version: int
    made_at: str
    sheet: str
    rows: dict[int, str]  # 1-based sheet row -> row key
    columns: dict[int, str]  # 0-based sheet column -> column code

    def to_token(self) -> str:
        """The identity signed with the app's secret key."""
        payload = {
            "f": self.format_code,
            "l": self.layout,
            "o": self.office_code,
            "p": self.period,
            "v": self.version,
            "t": self.made_at,
            "s": self.sheet,
            "r": {str(k): v for k, v in self.rows.items()},
            "c": {str(k): v for k, v in self.columns.items()},
        }
        return _serializer().dumps(payload)

    @classmethod
    def from_token(cls, token: object) -> TemplateIdentity:
        """The identity a token carries; TemplateIdentityError when it is not one this app signed."""
        try:
            data = _serializer().loads(str(token))
            return cls(
                data["f"],
                data["l"],
                data["o"],
                data["p"],
                int(data["v"]),
                data["t"],
                data["s"],
                {int(k): v for k, v in data["r"].items()},
                {int(k): v for k, v in data["c"].items()},
            )
        except (BadSignature, KeyError, TypeError, ValueError):
            raise TemplateIdentityError(token) from None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SIGNING_SALT)


def layout_key(fmt: FormatDef, columns: tuple[ColumnDef, ...], row_keys: list[str]) -> str:
    """A short fingerprint of the format's layout for a month: columns (code, type, role) and fixed rows."""
    shape = [fmt.code, [(c.code, c.type, c.role) for c in columns]]
    if fmt.rows.kind != "free":
        shape.append(row_keys)
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]


def template_filename(grid: Grid) -> str:
    """e.g. GI-GST-2_CGST-MUM-E_2026-11.xlsx."""
    return f"{grid.fmt.code}_{grid.office.code}_{grid.month}.xlsx".replace("/", "-")


def template_rows(grid: Grid) -> list[GridRow]:
    """The grid's rows, and for a free-row format blank rows `new-1`, `new-2`, ... to fill."""
    rows = list(grid.rows)
    if grid.fmt.rows.kind != "free":
        return rows
    stored = sum(1 for r in rows if not r.is_total)
    limit = grid.fmt.rows.free_max
    room = FREE_ROWS_ADDED if limit is None else max(0, min(FREE_ROWS_ADDED, limit - stored))
    label = grid.fmt.rows.free_label
    blanks = [
        GridRow(f"new-{i}", joined(" ", (label, str(stored + i))), position=stored + i)
        for i in range(1, room + 1)
    ]
    totals = [r for r in rows if r.is_total]
    return [r for r in rows if not r.is_total] + blanks + totals


class _TemplateStyles(Styles):
    """The report styles, plus open (unlocked) and fixed (locked, grey) cells."""

    def __init__(self, book) -> None:
        super().__init__(book)
        self.open = {
            places: book.add_format(
                {"border": 1, "locked": False, "bg_color": "#ffffff", **_num_format(places)}
            )
            for places in (None, 0, 2)
        }
        self.open_date = book.add_format({"border": 1, "locked": False, "num_format": DATE_FORMAT})
        self.fixed = {
            (places, total): book.add_format(
                {"border": 1, "bg_color": "#e8e8e8", "bold": total, **_num_format(places)}
            )
            for places in (None, 0, 2)
            for total in (False, True)
        }


def _num_format(places: int | None) -> dict:
    if places is None:
        return {}
    return {"num_format": number_format(places)}


def template_bytes(grid: Grid, today: dt.date | None = None) -> bytes:
    """The return's template as .xlsx bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {**WORKBOOK_OPTIONS, "constant_memory": False})
    styles = _TemplateStyles(book)
    name = sheet_name(grid.fmt.code, {IDENTITY_SHEET})
    identity = _write_data_sheet(book, styles, grid, name, today or dt.date.today())
    _write_identity_sheet(book, identity)
    book.close()
    return buffer.getvalue()


def _write_data_sheet(
    book, styles: _TemplateStyles, grid: Grid, name: str, today: dt.date
) -> TemplateIdentity:
    sheet = book.add_worksheet(name)
    fmt, columns = grid.fmt, grid.columns
    sheet.write_string(0, 0, f"{fmt.code} — {local(fmt.title)}", styles.title)
    sheet.write_string(
        1,
        0,
        _(
            "%(office)s — %(office_name)s — %(month)s — return version %(version)s",
            office=grid.office.code,
            office_name=grid.office.name,
            month=month_name(grid.month),
            version=grid.version,
        ),
        styles.note,
    )
    sheet.write_string(
        2,
        0,
        _(
            "Type figures in the white cells only; grey cells are carried, computed or totals and are "
            "recalculated by the MIS. Then upload this file on the return's page."
        ),
        styles.note,
    )
    first = write_header(sheet, styles, columns, HEADER_TOP)
    sheet.freeze_panes(first, 1)
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, len(columns), 15)
    rows = template_rows(grid)
    where = {row.key: first + index for index, row in enumerate(rows)}
    letters = {column.code: xl_col_to_name(index) for index, column in enumerate(columns, start=1)}
    for index, row in enumerate(rows):
        _write_row(sheet, styles, grid, row, first + index, where, letters, today)
    sheet.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True})
    return TemplateIdentity(
        fmt.code,
        layout_key(fmt, columns, [r.key for r in grid.rows]),
        grid.office.code,
        str(grid.month),
        grid.version,
        dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        name,
        {where[row.key] + 1: row.key for row in rows if not row.is_total},
        {index: column.code for index, column in enumerate(columns, start=1)},
    )


def _write_row(
    sheet, styles, grid: Grid, row: GridRow, at: int, where: dict, letters: dict, today: dt.date
) -> None:
    sheet.write_string(at, 0, local(row.label), styles.label_total if row.is_total else styles.label)
    for index, column in enumerate(grid.columns, start=1):
        value = row.cells.get(column.code)
        places = column.kind.places
        if grid.editable(row, column):
            _write_open(sheet, styles, column, at, index, value)
            _validate(sheet, column, at, index, today)
            continue
        fixed = styles.fixed[(places, row.is_total)]
        formula = _formula(grid, row, column, at, letters, where)
        shown = None if value is None else (excel_number(value) if column.is_numeric else str(value))
        if formula is not None:
            sheet.write_formula(at, index, formula, fixed, "" if shown is None else shown)
        elif shown is None:
            sheet.write_blank(at, index, None, fixed)
        elif column.is_numeric:
            sheet.write_number(at, index, shown, fixed)
        else:
            sheet.write_string(at, index, shown, fixed)


def _write_open(sheet, styles, column: ColumnDef, at: int, index: int, value) -> None:
    if column.kind.widget == "date":
        if isinstance(value, dt.date):
            sheet.write_datetime(at, index, dt.datetime.combine(value, dt.time()), styles.open_date)
        else:
            sheet.write_blank(at, index, None, styles.open_date)
        return
    style = styles.open[column.kind.places]
    if value is None:
        sheet.write_blank(at, index, None, style)
    elif column.is_numeric:
        sheet.write_number(at, index, excel_number(value), style)
    else:
        sheet.write_string(at, index, str(value), style)


def _validate(sheet, column: ColumnDef, at: int, index: int, today: dt.date) -> None:
    """Excel data validation mirroring the column's rules (the server still checks every cell)."""
    rule = _validation_rule(column, xl_rowcol_to_cell(at, index), today)
    if rule is None:
        return
    rule.update(
        {
            "input_title": local(column.label)[:32],
            "error_title": _("Not accepted")[:32],
            "ignore_blank": True,
        }
    )
    sheet.data_validation(at, index, at, index, rule)


def _bounds(column: ColumnDef) -> tuple[float, float]:
    low = column.min if column.min is not None else -float(LARGEST - 1)
    high = column.max if column.max is not None else float(LARGEST - 1)
    return low, high


def _validation_rule(column: ColumnDef, cell: str, today: dt.date) -> dict | None:
    kind = column.kind
    if kind.numeric:
        low, high = _bounds(column)
        if kind.whole:
            message = _(
                "A whole number from %(low)s to %(high)s.", low=format(low, "g"), high=format(high, "g")
            )
            return {
                "validate": "integer",
                "criteria": "between",
                "minimum": low,
                "maximum": high,
                "error_message": message[:255],
                "input_message": message[:255],
            }
        message = _(
            "A number from %(low)s to %(high)s with at most %(places)s decimal places.",
            low=format(low, "g"),
            high=format(high, "g"),
            places=kind.places,
        )
        bounded = f"{cell}>={low:.15g},{cell}<={high:.15g}"
        formula = f"=AND(ISNUMBER({cell}),{bounded},ROUND({cell},{kind.places})={cell})"
        return {
            "validate": "custom",
            "value": formula,
            "error_message": message[:255],
            "input_message": message[:255],
        }
    if kind.widget == "date":
        latest = dt.date(9999, 12, 31) if column.allow_future else today
        message = _("A date from %(first)s to %(last)s.", first=day(earliest_date()), last=day(latest))
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.datetime.combine(earliest_date(), dt.time()),
            "maximum": dt.datetime.combine(latest, dt.time()),
            "error_message": message[:255],
            "input_message": message[:255],
        }
    if kind.widget == "select":
        message = _("Choose from the list.")
        if len(",".join(column.choices)) > LIST_SOURCE_MAX or any("," in c for c in column.choices):
            return None  # too long for an inline list: the server's check alone applies
        return {
            "validate": "list",
            "source": list(column.choices),
            "error_message": message,
            "input_message": message,
        }
    if column.max_length:
        message = _("At most %(count)s characters.", count=column.max_length)
        return {
            "validate": "length",
            "criteria": "<=",
            "value": column.max_length,
            "error_message": message,
            "input_message": message,
        }
    return None


def _formula(grid: Grid, row: GridRow, column: ColumnDef, at: int, letters: dict, where: dict) -> str | None:
    """A live Excel formula for a computed or total cell when it is plain arithmetic, else None."""
    row_def = grid.fmt.rows.row(row.key)
    if row_def is not None and row_def.formula is not None:
        return None  # a computed row: its figures are written as the server computed them
    if column.role == "computed":
        return _computed_formula(column, at, letters)
    if row.is_total and column.kind.summed:
        members = [
            where[key]
            for key in (row.members or [r.key for r in grid.rows if not r.is_total])
            if key in where
        ]
        if not members or len(members) > MAX_SUM_MEMBERS:
            return None
        cells = ",".join(f"{letters[column.code]}{r + 1}" for r in members)
        return f'=IF(COUNT({cells})=0,"",SUM({cells}))'
    return None


def _computed_formula(column: ColumnDef, at: int, letters: dict) -> str | None:
    names = sorted(column.formula.names)
    if any(name not in letters for name in names):
        return None
    expression = _excel(column.formula.root, at, letters)
    if expression is None:
        return None
    cells = ",".join(f"{letters[name]}{at + 1}" for name in names) or "0"
    return f'=IF(COUNT({cells})=0,"",ROUND({expression},{column.kind.places}))'


def _excel(node: Node, at: int, letters: dict) -> str | None:
    """Plain arithmetic (+, -, *, numbers, cells of the row) as Excel, blanks as 0 (as the MIS reads them)."""
    if isinstance(node, Num):
        return format(node.value, "f")
    if isinstance(node, Name):
        return f"N({letters[node.code]}{at + 1})"
    if isinstance(node, Unary):
        inner = _excel(node.operand, at, letters)
        return None if inner is None else f"({node.op}{inner})"
    if isinstance(node, BinOp) and node.op in "+-*":
        left, right = _excel(node.left, at, letters), _excel(node.right, at, letters)
        return None if left is None or right is None else f"({left}{node.op}{right})"
    return None  # division, comparisons, functions: the value is written, the MIS recomputes it


def _write_identity_sheet(book, identity: TemplateIdentity) -> None:
    sheet = book.add_worksheet(IDENTITY_SHEET)
    sheet.write_string(0, 0, "token")
    sheet.write_string(0, 1, identity.to_token())
    facts = (
        ("format", identity.format_code),
        ("layout", identity.layout),
        ("office", identity.office_code),
        ("month", identity.period),
        ("return version", str(identity.version)),
        ("made at (UTC)", identity.made_at),
    )
    for index, (label, value) in enumerate(facts, start=1):
        sheet.write_string(index, 0, label)
        sheet.write_string(index, 1, value)
    sheet.protect("")
    sheet.very_hidden()


def read_identity(workbook) -> TemplateIdentity:
    """The identity of an uploaded template; TemplateIdentityError when absent or altered."""
    if IDENTITY_SHEET not in workbook.sheetnames:
        raise TemplateIdentityError("missing")
    for row in workbook[IDENTITY_SHEET].iter_rows(min_row=1, max_row=1, max_col=2, values_only=True):
        return TemplateIdentity.from_token(row[1])
    raise TemplateIdentityError("empty")
