"""The legend a grid shows above fed cells: which system feeds them, and when it last did."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.i18n import local
from app.presenters.display import moment
from app.services.engine import catalogue
from app.services.engine.grid import Grid


@dataclass(frozen=True)
class FedLine:
    """One source of a grid: its code, what the legend says, and whether it has fed the return."""

    source: str
    text: str
    fed: bool


def _numbers(numbers: list[int]) -> str:
    """Column numbers as the printed grid shows them, runs joined: '1-3, 5, 7-8'."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"{run[0]}" if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)


def _where(grid: Grid, source: str) -> list[str]:
    """Which columns and rows the source writes, as the legend says it."""
    found = []
    columns = [c.number for c in grid.fmt.fed_columns_in_force(grid.month, source) if c.on_entry_grid]
    if columns:
        found.append(
            _(
                "Columns %(columns)s (marked “fed”) are written by that system and cannot be changed here.",
                columns=_numbers(columns),
            )
        )
    rows = [local(r.label) for r in grid.fmt.fed_rows_in_force(grid.month, source)]
    if rows:
        found.append(
            _(
                "Rows %(rows)s (marked “fed”) are written by that system and cannot be changed here.",
                rows=", ".join(rows),
            )
        )
    return found


def fed_legend(grid: Grid) -> list[FedLine]:
    """A line per source that feeds the grid's month: 'Fed from GSTN (...) on 03-12-2026 10:15 UTC ...'."""
    lines = []
    for source in grid.fmt.sources_in_force(grid.month):
        title = f"{source} ({local(catalogue.source_title(source))})"
        feed = grid.feeds.get(source)
        if feed is not None:
            when = _("Fed from %(source)s on %(when)s UTC.", source=title, when=moment(feed.fed_at))
        else:
            when = _("Not fed yet from %(source)s: the return can be submitted once it is.", source=title)
        lines.append(FedLine(source, " ".join([when, *_where(grid, source)]), feed is not None))
    return lines
