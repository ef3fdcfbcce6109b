"""Which offices a report covers: a unit (an office, a Zone, a DG, or INDIA) as SQL conditions.

A unit is resolved once; its offices are never loaded to be looped over: the
conditions below go into the aggregation query, so the number of queries does not
depend on the number of offices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, literal, or_, select, true

from app.definitions.schema import FormatDef
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.models.org import Office, OfficeKind
from app.models.returns import ReturnStatus
from app.security.policy import ENTERING_KINDS, VALIDATING_KINDS, Action, Actor, may, may_report_nationally

INDIA = "INDIA"
VALIDATED = "validated"
TEMPORARY = "temporary"
BASES = (VALIDATED, TEMPORARY)
REPORT_UNIT_KINDS = ENTERING_KINDS | VALIDATING_KINDS


class ReportNotFound(NotFound):
    """The unit is absent, not a reporting unit, or outside the caller's jurisdiction."""

    code = "report_not_found"


class TemporaryRefused(Forbidden):
    """Only the office itself and its validating unit may see unvalidated figures."""

    code = "temporary_refused"
    default_message = _l("Only the office itself and its validating Zone may see a temporary report.")


@dataclass(frozen=True)
class Unit:
    """What a report aggregates over: every office (INDIA), a Zone/DG, or one office."""

    code: str
    name: str
    office: Office | None  # None for INDIA

    @property
    def level(self) -> str:
        """'india', 'zone' (a Zone or DG HQ) or 'office' (a Commissionerate or DG unit)."""
        if self.office is None:
            return "india"
        return "zone" if self.office.kind in VALIDATING_KINDS else "office"

    @property
    def has_children(self) -> bool:
        """Whether the report can be drilled down one level."""
        return self.level != "office"

    def trail(self) -> list[tuple[str, str]]:
        """Breadcrumbs from INDIA down to this unit, as (code, name)."""
        crumbs = [(INDIA, _("All India"))]
        if self.level == "office" and self.office.parent is not None:
            crumbs.append((self.office.parent.code, self.office.parent.name))
        if self.office is not None:
            crumbs.append((self.code, self.name))
        return crumbs


def resolve_unit(code: str) -> Unit | None:
    """The unit with this code (an active reporting office or INDIA), or None."""
    if code == INDIA:
        return Unit(INDIA, _("All India"), None)
    office = db.session.execute(
        select(Office).where(Office.code == code, Office.active.is_(True))
    ).scalar_one_or_none()
    if office is None or office.kind not in REPORT_UNIT_KINDS:
        return None
    return Unit(office.code, office.name, office)


def may_see(actor: Actor | None, unit: Unit, fmt: FormatDef, today: dt.date | None = None) -> bool:
    """Whether `actor` may see the report of `fmt` over `unit` (the one jurisdiction policy)."""
    if unit.office is None:
        return may_report_nationally(actor, fmt, today)
    return may(actor, Action.REPORT, unit.office, fmt, today)


def may_see_temporary(actor: Actor | None, unit: Unit, fmt: FormatDef) -> bool:
    """Whether `actor` may switch this report to submitted, unvalidated figures."""
    return unit.office is not None and may(actor, Action.TEMPORARY, unit.office, fmt)


def checked_unit(actor: Actor | None, fmt: FormatDef | None, unit_code: str, basis: str) -> Unit:
    """The unit if `actor` may see it on `basis`; ReportNotFound / TemporaryRefused otherwise."""
    unit = resolve_unit(unit_code)
    if fmt is None or unit is None or not may_see(actor, unit, fmt):
        raise ReportNotFound()
    if basis not in BASES:
        raise ReportNotFound()
    if basis == TEMPORARY and not may_see_temporary(actor, unit, fmt):
        raise TemporaryRefused()
    return unit


def statuses(basis: str) -> tuple[str, ...]:
    """Return statuses a report on `basis` includes."""
    if basis == TEMPORARY:
        return (ReturnStatus.SUBMITTED.value, ReturnStatus.VALIDATED.value)
    return (ReturnStatus.VALIDATED.value,)


def files_format(fmt: FormatDef) -> ColumnElement[bool]:
    """SQL form of `policy.applies_to`: the offices that file `fmt` (kind, stream, function)."""
    padded = literal(" ") + Office.segments + literal(" ")
    function_fits = true() if not fmt.functions else Office.function.in_(fmt.functions)
    return and_(
        Office.active.is_(True),
        Office.kind.in_(fmt.filled_by),
        padded.like(f"% {fmt.segment} %"),
        or_(Office.kind != OfficeKind.COMMISSIONERATE.value, function_fits),
    )


def offices_under(unit: Unit, fmt: FormatDef) -> ColumnElement[bool]:
    """SQL condition on Office: the offices under `unit` that file `fmt`."""
    condition = files_format(fmt)
    if unit.office is None:
        return condition
    if unit.level == "office":
        return and_(condition, Office.id == unit.office.id)
    return and_(condition, Office.path.startswith(unit.office.path))


def child_key(unit: Unit, by: str = "children"):
    """The SQL expression naming the child unit of each office (None for an office unit).

    `by="children"` goes one level down (INDIA -> Zones and DG HQs, a Zone -> offices);
    `by="offices"` goes straight to the offices (INDIA -> every office).
    """
    if unit.level == "india" and by != "offices":
        return Office.parent_id  # entering offices are direct children of their Zone / DG HQ
    if unit.level in ("india", "zone"):
        return Office.id
    return None
