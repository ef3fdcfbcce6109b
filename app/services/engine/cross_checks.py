"""Checks across formats: a cell of one return compared with a cell of another return of the
same office and month (`cross_checks:` in mpr_definitions.yaml).

A check is evaluated when both returns exist and the figures of both cells are complete
(every entered cell they are calculated from is filled). Which returns count: for the
office's own view and its submission, any saved return, a draft too; for everyone else (the
validating unit's view and its validation, the owner, a bulk load) only submitted and
validated returns (an office's draft is its own work in progress). Otherwise the check is
*pending*: never failing, and said so on the grid. A failing check puts its message at the
compared cell on both grids; the other format's figure is quoted in the office's own view
only (whoever else reads this grid may not be one to read the other format's figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from flask_babel import gettext as _

from app.definitions.expression_nodes import Compare, Name
from app.definitions.months import Month
from app.definitions.schema import SINGLE_ROW_KEY, CellRef, ColumnDef, CrossCheckDef, FormatDef
from app.definitions.texts import joined
from app.i18n import local
from app.models.org import Office
from app.models.returns import ReturnStatus
from app.presenters.display import month_name
from app.security.policy import applies_to
from app.services.engine import catalogue, rowstore
from app.services.engine.calculation import CellMessage
from app.services.engine.grid import Grid, GridRow, assemble, find_return, previous_rows

SENT_ON = frozenset({ReturnStatus.SUBMITTED, ReturnStatus.VALIDATED})


@dataclass(frozen=True)
class PendingCheck:
    """A cross-format check that cannot be evaluated yet, and why: shown on the grid, never refusing."""

    code: str
    other_format: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """JSON form used by the API."""
        return {"code": self.code, "format": self.other_format, "reason": self.reason}


@dataclass
class CrossResult:
    """The cross-format checks of one grid: failing messages at its cells, and pending checks."""

    failing: list[CellMessage]
    pending: list[PendingCheck]
    disagreeing_with: list[str]  # the other formats of the failing checks, each once


def evaluate(grid: Grid, *, office_view: bool) -> CrossResult:
    """The cross-format checks that declare or read the grid's format, for its office and month
    (`office_view`: as the office itself sees them, its drafts counting and figures quoted)."""
    result = CrossResult([], [], [])
    checks = catalogue.definitions().cross_checks_of(grid.fmt.code, grid.month)
    others: dict[str, Grid | None] = {}
    for check in checks:
        mine, theirs = check.side_of(grid.fmt.code)
        other_fmt = catalogue.definitions().format(theirs.format)
        if not applies_to(other_fmt, grid.office) or not other_fmt.in_force(grid.month):
            continue  # the office does not file the other format: nothing to compare with
        ready, value = cell_value(grid, mine)
        if not ready:
            continue  # this return's own figures are incomplete: "Required" covers it
        if theirs.format not in others:
            others[theirs.format] = _other_grid(other_fmt, grid.office, grid.month, office_view)
        _compare(result, check, grid, mine, value, others[theirs.format], theirs, office_view)
    return result


def _compare(
    result: CrossResult,
    check: CrossCheckDef,
    grid: Grid,
    mine: CellRef,
    value: Decimal | None,
    other: Grid | None,
    theirs: CellRef,
    office_view: bool,
) -> None:
    other_ready, other_value = cell_value(other, theirs) if other is not None else (False, None)
    if other is None or not other_ready:
        waits_for = "complete" if other is not None else ("saved" if office_view else "submitted")
        result.pending.append(_pending(check.code, theirs.format, grid.month, waits_for))
        return
    left, right = (value, other_value) if mine == check.left else (other_value, value)
    if holds(check.op, left, right):
        return
    names = {"message": local(check.message), "where": ", ".join(_where(other, theirs))}
    if office_view:
        value = figure_text(other, theirs, other_value)
        message = _("%(message)s (%(where)s: %(value)s)", value=value, **names)
    else:
        message = _("%(message)s (%(where)s)", **names)
    result.failing.append(CellMessage(mine.row, mine.column, check.code, message))
    if theirs.format not in result.disagreeing_with:
        result.disagreeing_with.append(theirs.format)


def _column_name(column: ColumnDef) -> str:
    """'Closing balance — No.': the column's groups and label, as a header reads."""
    return joined(" — ", (*column.group_path, column.label))


def _where(grid: Grid, ref: CellRef) -> list[str]:
    """The other cell as a reader finds it: its format, its row (unless the only one), its column."""
    row = [] if ref.row == SINGLE_ROW_KEY else [local(_row(grid, ref.row).label) or ref.row]
    return [ref.format, *row, local(_column_name(grid.fmt.column(ref.column)))]


def _pending(code: str, format_code: str, month: Month, waits_for: str) -> PendingCheck:
    """A check waiting for the other return to be saved, submitted, or complete."""
    names = {"format": format_code, "month": month_name(month)}
    reasons = {
        "saved": _("pending until %(format)s for %(month)s is saved", **names),
        "submitted": _("pending until %(format)s for %(month)s is submitted", **names),
        "complete": _("pending until %(format)s for %(month)s is complete", **names),
    }
    return PendingCheck(code, format_code, reasons[waits_for])


def holds(op: str, left: Decimal | None, right: Decimal | None) -> bool:
    """Whether `left op right` holds, compared as the formula language compares (2 decimals); a
    figure that is not there (blank, or undefined as after a division by zero) never fails."""
    if left is None or right is None:
        return True
    outcome = Compare(Name("L"), (op,), (Name("R"),)).eval({"L": left, "R": right})
    return outcome is not False


def _other_grid(fmt: FormatDef, office: Office, month: Month, office_view: bool) -> Grid | None:
    """The other format's return for the office and month, assembled, if it counts."""
    ret = find_return(fmt.code, office, month)
    if ret is None or (not office_view and ret.status not in SENT_ON):
        return None
    validated = ret.status == ReturnStatus.VALIDATED
    previous = None if validated else previous_rows(fmt, office, month)
    return assemble(fmt, office, month, ret, rowstore.read(fmt, ret.id), previous)


def _row(grid: Grid, key: str) -> GridRow:
    return next(row for row in grid.rows if row.key == key)


def cell_value(grid: Grid, ref: CellRef) -> tuple[bool, Decimal | None]:
    """(whether the cell's figures are complete, its value) for one cell of an assembled grid."""
    row = next((row for row in grid.rows if row.key == ref.row), None)
    if row is None:
        return False, None
    if row.is_total:
        members = set(row.members) if row.members else None
        rows = [r for r in grid.rows if not r.is_total and (members is None or r.key in members)]
    else:
        rows = [row]
    inputs = _inputs(grid.fmt, grid.month, ref.column)
    complete = bool(rows) and all(r.cells.get(code) is not None for r in rows for code in inputs)
    value = row.cells.get(ref.column)
    return complete and value is not None, value


@lru_cache(maxsize=512)
def _inputs(fmt: FormatDef, month: Month, code: str) -> frozenset[str]:
    """The entered and carried columns a column's value is calculated from (itself if entered)."""
    in_force = {column.code: column for column in fmt.columns_in_force(month)}
    found: set[str] = set()
    waiting, seen = [code], set()
    while waiting:
        current = waiting.pop()
        column: ColumnDef | None = in_force.get(current)
        if column is None or current in seen:
            continue
        seen.add(current)
        if column.formula is None:
            found.add(current)
        else:
            waiting.extend(column.formula.names)
    return frozenset(found)


def figure_text(grid: Grid, ref: CellRef, value: Decimal | None) -> str:
    """The other cell's figure as shown in messages (2 decimals for amounts)."""
    column = grid.fmt.column(ref.column)
    if value is None:
        return ""
    return str(value) if column.type == "count" else f"{Decimal(value):.2f}"
