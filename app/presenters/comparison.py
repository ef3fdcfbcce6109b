"""Two versions of a return's figures, compared cell by cell in words people read.

Each cell is named "row — column group — column"; a changed cell shows old, new and the
difference. Entered cells that changed come first, then the computed cells and totals
that change with them; unchanged cells are kept apart so pages can fold them away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from app.definitions.schema import ColumnDef
from app.presenters.cells import cell_name, display
from app.services.engine.grid import Grid, GridRow


@dataclass(frozen=True)
class CellChange:
    """One cell in both versions."""

    row: str
    column: str
    number: int
    name: str  # "row — group — column"
    old: str
    new: str
    difference: str  # "+1", "-2.50"; empty for text or when a side is blank

    @property
    def changed(self) -> bool:
        """Whether the two versions differ."""
        return self.old != self.new


@dataclass
class Comparison:
    """Everything that differs between two versions of one month, and what does not."""

    changed: list[CellChange] = field(default_factory=list)  # entered and carried cells
    follows: list[CellChange] = field(default_factory=list)  # computed cells and totals that move
    unchanged: list[CellChange] = field(default_factory=list)  # entered cells as they were

    @property
    def is_empty(self) -> bool:
        """Nothing changed at all."""
        return not self.changed and not self.follows


def difference(old: Any, new: Any, column: ColumnDef) -> str:
    """new - old with its sign, for numbers present on both sides."""
    if not column.is_numeric or old is None or new is None:
        return ""
    try:
        delta = Decimal(str(new)) - Decimal(str(old))
    except InvalidOperation:
        return ""
    if delta == 0:
        return "0"
    shown = display(abs(delta), column)
    return f"+{shown}" if delta > 0 else f"-{shown}"


def _rows(grid: Grid | None) -> dict[str, GridRow]:
    return {row.key: row for row in grid.rows} if grid is not None else {}


def compare(old: Grid | None, new: Grid | None) -> Comparison:
    """Cell by cell, rows of both versions in the order of the newer one (rows only in the old last)."""
    before, after = _rows(old), _rows(new)
    keys = list(after) + [key for key in before if key not in after]
    columns = (new or old).columns
    result = Comparison()
    for key in keys:
        row_old, row_new = before.get(key), after.get(key)
        label = (row_new or row_old).label
        total = (row_new or row_old).is_total
        for column in columns:
            was = row_old.cells.get(column.code) if row_old else None
            now = row_new.cells.get(column.code) if row_new else None
            change = CellChange(
                key,
                column.code,
                column.number,
                cell_name(label, column),
                display(was, column),
                display(now, column),
                difference(was, now, column),
            )
            computed = total or (new or old).fmt.cell_role(key, column) == "computed"
            if change.changed:
                (result.follows if computed else result.changed).append(change)
            elif not computed and (was is not None or now is not None):
                result.unchanged.append(change)
    return result


def carried_only(comparison: Comparison, grid: Grid) -> list[CellChange]:
    """The carried (opening) cells that change: what a later month takes over from this one."""
    columns = {column.code: column for column in grid.columns}
    return [
        c
        for c in comparison.changed
        if c.column in columns and grid.fmt.cell_role(c.row, columns[c.column]) == "carried"
    ]
