"""The limits a grid cell carries to the page: data attributes the live grid reads (no inline script)."""

from __future__ import annotations

from markupsafe import escape

from app.services.reports.outliers import CellLimits, cell_limits, warning_text, warning_texts


def limit_attributes(limits: CellLimits, places: int, texts: dict | None = None) -> str:
    """` data-limit-low=… data-limit-high=… data-limit-above=… data-limit-below=…` (escaped), or ''."""
    band = limits.deciding
    if band is None:
        return ""
    above, below = warning_text(limits, True, places, texts), warning_text(limits, False, places, texts)
    return (
        f' data-limit-low="{band.low!r}" data-limit-high="{band.high!r}" data-limit-judge="{limits.judge}"'
        f' data-limit-above="{escape(above)}" data-limit-below="{escape(below)}"'
    )


def grid_limit_attributes(grid) -> dict[tuple[str, str], str]:
    """{(row key, column code): attributes} for every cell of the grid that has limits."""
    places = {c.code: c.decimals for c in grid.columns}
    texts = warning_texts()
    found = {}
    for (row, code), limits in cell_limits(grid.fmt, grid.office, grid.month).items():
        if code in places:
            attributes = limit_attributes(limits, places[code], texts)
            if attributes:
                found[(row, code)] = attributes
    return found


def warnings_message(grid, warnings) -> str:
    """The save page's note: 'Saved; 2 figures lie far from their usual range: Row — Column: …'."""
    from flask_babel import gettext as _

    from app.presenters.cells import cell_name

    labels = {row.key: row.label for row in grid.rows}
    columns = {c.code: c for c in grid.columns}
    shown = [w for w in warnings if w.column in columns]
    cells = "; ".join(f"{cell_name(labels.get(w.row), columns[w.column])}: {w.message}" for w in shown)
    return _(
        "%(count)d figure(s) lie far from their usual range (saved all the same): %(cells)s",
        count=len(warnings),
        cells=cells,
    )
