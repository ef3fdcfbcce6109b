"""Naming a cell the way people read the paper form: "row — column group — column"."""

from __future__ import annotations

from app.definitions.schema import ColumnDef


def column_name(column: ColumnDef) -> str:
    """A column with its groups: "Disposal — No."."""
    return " — ".join([*column.group_path, column.label])


def cell_name(row_label: str | None, column: ColumnDef) -> str:
    """A cell by row, column group and column: "Commissionerate level cases — Disposal — No."."""
    return " — ".join([row_label or "—", column_name(column)])
