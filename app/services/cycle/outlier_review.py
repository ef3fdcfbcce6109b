"""Before it validates: the figures of its offices that lie far from their usual range.

The validating unit (a Zone, or DGRI / DGCEI for their ADGs) sees, per office, the figures of the
month's returns awaiting its validation (submitted) that the SQL detector flags
(app/services/reports/outliers.py): one query per format with a return awaiting validation, whatever
the number of offices. Validated returns are done with (reports mark their flags). Soft: validation
is never refused.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, select

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.extensions import db
from app.models.org import Office
from app.models.returns import MprReturn, ReturnStatus
from app.presenters.cells import cell_name, display
from app.security.policy import ENTERING_KINDS, Action, Actor, may
from app.services.engine import catalogue
from app.services.reports import outliers


@dataclass(frozen=True)
class FlagLine:
    """One flagged figure as the validation pages list it."""

    office: Office
    fmt: FormatDef
    row: str
    column: str
    cell: str  # "Row — Group — Column"
    value: str  # as the pages write it
    message: str


def _validated_offices(actor: Actor | None) -> list[Office]:
    """The entering offices `actor` validates (the policy's VALIDATE, asked per office)."""
    if actor is None or actor.office is None:
        return []
    found = db.session.execute(
        select(Office).where(Office.parent_id == actor.office.id, Office.kind.in_(list(ENTERING_KINDS)))
    ).scalars()
    return [office for office in found if may(actor, Action.VALIDATE, office)]


def _awaiting_formats(office_ids: list[int], month: Month, codes: set[str] | None) -> list[FormatDef]:
    """The formats with a return of `month` awaiting validation from some of the offices (one query)."""
    found = db.session.execute(
        select(MprReturn.format_code)
        .where(
            MprReturn.office_id.in_(office_ids),
            MprReturn.period == month.first_day,
            MprReturn.status == ReturnStatus.SUBMITTED.value,
        )
        .distinct()
    ).scalars()
    formats = catalogue.definitions().formats
    return [formats[c] for c in sorted(found) if c in formats and (codes is None or c in codes)]


def _lines(fmt: FormatDef, month: Month, flags: list[outliers.Flag], offices: dict[int, Office]):
    """The flags as lines, each cell named by row and column."""
    rows = {row.key: row.label for row in catalogue.defined_rows(fmt, month)}
    lines = []
    for flag in flags:
        column = fmt.column(flag.column)
        label = cell_name(rows.get(flag.row), column)
        shown = display(flag.value, column)
        office = offices[flag.office_id]
        lines.append(FlagLine(office, fmt, flag.row, flag.column, label, shown, flag.message))
    return lines


def zone_flags(
    actor: Actor | None, month: Month, office: Office | None = None, owner: str | None = None
) -> dict[str, list[FlagLine]]:
    """{office code: flagged figures of returns awaiting validation} of the offices `actor` validates
    (only `office`, only `owner`'s formats, when given), for `month`, in office then format order."""
    offices = {o.id: o for o in _validated_offices(actor) if office is None or o.id == office.id}
    if not offices:
        return {}
    codes = {f.code for f in catalogue.definitions().formats_of_owner(owner)} if owner else None
    found: dict[str, list[FlagLine]] = defaultdict(list)
    scope = and_(Office.id.in_(list(offices)))
    awaiting = (ReturnStatus.SUBMITTED.value,)
    for fmt in _awaiting_formats(list(offices), month, codes):
        for line in _lines(fmt, month, outliers.flags(fmt, month, scope, awaiting), offices):
            found[line.office.code].append(line)
    return {code: found[code] for code in sorted(found)}
