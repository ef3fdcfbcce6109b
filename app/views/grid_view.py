"""What the grid template shows, worked out once in Python (the template only loops).

Rendering a product-rows format is ~300 cells; deciding editability, formatting values
and finding messages here keeps the page within twice a bare FAB page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.definitions.schema import ColumnDef
from app.services.grid import Grid, GridRow


def display(value: Any, column: ColumnDef) -> str:
    """A cell value as shown: amounts and percents with 2 decimals, blanks empty."""
    if value is None:
        return ""
    if column.type in ("amount", "percent"):
        return f"{Decimal(str(value)):.2f}"
    return str(value)


@dataclass(frozen=True)
class CellView:
    """One cell: whether it takes input, the text to show, its messages."""

    column: ColumnDef
    editable: bool
    text: str
    messages: tuple[str, ...]


@dataclass(frozen=True)
class RowView:
    """One row: its own label, the group heading to print before it, and its cells."""

    row: GridRow
    label: str
    heading: str | None
    cells: tuple[CellView, ...]


def _own_label(row: GridRow) -> str:
    """Under its group heading a row shows only its own part: 'Audit cases', not 'ADC/JC — Audit cases'."""
    prefix = f"{row.group} — " if row.group else None
    if prefix and not row.is_total and row.label.startswith(prefix):
        return row.label[len(prefix) :]
    return row.label


def row_views(grid: Grid, can_enter: bool, messages: dict[tuple[str, str], list[str]]) -> list[RowView]:
    """Every row of the grid ready to print."""
    views, previous_group = [], None
    for row in grid.rows:
        heading = row.group if row.group and row.group != previous_group and not row.is_total else None
        previous_group = row.group
        cells = []
        for column in grid.columns:
            editable = can_enter and grid.editable(row, column)
            typed = row.typed.get(column.code)
            text = typed if typed is not None and editable else display(row.cells.get(column.code), column)
            cells.append(CellView(column, editable, text, tuple(messages.get((row.key, column.code), ()))))
        views.append(RowView(row, _own_label(row), heading, tuple(cells)))
    return views
