"""What the grid template shows, worked out once in Python (the template only loops).

Rendering a product-rows format is ~300 cells; deciding editability, formatting values
and finding messages here keeps the page within twice a bare FAB page.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from app.definitions.schema import UNITS, ColumnDef, FormatDef
from app.definitions.texts import after_prefix, joined
from app.presenters.cells import display, input_text
from app.services.engine.grid import Grid, GridRow


@dataclass(frozen=True)
class CellView:
    """One cell: whether it takes input, the text to show, its messages."""

    column: ColumnDef
    editable: bool
    text: str
    messages: tuple[str, ...]
    remarks: tuple[str, ...] = ()  # what the validating unit pointed out at this cell
    name: str = ""  # the spoken name of its input: "row — group — column (unit)"
    role: str = ""  # entered, carried, computed (a computed row's every cell) or 'fed'; '': the column's
    limits: str = ""  # the cell's peer limits as escaped data attributes (presenters/outlier_cells.py)


@dataclass(frozen=True)
class RowView:
    """One row: its own label, the group heading to print before it, and its cells."""

    row: GridRow
    label: str
    heading: str | None
    cells: tuple[CellView, ...]
    spoken: str = ""  # the row's part of its cells' names, unique within the grid
    side: str | None = None  # 'beside' layouts: the group label printed beside this row and those after it
    side_span: int = 0  # how many rows that label spans

    @property
    def cells_html(self) -> Markup:
        """The row's <td> cells. Every value interpolated by cell_html is escape()d."""
        html = "".join(cell_html(self.row, cell) for cell in self.cells)
        return Markup(html)  # noqa: S704 - built only from escape()d values and fixed markup


def column_unit(fmt: FormatDef, column: ColumnDef) -> str | None:
    """The unit a column's figures are in: the format's money unit for amounts, % for percents."""
    if column.type == "percent":
        return "%"
    if column.type == "amount" and fmt.unit != "count":
        return UNITS[fmt.unit]
    return None


def cell_name(row_label: str, column: ColumnDef, unit: str | None = None) -> str:
    """The spoken name of a grid input: 'row label — group — column (unit)' (empty parts left out)."""
    name = joined(" — ", (part for part in (row_label, *column.group_path, column.label) if part))
    return joined(" ", (name, f"({unit})")) if unit else name


def format_cell_name(fmt: FormatDef, row_label: str, column: ColumnDef) -> str:
    """cell_name with the column's unit in `fmt` (templates: the inputs of a row added in the page)."""
    return cell_name(row_label, column, column_unit(fmt, column))


def _input_html(row: GridRow, cell: CellView, described: str) -> str:
    column, text = cell.column, cell.text
    name = escape(f"cell|{row.key}|{column.code}")
    label = escape(cell.name)
    if cell.messages:
        described += ' aria-invalid="true"'
    if column.kind.widget == "select":
        options = "".join(
            f"<option{' selected' if text == choice else ''}>{escape(choice)}</option>"
            for choice in column.choices
        )
        return (
            f'<select class="form-control input-sm" name="{name}" aria-label="{label}"{described}>'
            f'<option value=""></option>{options}</select>'
        )
    widget = column.kind.widget
    kind = 'type="date"' if widget == "date" else f'type="text" inputmode="{column.kind.input_mode}"'
    limit = f' maxlength="{int(column.max_length)}"' if column.max_length else ""
    value = escape(text)
    return (
        f'<input class="form-control input-sm" name="{name}" value="{value}" {kind}{limit} '
        f'aria-label="{label}"{described}>'
    )


def message_id(row: GridRow, column: ColumnDef, index: int) -> str:
    """The id of a cell's index-th message or remark (no spaces: an id is one token)."""
    return "mpr-msg-" + "-".join(part.replace(" ", "_") for part in (row.key, column.code, str(index)))


def cell_html(row: GridRow, cell: CellView) -> str:
    """One <td>: an input when editable, the value otherwise, then its messages (all text escaped).

    Messages and remarks get ids; the input names them in aria-describedby, and is
    aria-invalid while it has a message (a remark alone only describes it).
    """
    column = cell.column
    notes = [("mpr-msg", m) for m in cell.messages] + [("mpr-remark", r) for r in cell.remarks]
    ids = [message_id(row, column, i) for i in range(len(notes))]
    messages = "".join(
        f'<small class="{kind}" id="{escape(at)}">{escape(text)}</small>'
        for (kind, text), at in zip(notes, ids, strict=True)
    )
    described = f' aria-describedby="{escape(" ".join(ids))}"' if ids else ""
    inner = (
        _input_html(row, cell, described)
        if cell.editable
        else f'<span class="mpr-value">{escape(cell.text)}</span>'
    )
    error = (" has-error" if cell.messages else "") + (" mpr-has-remark" if cell.remarks else "")
    code, role, kind = escape(column.code), escape(cell.role or column.role), escape(column.type)
    return (
        f'<td data-col="{code}" data-role="{role}" data-type="{kind}"{cell.limits} '
        f'class="mpr-cell mpr-role-{role}{error}">{inner}{messages}</td>'
    )


def _own_label(row: GridRow, beside: bool) -> str:
    """Under (or beside) its group label a row shows only its own part: 'Audit cases', not 'ADC/JC — Audit
    cases'; beside it, a subtotal reads 'Total'."""
    if row.group and (beside or not row.is_total):
        return after_prefix(row.label, row.group, " — ")
    return row.label


def side_labels(rows) -> list[tuple[str | None, int]]:
    """Per row of a 'beside' layout: (group label, rows spanned) on a group's first row, else (None, 0)."""
    found: list[tuple[str | None, int]] = []
    start = 0
    while start < len(rows):
        group, end = rows[start].group, start + 1
        while group and end < len(rows) and rows[end].group == group:
            end += 1
        found.append((group, end - start) if group else (None, 0))
        found.extend((None, 0) for _ in range(end - start - 1))
        start = end
    return found


def row_views(
    grid: Grid,
    can_enter: bool,
    messages: dict[tuple[str, str], list[str]],
    remarks: dict[tuple[str, str], list[str]] | None = None,
    limits: dict[tuple[str, str], str] | None = None,
) -> list[RowView]:
    """Every row of the grid ready to print, with messages, remarks and limits at their cells."""
    remarks, limits = remarks or {}, limits or {}
    units = {column.code: column_unit(grid.fmt, column) for column in grid.columns}
    views, previous_group, spoken_names = [], None, set()
    beside = grid.fmt.rows.groups == "beside"
    sides = side_labels(grid.rows) if beside else [(None, 0)] * len(grid.rows)
    for row, (side, side_span) in zip(grid.rows, sides, strict=True):
        new_group = row.group and row.group != previous_group and not row.is_total
        heading = row.group if new_group and not beside else None
        previous_group = row.group
        spoken = _unique(row.label, spoken_names, len(views) + 1)
        cells = []
        for column in grid.columns:
            editable = can_enter and grid.editable(row, column)
            typed = row.typed.get(column.code)
            value = row.cells.get(column.code)
            if editable:  # what the office types back: plain digits, ISO dates (both parsers read them)
                text = typed if typed is not None else input_text(value, column)
            else:
                text = display(value, column)
            at = (row.key, column.code)
            notes = tuple(messages.get(at, ())), tuple(remarks.get(at, ()))
            name = cell_name(spoken, column, units[column.code])
            if grid.fmt.fed_source(row.key, column) is not None:
                role = "fed"
            else:
                role = grid.fmt.cell_role(row.key, column) if not row.is_total else column.role
            cells.append(CellView(column, editable, text, *notes, name, role, limits.get(at, "")))
        views.append(RowView(row, _own_label(row, beside), heading, tuple(cells), spoken, side, side_span))
    return views


def _unique(label: str, seen: set[str], position: int) -> str:
    """The row's label, with its position added when another row already reads the same."""
    spoken = label if label not in seen else f"{label} ({position})"
    seen.add(spoken)
    return spoken
