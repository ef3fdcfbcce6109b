"""How one cell value is written on screen and on paper."""

from __future__ import annotations

from typing import Any

from app.definitions.column_types import column_type
from app.definitions.schema import ColumnDef
from app.definitions.texts import joined


def display(value: Any, column: ColumnDef) -> str:
    """A cell value as shown: amounts and percents with 2 decimals, blanks empty."""
    return column_type(column.type).display(value)  # format and report columns alike


def column_name(column: ColumnDef) -> str:
    """A column with its groups: "Disposal — No."."""
    return joined(" — ", [*column.group_path, column.label])


def cell_name(row_label: str | None, column: ColumnDef) -> str:
    """A cell by row, column group and column: "Commissionerate level cases — Disposal — No."

    A format with a single unnamed row names its cells by column alone."""
    if not row_label or row_label == "—":
        return column_name(column)
    return joined(" — ", [row_label, column_name(column)])
