"""Open and save one return's grid: carried openings, computed cells, checks, locking.

A grid for month M opens when the format is in force for M, M has ended (an annual
format's return, keyed by April, once its financial year has begun), and the
office has filed M-1 (or has never filed this format: then M is its first month and
the opening balance is entered by hand: it stays editable while the return is a draft,
and through a correction of that month; once submitted it is carried for good).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.definitions.months import Month
from app.definitions.schema import SINGLE_ROW_KEY, ColumnDef, FormatDef, RowDef
from app.definitions.texts import joined
from app.errors import Conflict
from app.extensions import db
from app.i18n import local
from app.models.feeds import ReturnFeed
from app.models.org import Office
from app.models.returns import MprReturn, ReturnStatus
from app.presenters.display import month_name
from app.security.policy import applies_to, as_filled_by
from app.services.engine import calculation, catalogue, rowstore
from app.services.engine.calculation import CellMessage


class GridClosed(Conflict):
    """The grid cannot be opened for that month; str() says why and what to do."""

    code = "grid_closed"


class FormatNotFiled(GridClosed):
    """The office does not file this format at all (its kind, stream or function differ)."""

    code = "format_not_filed"


@dataclass
class ShownRow:
    """A row of figures as a grid or a report shows it: data or total, and its cells by column."""

    key: str
    label: str
    group: str | None = None
    is_total: bool = False
    cells: dict[str, Any] = field(default_factory=dict)


@dataclass
class GridRow(ShownRow):
    """One row of a return's grid: stored or computed values, and any rejected text."""

    typed: dict[str, str] = field(default_factory=dict)  # rejected input, shown again
    position: int = 0
    members: tuple[str, ...] = ()  # total rows: the data rows they add up


@dataclass
class Grid:
    """Everything needed to show or serve one return."""

    fmt: FormatDef
    office: Office
    month: Month
    ret: MprReturn | None
    columns: tuple[ColumnDef, ...]
    rows: list[GridRow]
    first_month: bool
    messages: list[CellMessage] = field(default_factory=list)
    pending: list = field(default_factory=list)  # cross-format checks not evaluated yet (PendingCheck)
    disagreeing_with: list[str] = field(default_factory=list)  # formats a cross-format check fails against
    correcting: bool = False  # a correction request proposes new figures for a validated return
    feeds: dict[str, ReturnFeed] = field(default_factory=dict)  # source code -> its latest feed
    revising: bool = False  # the owner revises a return it sets (set_by: owner): validated, yet editable

    @property
    def status(self) -> str:
        """'not started' until first saved, then the return's status."""
        return self.ret.status if self.ret is not None else "not started"

    @property
    def version(self) -> int:
        """The version a save must quote (0 before the first save)."""
        return self.ret.version if self.ret is not None else 0

    @property
    def locked(self) -> bool:
        """Validated returns are never edited in place."""
        validated = self.ret is not None and self.ret.status == ReturnStatus.VALIDATED
        return validated and not (self.correcting or self.revising)

    def editable(self, row: GridRow, column: ColumnDef) -> bool:
        """Whether the user may type into this cell."""
        if self.locked or row.is_total or not column.in_force(self.month):
            return False
        role = self.fmt.cell_role(row.key, column)
        if role == "entered":  # unless its row is fed by a source (fed cells: the API only)
            return self.fmt.fed_source(row.key, column) is None
        if role == "carried":  # the first month's opening, typed by hand until submitted
            return self.first_month and self.opening_open
        return False

    @property
    def opening_open(self) -> bool:
        """Whether a first month's opening may still be typed: before submission, or in a correction."""
        return self.correcting or self.ret is None or self.ret.status == ReturnStatus.DRAFT


def last_open_month(today: dt.date | None = None) -> Month:
    """The latest month that may be filed: the one that has ended."""
    return Month.of(today or dt.date.today()).prev()


def latest_year(fmt: FormatDef, today: dt.date | None = None) -> Month:
    """The April of the latest year whose annual return may be opened: the year under way, and for a
    format set by its owner (annual targets, set before the year begins) the next year too."""
    this_year = Month.of(today or dt.date.today()).fy_start
    return this_year.shift(12) if fmt.set_by_owner else this_year


def find_return(fmt_code: str, office: Office, month: Month) -> MprReturn | None:
    """The return of one format, office and month, if saved."""
    return db.session.execute(
        select(MprReturn).where(
            MprReturn.format_code == fmt_code,
            MprReturn.office_id == office.id,
            MprReturn.period == month.first_day,
        )
    ).scalar_one_or_none()


def predecessor(fmt: FormatDef, month: Month) -> FormatDef:
    """The format filed for the month before `month` (the replaced one at a hand-over)."""
    if fmt.replaces and fmt.valid_from == month:
        return catalogue.definitions().format(fmt.replaces)
    return fmt


def successor(fmt: FormatDef, month: Month) -> FormatDef | None:
    """The format filed for the month after `month`, if any."""
    following = month.next()
    if fmt.replaced_by and not fmt.in_force(following):
        return catalogue.definitions().format(fmt.replaced_by)
    return fmt if fmt.in_force(following) else None


def later_carried_returns(
    fmt: FormatDef, office: Office, month: Month
) -> Iterator[tuple[FormatDef, Month, MprReturn]]:
    """The saved returns after `month` whose openings carry the closing before them, in order:
    (format filed, month, return), up to the first month without a carrying format or a return."""
    while (following := successor(fmt, month)) is not None and following.has_carry:
        fmt, month = following, month.next()
        ret = find_return(fmt.code, office, month)
        if ret is None:
            return
        yield fmt, month, ret


def _first_filed(fmt: FormatDef, office: Office) -> Month | None:
    """The earliest month this office has filed of the format (or of its predecessor)."""
    codes = {fmt.code} | ({fmt.replaces} if fmt.replaces else set())
    first = db.session.execute(
        select(func.min(MprReturn.period)).where(
            MprReturn.format_code.in_(codes), MprReturn.office_id == office.id
        )
    ).scalar_one()
    return Month.of(first) if first else None


def previous_rows(fmt: FormatDef, office: Office, month: Month) -> dict[str, dict] | None:
    """Cells of the month before (None when there is no such return)."""
    before = predecessor(fmt, month)
    ret = find_return(before.code, office, month.prev())
    if ret is None:
        return None
    return {key: cells for key, (_pos, cells) in rowstore.read(before, ret.id).items()}


def ensure_open(fmt: FormatDef, office: Office, month: Month, today: dt.date | None = None):
    """Raise GridClosed unless the grid for `month` may be opened; return M-1's cells."""
    if not applies_to(fmt, office):
        raise FormatNotFiled(
            _(
                "%(office)s does not file %(format)s (%(title)s): no return is expected from it.",
                office=office.code,
                format=fmt.code,
                title=local(fmt.title),
            )
        )
    if not fmt.in_force(month):
        raise GridClosed(
            _("%(format)s is not in force for %(month)s.", format=fmt.code, month=month_name(month))
        )
    if fmt.annual and month != month.fy_start:
        raise GridClosed(_("An annual return is filed for its financial year, under its April."))
    if month > last_open_month(today) and not (fmt.annual and month <= latest_year(fmt, today)):
        if fmt.annual:
            raise GridClosed(_("The financial year of %(month)s has not begun yet.", month=month_name(month)))
        raise GridClosed(_("%(month)s has not ended yet; it cannot be filed.", month=month_name(month)))
    previous = previous_rows(fmt, office, month)
    if previous is None and fmt.has_carry:
        first = _first_filed(fmt, office)
        if first is not None and first < month:
            raise GridClosed(
                _(
                    "Fill %(month)s first: its closing balance is this month's opening.",
                    month=month_name(month.prev()),
                )
            )
        if first is not None and month < first:
            raise GridClosed(
                _(
                    "This office's %(format)s returns start in %(month)s with an opening balance "
                    "entered once; earlier months cannot be filed any more.",
                    format=fmt.code,
                    month=month_name(first),
                )
            )
    return previous


def _row_defs(fmt: FormatDef, month: Month, stored: Mapping[str, tuple[int, dict]]):
    if fmt.rows.kind == "free":
        ordered = sorted(stored.items(), key=lambda item: item[1][0])
        return [
            RowDef(key, joined(" ", (fmt.rows.free_label, str(i))))
            for i, (key, _stored) in enumerate(ordered, 1)
        ]
    return list(catalogue.defined_rows(fmt, month))


def assemble(fmt, office, month, ret, stored, previous) -> Grid:
    """Build the grid from stored cells, carried openings, formulas, computed rows and totals (for
    `office`: columns limited to other commissionerate functions left out)."""
    fmt = as_filled_by(fmt, office)
    rows: list[GridRow] = []
    entered: dict[str, dict] = {}
    for row_def in _row_defs(fmt, month, stored):
        if row_def.is_total:
            rows.append(GridRow(row_def.key, row_def.label, row_def.group, True, members=row_def.members))
            continue
        position, cells = stored.get(row_def.key, (len(rows), {}))
        entered[row_def.key] = _with_carried(fmt, month, row_def.key, dict(cells), previous)
        rows.append(GridRow(row_def.key, row_def.label, row_def.group, False, {}, {}, position))
    data = calculation.compute_rows(fmt, month, entered)
    for row in rows:
        if not row.is_total:
            row.cells = data[row.key]
    _fill_totals(fmt, month, rows, data)
    grid = Grid(fmt, office, month, ret, fmt.entry_columns_in_force(month), rows, previous is None)
    grid.messages = calculation.check_messages(fmt, month, data, _totals(rows))
    return grid


def _with_carried(fmt: FormatDef, month: Month, key: str, cells: dict, previous: dict | None) -> dict:
    """The row's cells with each carried cell taken from last month's cell it names (when stored)."""
    if previous is None:
        return cells
    for column in fmt.columns_in_force(month):
        source = fmt.carried_from(key, column)
        if source is not None and source[0] in previous:
            cells[column.code] = previous[source[0]].get(source[1])
    return cells


def _totals(rows: list[GridRow]) -> dict[str, dict]:
    return {row.key: row.cells for row in rows if row.is_total}


def _fill_totals(fmt: FormatDef, month: Month, rows: list[GridRow], data: dict) -> None:
    for row in rows:
        if row.is_total:
            members = row.members or tuple(data)
            row.cells = calculation.total_cells(fmt, month, (data[k] for k in members if k in data))


def open_grid(
    fmt: FormatDef, office: Office, month: Month, today: dt.date | None = None, *, office_view: bool = False
) -> Grid:
    """The grid for one format, office and month, ready to show, with its checks across formats
    (`office_view`: as the office itself sees them: the other formats' drafts count, figures quoted)."""
    previous = ensure_open(fmt, office, month, today)
    ret = find_return(fmt.code, office, month)
    stored = rowstore.read(fmt, ret.id) if ret is not None else {}
    if fmt.rows.kind == "single" and not stored:
        stored = {SINGLE_ROW_KEY: (0, {})}
    # A validated return shows the figures that were validated: if a correction of the month
    # before has moved its opening since, it is flagged inconsistent, never silently re-carried.
    validated = ret is not None and ret.status == ReturnStatus.VALIDATED
    grid = assemble(fmt, office, month, ret, stored, None if validated else previous)
    grid.first_month = previous is None
    grid.feeds = feeds_of(fmt, month, ret)
    from app.services.engine import cross_checks  # it assembles the other formats' grids with this module

    across = cross_checks.evaluate(grid, office_view=office_view)
    grid.messages.extend(across.failing)
    grid.pending = across.pending
    grid.disagreeing_with = across.disagreeing_with
    return grid


def feeds_of(fmt: FormatDef, month: Month, ret: MprReturn | None) -> dict[str, ReturnFeed]:
    """The latest feed of each source of the return (none asked for a format no source feeds)."""
    if ret is None or ret.id is None or not fmt.sources_in_force(month):
        return {}
    found = db.session.execute(select(ReturnFeed).where(ReturnFeed.return_id == ret.id)).scalars()
    return {feed.source: feed for feed in found}
