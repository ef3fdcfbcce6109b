"""How one cell value is written on screen and on paper."""

from __future__ import annotations

from typing import Any

from app.definitions.schema import ColumnDef


def display(value: Any, column: ColumnDef) -> str:
    """A cell value as shown: amounts and percents with 2 decimals, blanks empty."""
    return column.kind.display(value)
