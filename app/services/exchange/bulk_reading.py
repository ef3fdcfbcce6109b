"""Bulk load planning, part one: the header, each line's office, month and row, and every cell parsed.

Every cell goes through the grid's own `parse_cell`: one set of rules for the grid, the
API and uploads. Problems are collected with their address; nothing stops at the first.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from xlsxwriter.utility import xl_rowcol_to_cell

from app.definitions.months import Month
from app.definitions.schema import SINGLE_ROW_KEY, TOTAL_ROW_KEY, ColumnDef, FormatDef, RowDef
from app.extensions import db
from app.models.org import Office
from app.models.returns import MprReturn
from app.presenters.cells import column_name
from app.presenters.display import month_name
from app.security.policy import applies_to, filling_function
from app.services.engine import catalogue
from app.services.engine.cell_input import CellInputError, parse_cell
from app.services.engine.grid import last_open_month, latest_year
from app.services.exchange.bulk_layout import (
    FIXED_HEADERS,
    MONTH,
    OFFICE,
    ROW,
    Line,
    loadable_columns,
    shown_key,
)
from app.services.exchange.bulk_plan import BulkPlan, PlannedReturn, Problem, Upload

FREE_KEY = re.compile(r"^R[1-9][0-9]{0,5}$")
_DAY = re.compile(r"^([0-9]{4}-[0-9]{2})-[0-9]{2}$")  # a month typed into Excel comes back as a date


class FileReader:
    """Builds one BulkPlan; each method checks one thing and adds what it finds."""

    def __init__(self, fmt: FormatDef, upload: Upload, today: dt.date) -> None:
        self.fmt, self.upload, self.today = fmt, upload, today
        self.table = upload.table
        self.plan = BulkPlan(fmt, upload)
        self.positions: dict[str, int] = {}
        self.columns: list[tuple[int, ColumnDef]] = []
        self.by_key: dict[tuple[int, Month], PlannedReturn] = {}
        self.stored: dict[tuple[str, int, Month], MprReturn] = {}
        self.rows_of: dict[Month, tuple[RowDef, ...]] = {}

    # -------------------------------------------------------------- addresses and problems

    def _problem(self, line: Line | None, index: int | None, code: str, message: str, **where) -> None:
        number = line.number if line is not None else 1
        cell = xl_rowcol_to_cell(number - 1, index if index is not None else 0)
        self.plan.errors.append(Problem(self.table.sheet, cell, code=code, message=message, **where))

    def _where(self, ret: PlannedReturn, key: str = "", column: ColumnDef | None = None) -> dict[str, Any]:
        return {
            "office": ret.office.code,
            "month": str(ret.month),
            "row": self._row_label(ret.month, key),
            "column": column_name(column) if column is not None else "",
            "row_key": shown_key(self.fmt, key),
            "column_code": column.code if column is not None else "",
        }

    def _defined(self, month: Month) -> tuple[RowDef, ...]:
        """The format's rows for `month`, totals included (read once per month: master lists are data)."""
        if month not in self.rows_of:
            self.rows_of[month] = (
                catalogue.defined_rows(self.fmt, month) if self.fmt.rows.kind != "free" else ()
            )
        return self.rows_of[month]

    def _data_rows(self, month: Month) -> tuple[RowDef, ...]:
        """The rows a load gives for `month`: every defined row but totals and computed rows."""
        return tuple(r for r in self._defined(month) if r.role in ("entered", "carried"))

    def _row_label(self, month: Month, key: str) -> str:
        if self.fmt.rows.kind == "single":
            return ""
        if self.fmt.rows.kind == "free":
            return f"{self.fmt.rows.free_label} {key}"
        return next((r.label for r in self._defined(month) if r.key == key), key)

    def _in_order(self) -> list[PlannedReturn]:
        return sorted(self.by_key.values(), key=lambda r: (r.office.code, r.month))

    def _read_header(self) -> bool:
        """Fixed headers present; every other header a loadable column code, each once."""
        seen: set[str] = set()
        for index, name in enumerate(self.table.header):
            if not name:
                continue
            if name.lower() in FIXED_HEADERS:
                self.positions[name.lower()] = index
                continue
            self._header_column(index, name, seen)
        missing = [h for h in FIXED_HEADERS if h not in self.positions]
        for name in missing:
            self._problem(
                None,
                len(self.table.header),
                "missing_header",
                _("The header (row 1) has no column '%(name)s'.", name=name),
            )
        return not missing

    def _header_column(self, index: int, name: str, seen: set[str]) -> None:
        try:
            column = self.fmt.column(name)
        except KeyError:
            self._problem(
                None,
                index,
                "unknown_column",
                _("'%(code)s' is not a column of %(format)s.", code=name, format=self.fmt.code),
            )
            return
        if column.role == "computed":
            message = _("%(code)s is computed by the MIS: leave it out of the file.", code=name)
            self._problem(
                None, index, "computed_column", message, column=column_name(column), column_code=name
            )
        elif name in seen:
            message = _("The column %(code)s appears twice in the header.", code=name)
            self._problem(
                None, index, "duplicate_column", message, column=column_name(column), column_code=name
            )
        else:
            seen.add(name)
            self.columns.append((index, column))

    def _read_lines(self) -> None:
        codes = {line.text(self.positions[OFFICE]) for line in self.table.lines}
        found = db.session.execute(select(Office).where(Office.code.in_(codes))).scalars()
        offices = {office.code: office for office in found}
        for line in self.table.lines:
            target = self._line_target(line, offices)
            if target is not None:
                self._read_cells(line, *target)

    def _line_target(self, line: Line, offices: dict[str, Office]) -> tuple[PlannedReturn, str] | None:
        """The return and row key a line fills, or None (with the problem listed)."""
        code = line.text(self.positions[OFFICE])
        office = offices.get(code)
        where = {"office": code or None}
        if office is None or not office.active:
            self._problem(
                line,
                self.positions[OFFICE],
                "unknown_office",
                _("'%(code)s' is not an office code.", code=code),
                **where,
            )
            return None
        if not applies_to(self.fmt, office):
            message = _("%(office)s does not file %(format)s.", office=code, format=self.fmt.code)
            self._problem(line, self.positions[OFFICE], "format_not_filed", message, **where)
            return None
        month = self._line_month(line, where)
        if month is None:
            return None
        key = self._line_key(line, month, {**where, "month": str(month)})
        if key is None:
            return None
        ret = self.by_key.setdefault((office.id, month), PlannedReturn(office, month))
        if key in ret.lines:
            message = _(
                "Row %(row)s of %(office)s for %(month)s is already on line %(line)s.",
                row=key,
                office=code,
                month=month,
                line=ret.lines[key].number,
            )
            self._problem(
                line, self.positions[ROW], "duplicate_line", message, **where, month=str(month), row_key=key
            )
            return None
        return ret, key

    def _year_begun(self, month: Month) -> bool:
        """Whether `month` is an annual format's April whose return may be opened (the year under way;
        for a format set by its owner, such as targets, the next year too)."""
        return self.fmt.annual and month <= latest_year(self.fmt, self.today)

    def _line_month(self, line: Line, where: dict) -> Month | None:
        text = line.text(self.positions[MONTH])
        index = self.positions[MONTH]
        try:
            day = _DAY.match(text)
            month = Month.parse(day.group(1) if day else text)
        except ValueError:
            self._problem(
                line,
                index,
                "bad_month",
                _("'%(text)s' is not a month written as YYYY-MM.", text=text),
                **where,
            )
            return None
        month = self.fmt.return_month(month)  # an annual format: any month names the year's April
        where = {**where, "month": str(month)}
        if not self.fmt.in_force(month):
            message = _(
                "%(format)s is not in force for %(month)s.", format=self.fmt.code, month=month_name(month)
            )
            self._problem(line, index, "month_not_in_force", message, **where)
            return None
        if month > last_open_month(self.today) and not self._year_begun(month):
            message = _("%(month)s has not ended yet; it cannot be loaded.", month=month_name(month))
            self._problem(line, index, "month_not_ended", message, **where)
            return None
        return month

    def _line_key(self, line: Line, month: Month, where: dict) -> str | None:
        text = line.text(self.positions[ROW])
        kind = self.fmt.rows.kind
        if kind == "single" and text in ("", SINGLE_ROW_KEY):
            return SINGLE_ROW_KEY
        if kind == "free" and FREE_KEY.match(text):
            return text
        if kind not in ("single", "free") and text in {r.key for r in self._data_rows(month)}:
            return text
        if kind == "single":
            message = _("%(format)s has a single row: leave the row blank.", format=self.fmt.code)
        elif kind == "free":
            message = _("'%(key)s' is not a row key: number the rows R1, R2, ...", key=text)
        elif text == TOTAL_ROW_KEY or text in {r.key for r in self._defined(month)}:
            message = _("'%(key)s' is a total row: totals are calculated, leave it out.", key=text)
        else:
            message = _(
                "'%(key)s' is not a row of %(format)s for %(month)s.",
                key=text,
                format=self.fmt.code,
                month=month_name(month),
            )
        self._problem(line, self.positions[ROW], "unknown_row", message, **where, row_key=text)
        return None

    def _read_cells(self, line: Line, ret: PlannedReturn, key: str) -> None:
        ret.lines[key] = line
        cells: dict[str, Any] = {}
        function = filling_function(ret.office)
        for index, column in self.columns:
            raw = line.texts[index] if index < len(line.texts) else ""
            if not column.filled_by_function(function):
                if raw.strip():
                    message = _(
                        "%(office)s does not fill %(code)s (only offices of function %(functions)s do):"
                        " leave it blank.",
                        office=ret.office.code,
                        code=column.code,
                        functions=", ".join(column.functions),
                    )
                    self._problem(line, index, "column_not_filled", message, **self._where(ret, key, column))
                continue
            if not column.in_force(ret.month):
                if raw.strip():
                    message = _(
                        "%(code)s is not in force for %(month)s: leave it blank.",
                        code=column.code,
                        month=month_name(ret.month),
                    )
                    self._problem(
                        line, index, "column_not_in_force", message, **self._where(ret, key, column)
                    )
                continue
            try:
                cells[column.code] = parse_cell(column, raw, self.today)
            except CellInputError as error:
                ret.bad.add((key, column.code))
                self._problem(line, index, error.code, str(error), **self._where(ret, key, column))
        ret.cells[key] = cells

    def _check_missing_columns(self) -> None:
        months = {month for _office, month in self.by_key}
        present = {column.code for _index, column in self.columns}
        for column in loadable_columns(self.fmt, months):
            if column.code not in present and (column.required or column.role == "carried"):
                message = _(
                    "The header has no column %(code)s (%(label)s).",
                    code=column.code,
                    label=column_name(column),
                )
                self._problem(
                    None,
                    len(self.table.header),
                    "missing_column",
                    message,
                    column=column_name(column),
                    column_code=column.code,
                )
