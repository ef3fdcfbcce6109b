"""The limits a grid cell carries to the page: data attributes the live grid reads (no inline script).

Per cell only numbers go to the page (the limits, and the ranges as shown); the wordings, translated
once, go with the page (`page_texts`), and app/static/js/mpr-outliers.js writes the warning.
"""

from __future__ import annotations

from app.services.reports.outliers import OWN, PEER, Band, CellLimits, cell_limits, warning_texts


def _shown_range(band: Band) -> tuple[float, float]:
    """The range as the warning writes it: a lower limit below zero of a non-negative history reads 0."""
    return (max(band.low, 0.0) if band.median >= 0 else band.low), band.high


def limit_attributes(limits: CellLimits) -> str:
    """` data-limit-low=… data-limit-high=… data-limit-judge=… data-limit-from/to=… [data-peer-from/to=…]`
    (numbers and a fixed word only), or '' when no limit applies."""
    band = limits.deciding
    if band is None:
        return ""
    shown_from, shown_to = _shown_range(band)
    attributes = (
        f' data-limit-low="{band.low!r}" data-limit-high="{band.high!r}" data-limit-judge="{limits.judge}"'
        f' data-limit-from="{shown_from!r}" data-limit-to="{shown_to!r}"'
    )
    if limits.judge == OWN and limits.peer is not None:
        peer_from, peer_to = _shown_range(limits.peer)
        attributes += f' data-peer-from="{peer_from!r}" data-peer-to="{peer_to!r}"'
    return attributes


def grid_limit_attributes(grid) -> dict[tuple[str, str], str]:
    """{(row key, column code): attributes} for every cell of the grid that has limits."""
    columns = {c.code for c in grid.columns}
    found = {}
    for (row, code), limits in cell_limits(grid.fmt, grid.office, grid.month).items():
        attributes = limit_attributes(limits) if code in columns else ""
        if attributes:
            found[(row, code)] = attributes
    return found


def page_texts() -> dict[str, str]:
    """The warnings' wordings for the page's script, in the page's language (%(low)s, %(high)s left in)."""
    texts = warning_texts()
    return {
        "own_above": texts[(OWN, True)],
        "own_below": texts[(OWN, False)],
        "peer_above": texts[(PEER, True)],
        "peer_below": texts[(PEER, False)],
        "peers": texts[PEER],
        "end": texts["end"],
    }


def warnings_message(grid, warnings) -> str:
    """The save page's note: 'Saved; 2 figures lie far from their usual range: Row — Column: …'."""
    from flask_babel import gettext as _

    from app.presenters.cells import cell_name

    labels = {row.key: row.label for row in grid.rows}
    columns = {c.code: c for c in grid.columns}
    shown = [w for w in warnings if w.column in columns]
    cells = "; ".join(f"{cell_name(labels.get(w.row), columns[w.column])}: {w.reason}" for w in shown)
    return _(
        "%(count)d figure(s) lie far from their usual range (saved all the same): %(cells)s",
        count=len(warnings),
        cells=cells,
    )
