"""What the grid template shows, worked out once in Python (the template only loops).

Rendering a product-rows format is ~300 cells; deciding editability, formatting values
and finding messages here keeps the page within twice a bare FAB page.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from app.definitions.schema import ColumnDef
from app.presenters.cells import display
from app.services.engine.grid import Grid, GridRow


@dataclass(frozen=True)
class CellView:
    """One cell: whether it takes input, the text to show, its messages."""

    column: ColumnDef
    editable: bool
    text: str
    messages: tuple[str, ...]
    remarks: tuple[str, ...] = ()  # what the validating unit pointed out at this cell


@dataclass(frozen=True)
class RowView:
    """One row: its own label, the group heading to print before it, and its cells."""

    row: GridRow
    label: str
    heading: str | None
    cells: tuple[CellView, ...]

    @property
    def cells_html(self) -> Markup:
        """The row's <td> cells. Every value interpolated by cell_html is escape()d."""
        html = "".join(cell_html(self.row, cell) for cell in self.cells)
        return Markup(html)  # noqa: S704 - built only from escape()d values and fixed markup


def _input_html(row: GridRow, column: ColumnDef, text: str) -> str:
    name = escape(f"cell|{row.key}|{column.code}")
    label = escape(f"{row.label} — {column.label}")
    if column.kind.widget == "select":
        options = "".join(
            f"<option{' selected' if text == choice else ''}>{escape(choice)}</option>"
            for choice in column.choices
        )
        return (
            f'<select class="form-control input-sm" name="{name}" aria-label="{label}">'
            f'<option value=""></option>{options}</select>'
        )
    widget = column.kind.widget
    kind = 'type="date"' if widget == "date" else f'type="text" inputmode="{column.kind.input_mode}"'
    limit = f' maxlength="{int(column.max_length)}"' if column.max_length else ""
    value = escape(text)
    return (
        f'<input class="form-control input-sm" name="{name}" value="{value}" {kind}{limit} '
        f'aria-label="{label}">'
    )


def cell_html(row: GridRow, cell: CellView) -> str:
    """One <td>: an input when editable, the value otherwise, then its messages (all text escaped)."""
    column = cell.column
    inner = (
        _input_html(row, column, cell.text)
        if cell.editable
        else f'<span class="mpr-value">{escape(cell.text)}</span>'
    )
    messages = "".join(f'<small class="mpr-msg">{escape(m)}</small>' for m in cell.messages)
    messages += "".join(f'<small class="mpr-remark">{escape(r)}</small>' for r in cell.remarks)
    error = (" has-error" if cell.messages else "") + (" mpr-has-remark" if cell.remarks else "")
    code, role, kind = escape(column.code), escape(column.role), escape(column.type)
    return (
        f'<td data-col="{code}" data-role="{role}" data-type="{kind}" '
        f'class="mpr-cell mpr-role-{role}{error}">{inner}{messages}</td>'
    )


def _own_label(row: GridRow) -> str:
    """Under its group heading a row shows only its own part: 'Audit cases', not 'ADC/JC — Audit cases'."""
    prefix = f"{row.group} — " if row.group else None
    if prefix and not row.is_total and row.label.startswith(prefix):
        return row.label[len(prefix) :]
    return row.label


def row_views(
    grid: Grid,
    can_enter: bool,
    messages: dict[tuple[str, str], list[str]],
    remarks: dict[tuple[str, str], list[str]] | None = None,
) -> list[RowView]:
    """Every row of the grid ready to print, with messages and remarks at their cells."""
    remarks = remarks or {}
    views, previous_group = [], None
    for row in grid.rows:
        heading = row.group if row.group and row.group != previous_group and not row.is_total else None
        previous_group = row.group
        cells = []
        for column in grid.columns:
            editable = can_enter and grid.editable(row, column)
            typed = row.typed.get(column.code)
            text = typed if typed is not None and editable else display(row.cells.get(column.code), column)
            at = (row.key, column.code)
            cells.append(
                CellView(column, editable, text, tuple(messages.get(at, ())), tuple(remarks.get(at, ())))
            )
        views.append(RowView(row, _own_label(row), heading, tuple(cells)))
    return views
