"""Who has filed what: per return, per office and owner, per zone — for one month.

One query reads the month's returns; what is expected comes from the offices in the
caller's jurisdiction and the formats in force, so pages and the API stay a bounded
number of queries whatever the number of offices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, fields

from flask_babel import gettext as _
from sqlalchemy import select

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.extensions import db
from app.models.org import Office, OfficeKind
from app.models.returns import MprReturn, ReturnStatus
from app.security.policy import (
    ENTERING_KINDS,
    VALIDATING_KINDS,
    Action,
    Actor,
    applies_to,
    filing_profile,
    may,
)
from app.services.accounts.organisation import offices_visible_to
from app.services.cycle import deadlines
from app.services.engine import catalogue


@dataclass(frozen=True)
class ReturnState:
    """One expected return and where it stands against the deadline."""

    office: Office
    fmt: FormatDef
    ret: MprReturn | None
    state: str
    due: dt.date

    @property
    def label(self) -> str:
        """The deadline state as the pages show it."""
        return deadlines.label(self.state)


@dataclass
class Completeness:
    """Counts for a group of expected returns (an office's owner set, or a zone)."""

    expected: int = 0
    submitted: int = 0  # submitted or validated
    validated: int = 0
    on_time: int = 0
    pending_validation: int = 0
    late: int = 0  # submitted or validated after the due date
    not_reported: int = 0

    def add(self, state: ReturnState) -> None:
        """Count one expected return."""
        self.count(state.ret.status if state.ret is not None else None, state.state)

    def count(self, status: str | None, state: str) -> None:
        """Count one expected return by its status (None: never saved) and its deadline state."""
        self.expected += 1
        if status in (ReturnStatus.SUBMITTED, ReturnStatus.VALIDATED):
            self.submitted += 1
        if status == ReturnStatus.SUBMITTED:
            self.pending_validation += 1
        if status == ReturnStatus.VALIDATED:
            self.validated += 1
        if state == deadlines.VALIDATED_ON_TIME:
            self.on_time += 1
        if state in deadlines.LATE:
            self.late += 1
        if state == deadlines.NOT_REPORTED:
            self.not_reported += 1

    def merge(self, other: Completeness) -> None:
        """Add another group's counts to these."""
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def all_submitted(self) -> bool:
        """Every expected return is in (the owner's set can be validated)."""
        return self.expected > 0 and self.submitted == self.expected

    @property
    def complete(self) -> bool:
        """Every expected return is validated."""
        return self.expected > 0 and self.validated == self.expected


def formats_for(month: Month, owner: str | None = None) -> list[FormatDef]:
    """The formats whose return is expected in month `month`'s cycle, of one Functional Owner when
    given: the monthly formats in force, and the annual ones in their financial year's April only
    (so an annual return is counted once a year, not twelve times)."""
    formats = catalogue.definitions().formats.values()
    return [f for f in formats if f.filed_in_cycle(month) and (owner is None or f.owner == owner)]


def expected_pairs(
    actor: Actor | None, offices: list[Office], formats: list[FormatDef], today: dt.date | None = None
) -> Iterator[tuple[Office, FormatDef]]:
    """Each (office, format) whose return is expected and whose status the actor may see."""
    filed_by: dict[tuple, list[FormatDef]] = {}  # offices of one filing profile file the same formats
    for office in offices:
        profile = filing_profile(office)
        if profile not in filed_by:
            filed_by[profile] = [fmt for fmt in formats if applies_to(fmt, office)]
        for fmt in filed_by[profile]:
            if may(actor, Action.VIEW, office, fmt, today):
                yield office, fmt


def return_states(
    actor: Actor | None,
    month: Month,
    owner: str | None = None,
    office_code: str | None = None,
    today: dt.date | None = None,
    within: Office | None = None,
) -> list[ReturnState]:
    """Every return expected from offices the actor may see (under `within`), with its deadline state."""
    visible = offices_visible_to(actor, tuple(ENTERING_KINDS), within)
    offices = [o for o in visible if office_code in (None, o.code)]
    formats = formats_for(month, owner)
    if not offices or not formats:
        return []
    found = db.session.execute(
        select(MprReturn).where(
            MprReturn.period == month.first_day,
            MprReturn.office_id.in_([o.id for o in offices]),
            MprReturn.format_code.in_([f.code for f in formats]),
        )
    ).scalars()
    returns = {(r.office_id, r.format_code): r for r in found}
    dues = deadlines.due_dates(month, formats)
    states = []
    for office, fmt in expected_pairs(actor, offices, formats, today):
        ret, due = returns.get((office.id, fmt.code)), dues[fmt.code]
        states.append(ReturnState(office, fmt, ret, deadlines.deadline_status(ret, month, today, due), due))
    return states


@dataclass
class OfficeOwnerRow:
    """One office with its completeness per Functional Owner (the Zone's view)."""

    office: Office
    by_owner: dict[str, Completeness] = field(default_factory=dict)


def by_office_and_owner(states: list[ReturnState]) -> list[OfficeOwnerRow]:
    """Group return states per office, then per owner."""
    rows: dict[int, OfficeOwnerRow] = {}
    for state in states:
        row = rows.setdefault(state.office.id, OfficeOwnerRow(state.office))
        row.by_owner.setdefault(state.fmt.owner, Completeness()).add(state)
    return list(rows.values())


def zone_of(office: Office) -> Office:
    """The validating office above an entering office (its Zone, or DGRI/DGCEI HQ)."""
    parent = office.parent
    while parent is not None and parent.kind not in (OfficeKind.ZONE, OfficeKind.DG_HQ):
        parent = parent.parent
    return parent or office


def zones_of(offices: list[Office]) -> dict[int, Office]:
    """Office id -> `zone_of` that office, with every Zone and DG HQ read in one query (no query per Zone)."""
    query = select(Office).where(Office.kind.in_(tuple(VALIDATING_KINDS)))
    validators = {zone.id: zone for zone in db.session.execute(query).scalars()}
    return {office.id: validators.get(office.parent_id) or zone_of(office) for office in offices}


def validator_label(office: Office) -> str:
    """Who validates the office's returns, as a sentence names it: "DGRI", or "your Zone (GZ-MUM)"."""
    validator = zone_of(office)
    if validator.kind == OfficeKind.DG_HQ:
        return validator.code
    return _("your Zone (%(code)s)", code=validator.code)
