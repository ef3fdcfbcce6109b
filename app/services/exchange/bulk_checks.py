"""Bulk load planning, part two: months against the database, each return assembled, openings compared.

Mirrors the grid: a month opens after the month before is stored (or when the office
has filed nothing before, then its opening is taken as given); returns are assembled
with the grid's formulas, totals and checks; filed returns are never overwritten.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from xlsxwriter.utility import xl_rowcol_to_cell

from app.definitions.months import Month
from app.definitions.schema import ColumnDef, FormatDef
from app.extensions import db
from app.models.generated import storable
from app.models.returns import MprReturn, ReturnStatus
from app.presenters.display import month_name
from app.security.policy import as_filled_by
from app.services.engine import calculation, cross_checks, rowstore
from app.services.engine.grid import Grid, GridRow, predecessor
from app.services.exchange.bulk_layout import MONTH, ROW
from app.services.exchange.bulk_plan import BulkPlan, Closing, Disagreement, PlannedReturn, Progress
from app.services.exchange.bulk_reading import FileReader


class Planner(FileReader):
    """Builds one BulkPlan from a read file; each method checks one thing and lists what it finds."""

    def run(self, every: int) -> Generator[Progress, None, BulkPlan]:
        if not self._read_header():
            return self.plan
        self._read_lines()
        self._check_missing_columns()
        self._check_offices_and_months()
        total = len(self.by_key)
        for done, ret in enumerate(self._in_order(), start=1):
            self._assemble(ret)
            if done % every == 0 or done == total:
                yield Progress("check", done, total)
        self._compare_openings()
        self.plan.returns = list(self._in_order())
        return self.plan

    # -------------------------------------------------------------- offices, months, the database

    def _check_offices_and_months(self) -> None:
        self._load_stored()
        months_of: dict[int, list[PlannedReturn]] = {}
        for ret in self._in_order():
            months_of.setdefault(ret.office.id, []).append(ret)
        for returns in months_of.values():
            self._check_contiguous(returns)
            for ret in returns:
                self._check_existing(ret)
            self._check_start(returns[0])
            self._note_later(returns[-1])

    def _load_stored(self) -> None:
        """Every stored return of the format (and its predecessor) for the offices in the file: one query."""
        codes = {self.fmt.code} | ({self.fmt.replaces} if self.fmt.replaces else set())
        offices = sorted({office_id for office_id, _month in self.by_key})
        if not offices:
            return
        found = db.session.execute(
            select(MprReturn).where(MprReturn.format_code.in_(codes), MprReturn.office_id.in_(offices))
        ).scalars()
        for ret in found:
            self.stored[(ret.format_code, ret.office_id, Month.of(ret.period))] = ret

    def _check_contiguous(self, returns: list[PlannedReturn]) -> None:
        step = 12 if self.fmt.annual else 1  # an annual format's returns are keyed by each year's April
        for before, after in zip(returns, returns[1:], strict=False):
            if after.month != before.month.shift(step):
                message = _(
                    "The months of %(office)s are not contiguous: %(first)s to %(last)s are missing.",
                    office=after.office.code,
                    first=month_name(before.month.shift(step)),
                    last=month_name(after.month.shift(-step)),
                )
                self._problem(
                    after.first_line,
                    self.positions[MONTH],
                    "months_not_contiguous",
                    message,
                    **self._where(after),
                )

    def _check_existing(self, ret: PlannedReturn) -> None:
        stored = self.stored.get((self.fmt.code, ret.office.id, ret.month))
        if stored is None:
            return
        if stored.status != ReturnStatus.DRAFT and not self.fmt.set_by_owner:  # targets: the owner revises
            message = _(
                "%(office)s's return for %(month)s is already %(status)s: "
                "a load never overwrites filed figures.",
                office=ret.office.code,
                month=month_name(ret.month),
                status=stored.status,
            )
            self._problem(ret.first_line, self.positions[MONTH], "return_filed", message, **self._where(ret))
        else:
            ret.existing = stored

    def _filed_months(self, office_id: int) -> list[Month]:
        """Months the office has stored outside the file (the drafts the file replaces do not count)."""
        return sorted(
            month
            for (code, oid, month), ret in self.stored.items()
            if oid == office_id and not self._replaced(code, oid, month, ret)
        )

    def _replaced(self, code: str, office_id: int, month: Month, ret: MprReturn) -> bool:
        """Whether a stored return is a draft this file replaces."""
        return (
            code == self.fmt.code
            and (office_id, month) in self.by_key
            and (ret.status == ReturnStatus.DRAFT or self.fmt.set_by_owner)
        )

    def _check_start(self, ret: PlannedReturn) -> None:
        """The office's first month in the file follows a stored month, or nothing at all (as ensure_open)."""
        before = predecessor(self.fmt, ret.month)
        if (before.code, ret.office.id, ret.month.prev()) in self.stored or not self.fmt.has_carry:
            return
        filed = self._filed_months(ret.office.id)
        if not filed:
            ret.first_month = True
            return
        if filed[0] < ret.month:
            message = _(
                "%(previous)s of %(office)s is neither stored nor in the file: "
                "its closing is this month's opening.",
                previous=month_name(ret.month.prev()),
                office=ret.office.code,
            )
            self._problem(
                ret.first_line, self.positions[MONTH], "previous_month_missing", message, **self._where(ret)
            )
        else:
            message = _(
                "%(office)s's %(format)s returns start in %(first)s with an opening entered once; "
                "earlier months cannot be loaded.",
                office=ret.office.code,
                format=self.fmt.code,
                first=month_name(filed[0]),
            )
            self._problem(
                ret.first_line, self.positions[MONTH], "before_first_month", message, **self._where(ret)
            )

    def _note_later(self, last: PlannedReturn) -> None:
        later = [m for code, oid, m in self.stored if oid == last.office.id and m > last.month]
        if later:
            self.plan.later[last.office.id] = min(later)

    # -------------------------------------------------------------- assembling and checking

    def _assemble(self, ret: PlannedReturn) -> None:
        """Computed cells, totals and the format's checks, as the grid assembles a return."""
        fmt, month = as_filled_by(self.fmt, ret.office), ret.month
        defined = self._data_rows(month)
        if fmt.rows.kind == "free":
            order = sorted(ret.cells, key=lambda k: ret.lines[k].number)
        else:
            order = [r.key for r in defined if r.key in ret.cells]
            self._missing_rows(ret, [r.key for r in defined if r.key not in ret.cells])
        computed = calculation.compute_rows(fmt, month, {key: ret.cells[key] for key in order})
        if fmt.rows.kind != "free":  # computed rows take their places among the defined rows
            order = [r.key for r in self._defined(month) if r.key in computed]
        ret.rows = {key: (pos, computed[key]) for pos, key in enumerate(order)}
        data = {key: cells for key, (_pos, cells) in ret.rows.items()}
        totals = (
            {
                r.key: calculation.total_cells(
                    fmt, month, (data[k] for k in (r.members or tuple(data)) if k in data)
                )
                for r in self._defined(month)
                if r.is_total
            }
            if fmt.rows.kind != "free"
            else {}
        )
        self._check_messages(ret, calculation.check_messages(fmt, month, data, totals))
        self._check_messages(ret, self._across_formats(ret, data, totals))
        self._check_storable(ret)

    def _across_formats(
        self, ret: PlannedReturn, data: dict[str, dict], totals: dict[str, dict]
    ) -> list[calculation.CellMessage]:
        """The failing checks across formats, against the other formats' submitted or validated returns
        (loaded returns are submitted or validated: they must agree as a submission must)."""
        rows = [GridRow(key, "", cells=cells) for key, cells in data.items()]
        members = {r.key: r.members for r in self._defined(ret.month) if r.is_total}
        for key, cells in totals.items():
            rows.append(GridRow(key, "", is_total=True, cells=cells, members=members.get(key, ())))
        shown = Grid(self.fmt, ret.office, ret.month, None, self.fmt.columns_in_force(ret.month), rows, False)
        return cross_checks.evaluate(shown, office_view=False).failing

    def _missing_rows(self, ret: PlannedReturn, keys: list[str]) -> None:
        for key in keys:
            message = _(
                "Row %(row)s is missing for %(office)s, %(month)s.",
                row=key,
                office=ret.office.code,
                month=month_name(ret.month),
            )
            self._problem(
                ret.first_line, self.positions[ROW], "missing_row", message, **self._where(ret, key)
            )

    def _check_messages(self, ret: PlannedReturn, messages: Iterable[calculation.CellMessage]) -> None:
        broken = {key for key, _column in ret.bad}
        for message in messages:
            if (message.row, message.column) in ret.bad:
                continue  # the cell did not parse: already listed
            if message.code != "required" and message.row in broken:
                continue  # a check over a cell that did not parse says nothing more
            column = self.fmt.column(message.column) if message.column else None
            line = ret.lines.get(message.row, ret.first_line)
            index = self._index_of(column)
            self._problem(line, index, message.code, message.message, **self._where(ret, message.row, column))

    def _index_of(self, column: ColumnDef | None) -> int:
        """The file column of a format column; computed ones (not in the file) point at the row key."""
        found = next((i for i, c in self.columns if column is not None and c.code == column.code), None)
        return found if found is not None else self.positions[ROW]

    def _check_storable(self, ret: PlannedReturn) -> None:
        for key, (_pos, cells) in ret.rows.items():
            for column in as_filled_by(self.fmt, ret.office).columns_in_force(ret.month):
                if (key, column.code) not in ret.bad and not storable(column, cells.get(column.code)):
                    message = (
                        _("The result is too large to store")
                        if column.role == "computed"
                        else _("The number is too large")
                    )
                    self._problem(
                        ret.lines[key],
                        self._index_of(column),
                        "too_large",
                        message,
                        **self._where(ret, key, column),
                    )

    # -------------------------------------------------------------- openings against closings

    def _compare_openings(self) -> None:
        stored_rows = self._stored_previous_rows()
        for ret in self._in_order():
            if not self.fmt.has_carry:
                continue
            if ret.first_month:
                self._require_openings(ret)
                continue
            previous = self._previous_rows(ret, stored_rows)
            if previous is None:
                continue  # the month before is missing: listed already
            for key, column, source in self._carried_cells(ret):
                if source[0] in previous.broken or key in previous.broken:
                    continue  # a cell of the month before did not parse: its closing is unknown
                if (key, column.code) not in ret.bad:
                    closing = (previous.rows.get(source[0]) or {}).get(source[1])
                    self._compare(ret, key, column, (ret.rows[key][1].get(column.code), closing), previous)

    def _carried_cells(self, ret: PlannedReturn):
        """(row key, column, (row, column) of last month) for each carried cell of the return."""
        columns = self.fmt.columns_in_force(ret.month)
        for key in ret.rows:
            for column in columns:
                source = self.fmt.carried_from(key, column)
                if source is not None:
                    yield key, column, source

    def _compare(
        self, ret: PlannedReturn, key: str, column: ColumnDef, pair: tuple[Any, Any], previous: Closing
    ) -> None:
        opening, closing = pair
        if opening == closing:
            return
        index = self._index_of(column)
        where = self._where(ret, key, column)
        self.plan.disagreements.append(
            Disagreement(
                office=where["office"],
                month=where["month"],
                row=where["row"],
                row_key=where["row_key"],
                column=where["column"],
                column_code=column.code,
                opening=opening,
                previous_closing=closing,
                cell=xl_rowcol_to_cell(ret.lines[key].number - 1, index),
                sheet=self.table.sheet,
                closing_from=previous.source,
            )
        )

    def _require_openings(self, ret: PlannedReturn) -> None:
        for key, column, _source in self._carried_cells(ret):
            cells = ret.rows[key][1]
            if cells.get(column.code) is None and (key, column.code) not in ret.bad:
                message = _(
                    "%(office)s has filed nothing before %(month)s: give its opening balance.",
                    office=ret.office.code,
                    month=month_name(ret.month),
                )
                self._problem(
                    ret.lines[key],
                    self._index_of(column),
                    "opening_required",
                    message,
                    **self._where(ret, key, column),
                )

    def _previous_rows(self, ret: PlannedReturn, stored_rows: dict[int, dict]) -> Closing | None:
        """The closing cells of the month before: from the file if it holds it, else from the database."""
        in_file = self.by_key.get((ret.office.id, ret.month.prev()))
        if in_file is not None:
            rows = {key: cells for key, (_pos, cells) in in_file.rows.items()}
            return Closing(rows, "file", {key for key, _column in in_file.bad})
        before = predecessor(self.fmt, ret.month)
        stored = self.stored.get((before.code, ret.office.id, ret.month.prev()))
        if stored is None:
            return None
        return Closing(stored_rows.get(stored.id, {}), "database")

    def _stored_previous_rows(self) -> dict[int, dict[str, dict]]:
        """The stored cells of every month before a file's first month, one query per format."""
        wanted: dict[FormatDef, list[int]] = {}
        for ret in self._in_order():
            if (ret.office.id, ret.month.prev()) in self.by_key:
                continue
            before = predecessor(self.fmt, ret.month)
            stored = self.stored.get((before.code, ret.office.id, ret.month.prev()))
            if stored is not None:
                wanted.setdefault(before, []).append(stored.id)
        found: dict[int, dict[str, dict]] = {}
        for fmt, ids in wanted.items():
            for return_id, rows in rowstore.read_many(fmt, ids).items():
                found[return_id] = {key: cells for key, (_pos, cells) in rows.items()}
        return found
