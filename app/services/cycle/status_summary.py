"""The status page's levels: one line per Zone, a Zone's returns, an office's returns — with filters.

The summary never loads a return as an object: one query reads the month's status and
dates of the returns in the caller's jurisdiction as plain rows, and the counting reuses
the same rules as the detail rows (`expected_pairs`, `deadline_status`), so a Zone's
line always equals the sum of its detail rows under the same filter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.extensions import db
from app.models.org import Office
from app.models.returns import MprReturn
from app.security.policy import ENTERING_KINDS, VALIDATING_KINDS, Actor
from app.services.accounts.organisation import offices_visible_to
from app.services.cycle import deadlines
from app.services.cycle.status import (
    Completeness,
    ReturnState,
    expected_pairs,
    formats_for,
    return_states,
    zones_of,
)

SHOW_LATE, SHOW_NOT_REPORTED = "late", "not-reported"
SHOW_CHOICES = (SHOW_LATE, SHOW_NOT_REPORTED)


@dataclass(frozen=True)
class StatusFilter:
    """What the page narrows to: one Functional Owner's formats, and late or not-reported returns."""

    owner: str | None = None
    show: str | None = None  # None (every return) | "late" | "not-reported"

    @classmethod
    def of(cls, owner: str | None, show: str | None) -> StatusFilter:
        """A filter from query arguments; an unknown `show` shows every return."""
        return cls(owner or None, show if show in SHOW_CHOICES else None)

    def keeps(self, state: str) -> bool:
        """Whether a return in deadline state `state` passes the filter."""
        if self.show == SHOW_LATE:
            return state in deadlines.LATE
        if self.show == SHOW_NOT_REPORTED:
            return state == deadlines.NOT_REPORTED
        return True


@dataclass
class ZoneLine:
    """One Zone (or DGRI/DGCEI) of the summary: counts over its offices' expected returns."""

    zone: Office
    counts: Completeness = field(default_factory=Completeness)
    by_office: dict[int, Completeness] = field(default_factory=dict)

    def count(self, office: Office, status: str | None, state: str) -> None:
        """Count one return of `office` in the Zone's line and in the office's own counts."""
        self.counts.count(status, state)
        self.by_office.setdefault(office.id, Completeness()).count(status, state)

    @property
    def offices(self) -> int:
        """Offices with at least one return counted."""
        return len(self.by_office)

    @property
    def offices_validated(self) -> int:
        """Offices whose every counted return is validated."""
        return sum(1 for counts in self.by_office.values() if counts.complete)


@dataclass(frozen=True)
class Scope:
    """The entering offices a caller may see and the Zones above them."""

    offices: list[Office]
    zone_of: dict[int, Office]  # office id -> its Zone
    zones: dict[str, Office]

    @classmethod
    def of(cls, actor: Actor | None) -> Scope:
        """The caller's offices and their Zones (two queries)."""
        offices = offices_visible_to(actor, tuple(ENTERING_KINDS))
        zone_of = zones_of(offices)
        zones = {zone.code: zone for zone in zone_of.values() if zone.kind in VALIDATING_KINDS}
        return cls(offices, zone_of, zones)

    def zone(self, code: str | None) -> Office | None:
        """The Zone of this code if the caller sees an office under it, else None."""
        return self.zones.get(code or "")


def _filed(month: Month, offices: list[Office], formats: list[FormatDef]) -> dict[tuple[int, str], object]:
    """(office id, format code) -> a row of (status, submitted_at, validated_at) for the month's returns."""
    if not offices or not formats:
        return {}
    query = select(
        MprReturn.office_id,
        MprReturn.format_code,
        MprReturn.status,
        MprReturn.submitted_at,
        MprReturn.validated_at,
    ).where(
        MprReturn.period == month.first_day,
        MprReturn.office_id.in_([o.id for o in offices]),
        MprReturn.format_code.in_([f.code for f in formats]),
    )
    return {(row.office_id, row.format_code): row for row in db.session.execute(query)}


def zone_summary(
    actor: Actor | None, month: Month, flt: StatusFilter, scope: Scope, today: dt.date | None = None
) -> list[ZoneLine]:
    """One line per Zone with expected returns, counting those that pass the filter, by Zone code."""
    formats = formats_for(month, flt.owner)
    filed = _filed(month, scope.offices, formats)
    today, dues = today or dt.date.today(), deadlines.due_dates(month, formats)
    lines: dict[int, ZoneLine] = {}
    for office, fmt in expected_pairs(actor, scope.offices, formats, today):
        zone = scope.zone_of[office.id]
        line = lines.setdefault(zone.id, ZoneLine(zone))
        row = filed.get((office.id, fmt.code))
        state = deadlines.deadline_status(row, month, today, dues[fmt.code])
        if flt.keeps(state):
            line.count(office, row.status if row is not None else None, state)
    return sorted(lines.values(), key=lambda line: line.zone.code)


def detail_states(
    actor: Actor | None,
    month: Month,
    flt: StatusFilter,
    zone: Office,
    office: Office | None = None,
    today: dt.date | None = None,
) -> list[ReturnState]:
    """A Zone's (or one of its offices') expected returns that pass the filter, office by office."""
    states = return_states(
        actor, month, flt.owner, office.code if office is not None else None, today, within=zone
    )
    return [state for state in states if flt.keeps(state.state)]


def totals(lines: list[ZoneLine]) -> ZoneLine | None:
    """The lines added up (None for none): the all-India row of the summary."""
    if not lines:
        return None
    total = ZoneLine(lines[0].zone)
    for line in lines:
        total.counts.merge(line.counts)
        total.by_office.update(line.by_office)  # an office lies under one Zone only
    return total


def format_counts(
    actor: Actor | None, month: Month, formats: list[FormatDef], scope: Scope, today: dt.date | None = None
) -> dict[str, Completeness]:
    """{format code: counts of its expected returns for `month`} over the caller's offices (the
    dashboard's reporting status): one query, the same rules as the status page's lines."""
    filed = _filed(month, scope.offices, formats)
    today, dues = today or dt.date.today(), deadlines.due_dates(month, formats)
    found = {fmt.code: Completeness() for fmt in formats}
    for office, fmt in expected_pairs(actor, scope.offices, formats, today):
        row = filed.get((office.id, fmt.code))
        found[fmt.code].count(
            row.status if row is not None else None,
            deadlines.deadline_status(row, month, today, dues[fmt.code]),
        )
    return found
