"""How one cell value is written on screen and on paper."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.definitions.schema import ColumnDef


def display(value: Any, column: ColumnDef) -> str:
    """A cell value as shown: amounts and percents with 2 decimals, blanks empty."""
    if value is None:
        return ""
    if column.type in ("amount", "percent"):
        return f"{Decimal(str(value)):.2f}"
    return str(value)
