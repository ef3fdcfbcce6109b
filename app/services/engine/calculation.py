"""Computed cells, total rows and checks for one return (pure; no database).

Rows are dicts {column code: value}. Server-side results here are authoritative; the
browser runs the same formulas (emitted as JavaScript) only for live feedback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from graphlib import TopologicalSorter
from typing import Any

from flask_babel import gettext as _

from app.definitions.expressions import quantize
from app.definitions.months import Month
from app.definitions.schema import ColumnDef, FormatDef, RowDef

Cells = dict[str, Any]


@dataclass(frozen=True)
class CellMessage:
    """A message attached to one cell: `{row, column, code, message}` in the API."""

    row: str
    column: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """JSON form used by the API and the grid."""
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


@lru_cache(maxsize=1024)
def computed_order(fmt: FormatDef, month: Month) -> tuple[ColumnDef, ...]:
    """Computed columns in force for `month`, each after the columns it reads."""
    computed = {c.code: c for c in fmt.columns_in_force(month) if c.role == "computed"}
    graph = {code: {n for n in col.formula.names if n in computed} for code, col in computed.items()}
    return tuple(computed[code] for code in TopologicalSorter(graph).static_order())


def typed_result(column: ColumnDef, value: Any) -> Any:
    """A formula result stored as its column's type: int for counts, 2-place Decimal otherwise."""
    if value is None or isinstance(value, bool):
        return None
    return column.kind.number(quantize(value, column.type))


def compute_row(fmt: FormatDef, month: Month, cells: Mapping[str, Any]) -> Cells:
    """The row with every computed column recalculated from its inputs."""
    result = dict(cells)
    for column in computed_order(fmt, month):
        result[column.code] = typed_result(column, column.formula.evaluate(result))
    return result


@lru_cache(maxsize=1024)
def computed_rows(fmt: FormatDef, month: Month) -> tuple[RowDef, ...]:
    """Computed rows in force for `month`, each after the computed rows it reads."""
    return tuple(row for row in fmt.rows.computed if row.in_force(month))


def _over_rows(row: RowDef, rows: Mapping[str, Mapping[str, Any]], code: str) -> Any:
    """The row's formula over one column's cells of the rows it names."""
    return row.formula.evaluate({key: (rows.get(key) or {}).get(code) for key in row.formula.names})


def row_cells(fmt: FormatDef, month: Month, row: RowDef, rows: Mapping[str, Mapping[str, Any]]) -> Cells:
    """A computed row's cells: its formula over each number column's cells of the rows it names;
    where it meets a computed column, the formula that `fmt.crossing` names."""
    cells: Cells = {}
    for column in fmt.columns_in_force(month):
        if column.is_numeric and column.role != "computed":
            cells[column.code] = typed_result(column, _over_rows(row, rows, column.code))
    for column in computed_order(fmt, month):
        if fmt.crossing(row, column) == "row":
            value = _over_rows(row, rows, column.code)
        else:
            value = column.formula.evaluate(cells)
        cells[column.code] = typed_result(column, value)
    return cells


def compute_rows(fmt: FormatDef, month: Month, rows: Mapping[str, Mapping[str, Any]]) -> dict[str, Cells]:
    """Every data row with its computed columns, then every computed row in force (in order)."""
    result = {key: compute_row(fmt, month, cells) for key, cells in rows.items()}
    for row in computed_rows(fmt, month):
        result[row.key] = row_cells(fmt, month, row, result)
    return result


def total_cells(fmt: FormatDef, month: Month, rows: Iterable[Mapping[str, Any]]) -> Cells:
    """A total row: entered, fed and carried numbers summed, computed columns recomputed."""
    totals: Cells = {}
    rows = list(rows)
    for column in fmt.columns_in_force(month):
        if not column.kind.summed or column.role == "computed":
            continue
        values = [row.get(column.code) for row in rows if row.get(column.code) is not None]
        total = sum(values, Decimal(0)) if values else None
        totals[column.code] = column.kind.number(total) if total is not None else None
    return compute_row(fmt, month, totals)


def _required_messages(fmt: FormatDef, month: Month, key: str, cells: Mapping[str, Any]):
    fed_row = key in fmt.fed_row_keys  # its entered cells come from a source: "not fed yet" covers them
    for column in fmt.columns_in_force(month):
        editable = fmt.cell_role(key, column) == "entered" and not fed_row
        if editable and column.required and cells.get(column.code) in (None, ""):
            yield CellMessage(key, column.code, "required", _("Required"))


def _check_applies(check, key: str, cells: Mapping[str, Any], fmt: FormatDef, month: Month) -> bool:
    in_force = {c.code for c in fmt.columns_in_force(month)}
    if not check.rule.names <= in_force:
        return False
    given = [n for n in check.rule.names if fmt.cell_role(key, fmt.column(n)) in ("entered", "fed")]
    return all(cells.get(n) is not None for n in given)


def check_messages(
    fmt: FormatDef,
    month: Month,
    rows: Mapping[str, Mapping[str, Any]],
    totals: Mapping[str, Mapping[str, Any]],
    *,
    include_required: bool = True,
) -> list[CellMessage]:
    """Every failing check and (optionally) every blank required cell, at its cell."""
    messages: list[CellMessage] = []
    for key, cells in rows.items():
        if include_required:
            messages.extend(_required_messages(fmt, month, key, cells))
        messages.extend(_failing(fmt, month, key, cells, scope="row"))
    for key, cells in totals.items():
        messages.extend(_failing(fmt, month, key, cells, scope="total"))
    return messages


def _failing(fmt: FormatDef, month: Month, key: str, cells: Mapping[str, Any], scope: str):
    for check in fmt.checks:
        if check.scope != scope or not _check_applies(check, key, cells, fmt, month):
            continue
        if check.rule.evaluate(cells) is False:
            for column in check.cells:
                yield CellMessage(key, column, check.code, check.message)
