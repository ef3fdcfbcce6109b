"""How one cell value is written on screen and on paper."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.definitions.column_types import column_type
from app.definitions.schema import ColumnDef
from app.definitions.texts import joined
from app.presenters.display import day, indian_number


def display(value: Any, column: ColumnDef) -> str:
    """A cell value as read: numbers in Indian grouping (1,23,456.50), dates dd-mm-yyyy, blanks empty."""
    kind = column_type(column.type)  # format and report columns alike
    if value is None:
        return ""
    if kind.numeric:
        return indian_number(value, kind.places or 0)
    if isinstance(value, dt.date):
        return day(value)
    return kind.display(value)


def input_text(value: Any, column: ColumnDef) -> str:
    """A cell value put in an input: plain digits (1234.50), ISO dates for the date picker."""
    return column_type(column.type).display(value)


def column_name(column: ColumnDef) -> str:
    """A column with its groups: "Disposal — No."."""
    return joined(" — ", [*column.group_path, column.label])


def cell_name(row_label: str | None, column: ColumnDef) -> str:
    """A cell by row, column group and column: "Commissionerate level cases — Disposal — No."

    A format with a single unnamed row names its cells by column alone."""
    if not row_label or row_label == "—":
        return column_name(column)
    return joined(" — ", [row_label, column_name(column)])
