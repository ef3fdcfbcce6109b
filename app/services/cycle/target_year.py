"""Reading targets (formats set by their owner): one financial year, one line per office.

The owner reads every office the format applies to and sets them; the Board and
administrators read them all; a Zone reads its offices' and an office its own (both read
only what the jurisdiction policy lets them VIEW). Another owner is answered as if the
format did not exist; Divisions, Ranges and system accounts are refused. A bounded number
of queries: the offices, the returns set, their cells, the Zones and who set them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.definitions.months import Month
from app.definitions.schema import ColumnDef, FormatDef
from app.extensions import db
from app.models.org import Office
from app.models.returns import MprReturn
from app.presenters.display import month_name
from app.security.policy import ENTERING_KINDS, VALIDATING_KINDS, Action, Actor, applies_to, may, may_set
from app.services.accounts.organisation import offices_visible_to
from app.services.cycle.status import zones_of
from app.services.cycle.targets import VALIDATED, TargetFormatNotFound, TargetsRefused, target_grid
from app.services.engine import catalogue, rowstore
from app.services.engine.grid import GridClosed, assemble, latest_year


@dataclass
class TargetLine:
    """One office's targets for the year: the figures of its total row (or its only row)."""

    office: Office
    zone: Office
    ret: MprReturn | None  # the return the owner set (None: not set yet)
    cells: dict[str, Any] = field(default_factory=dict)
    set_by: str | None = None

    @property
    def is_set(self) -> bool:
        """Whether the owner has set this office's targets for the year."""
        return self.ret is not None


@dataclass
class TargetYear:
    """A format set by its owner for one financial year, one line per office the caller reads."""

    fmt: FormatDef
    year: Month
    columns: tuple[ColumnDef, ...]
    lines: list[TargetLine]
    may_set: bool

    @property
    def set_count(self) -> int:
        """How many offices have their targets set."""
        return sum(1 for line in self.lines if line.is_set)


def require_reader(actor: Actor | None, fmt: FormatDef) -> None:
    """Refuse those who may not read a format's targets at all (another owner: as if absent)."""
    if actor is None:
        raise TargetsRefused()
    if actor.is_admin or actor.is_board or actor.owner_code == fmt.owner:
        return
    if actor.owner_code is not None:
        raise TargetFormatNotFound()
    if actor.office is None or actor.office.kind not in ENTERING_KINDS | VALIDATING_KINDS:
        raise TargetsRefused(_("Targets are read by the offices, their Zones, the owner and the Board."))


def readable_formats(actor: Actor | None) -> list[FormatDef]:
    """The formats set by their owner whose targets the caller reads (its own, for an owner)."""
    found = []
    for fmt in catalogue.definitions().formats.values():
        if not fmt.set_by_owner:
            continue
        try:
            require_reader(actor, fmt)
        except (TargetsRefused, TargetFormatNotFound):
            continue
        found.append(fmt)
    return found


def target_year_of(fmt: FormatDef, month: Month, today: dt.date | None = None) -> Month:
    """The April of the year `month` names, if targets can be read or set for it (GridClosed if not)."""
    year = fmt.return_month(month)
    if not fmt.in_force(year):
        shown = month_name(year)
        raise GridClosed(_("%(format)s is not in force for %(month)s.", format=fmt.code, month=shown))
    if year > latest_year(fmt, today):
        raise GridClosed(_("Targets are set for the financial year under way and the next one."))
    return year


def years_open(fmt: FormatDef, today: dt.date | None = None) -> list[Month]:
    """The years whose targets may be read or set, latest first (the next financial year first)."""
    years, year = [], latest_year(fmt, today)
    while fmt.in_force(year):
        years.append(year)
        year = year.shift(-12)
    return years


def offices_of(actor: Actor | None, fmt: FormatDef) -> list[Office]:
    """The offices the format applies to whose targets the caller reads, in the hierarchy's order."""
    return [
        office
        for office in offices_visible_to(actor, tuple(ENTERING_KINDS))
        if applies_to(fmt, office) and may(actor, Action.VIEW, office, fmt)
    ]


def target_year(
    actor: Actor | None, fmt: FormatDef, month: Month, today: dt.date | None = None
) -> TargetYear:
    """The year's targets of every office the caller reads."""
    require_reader(actor, fmt)
    year = target_year_of(fmt, month, today)
    offices = offices_of(actor, fmt)
    found = db.session.execute(
        select(MprReturn).where(
            MprReturn.format_code == fmt.code,
            MprReturn.period == year.first_day,
            MprReturn.status == VALIDATED,
            MprReturn.office_id.in_([o.id for o in offices]),
        )
    ).scalars()
    returns = {ret.office_id: ret for ret in found}
    stored = rowstore.read_many(fmt, [ret.id for ret in returns.values()])
    zones, names = zones_of(offices), _usernames({r.validated_by_id for r in returns.values()})
    lines = []
    for office in offices:
        ret = returns.get(office.id)
        cells = _line_cells(fmt, office, year, ret, stored.get(ret.id, {})) if ret is not None else {}
        setter = names.get(ret.validated_by_id) if ret is not None else None
        lines.append(TargetLine(office, zones[office.id], ret, cells, setter))
    columns = tuple(c for c in fmt.entry_columns_in_force(year) if c.is_numeric)
    return TargetYear(fmt, year, columns, lines, may_set(actor, fmt))


def _line_cells(fmt: FormatDef, office: Office, year: Month, ret: MprReturn, stored) -> dict[str, Any]:
    """The figures a line shows: the grid's total row, else its first row (formulas recomputed)."""
    grid = assemble(fmt, office, year, ret, stored, None)
    row = next((r for r in grid.rows if r.is_total), grid.rows[0] if grid.rows else None)
    return dict(row.cells) if row is not None else {}


def _usernames(user_ids: set[int | None]) -> dict[int, str]:
    """User id -> user name for the ids given (one query)."""
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    user = current_app.appbuilder.sm.user_model
    return dict(db.session.execute(select(user.id, user.username).where(user.id.in_(ids))).all())


def office_targets(actor: Actor | None, fmt: FormatDef, office: Office | None, month: Month, today=None):
    """One office's return for the year, as the owner edits it and others read it (404 outside what
    the caller reads)."""
    require_reader(actor, fmt)
    year = target_year_of(fmt, month, today)
    if office is None or not applies_to(fmt, office) or not may(actor, Action.VIEW, office, fmt):
        raise TargetFormatNotFound()
    return target_grid(fmt, office, year, today)


def years_to_set(fmt: FormatDef, today: dt.date) -> list[Month]:
    """The years whose targets the owner should have set by `today`: the year under way, and the next
    one from January (its last quarter before it begins)."""
    this_year = Month.of(today).fy_start
    return [this_year, this_year.shift(12)] if today.month in (1, 2, 3) else [this_year]


def unset_targets(actor: Actor | None, today: dt.date) -> list[tuple[FormatDef, Month, int, int]]:
    """(format, year, offices without targets, offices) for the formats `actor` sets (its to-do list)."""
    found = []
    for fmt in catalogue.definitions().formats.values():
        if not may_set(actor, fmt):
            continue
        offices = offices_of(actor, fmt)
        for year in (y for y in years_to_set(fmt, today) if fmt.in_force(y)):
            set_count = db.session.execute(
                select(func.count()).where(
                    MprReturn.format_code == fmt.code,
                    MprReturn.period == year.first_day,
                    MprReturn.status == VALIDATED,
                    MprReturn.office_id.in_([o.id for o in offices]),
                )
            ).scalar_one()
            if set_count < len(offices):
                found.append((fmt, year, len(offices) - set_count, len(offices)))
    return found
