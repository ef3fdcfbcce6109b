"""A report as asked for by a user: parameters checked, jurisdiction applied, refusals raised.

Pages, print, Excel and the API all come through here, so every path applies the
same rules: 404 for a unit outside the caller's jurisdiction (or absent, or a format
not in force), 403 for a temporary report the caller may not see, 422 for a
malformed month or basis.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.errors import InvalidInput
from app.presenters.display import month_name
from app.security.policy import Actor
from app.services.engine import catalogue
from app.services.reports.report import Report, build_report
from app.services.reports.scope import BASES, INDIA, ReportNotFound, checked_unit, may_see, resolve_unit


class BadReportRequest(InvalidInput):
    """The month or basis of a report request is malformed."""

    code = "bad_report_request"


def parse_month(text: str) -> Month:
    """The report month from YYYY-MM; BadReportRequest otherwise."""
    try:
        return Month.parse(text)
    except ValueError as error:
        message = _("'%(text)s' is not a month written as YYYY-MM", text=text)
        raise BadReportRequest(
            message, [{"row": None, "column": "period", "code": "bad_month", "message": message}]
        ) from error


def parse_basis(text: str | None) -> str:
    """'validated' (the default) or 'temporary'; BadReportRequest otherwise."""
    basis = text or BASES[0]
    if basis not in BASES:
        message = _(
            "basis must be one of %(choices)s, not '%(given)s'", choices=", ".join(BASES), given=basis
        )
        raise BadReportRequest(
            message, [{"row": None, "column": "basis", "code": "bad_basis", "message": message}]
        )
    return basis


DRILLS = ("children", "offices")


def parse_by(text: str | None) -> bool | str:
    """No drill-down (None/empty), `children` (one level down) or `offices` (every office)."""
    if not text:
        return False
    if text not in DRILLS:
        message = _("by must be one of %(choices)s, not '%(given)s'", choices=", ".join(DRILLS), given=text)
        raise BadReportRequest(message, [{"row": None, "column": "by", "code": "bad_by", "message": message}])
    return text


def format_report(
    actor: Actor | None,
    format_code: str,
    unit_code: str,
    period: str,
    basis: str | None,
    by_children: bool | str,
) -> Report:
    """The report of one format for the caller, or a refusal."""
    month, basis = parse_month(period), parse_basis(basis)
    fmt = catalogue.definitions().formats.get(format_code)
    unit = checked_unit(actor, fmt, unit_code, basis)
    if not fmt.in_force(fmt.reported_in(month)):  # a lagging format: the figures of F come in F + lag
        raise ReportNotFound(
            _("%(format)s is not in force for %(month)s.", format=fmt.code, month=month_name(month))
        )
    return build_report(fmt, unit, month, basis, by_children)


def owner_formats(actor: Actor | None, owner: str, unit_code: str, month: Month) -> list[FormatDef]:
    """The owner's formats in force for `month` that the caller may see over the unit."""
    definitions = catalogue.definitions()
    unit = resolve_unit(unit_code)
    if owner not in definitions.owners or unit is None:
        return []
    return [
        f
        for f in definitions.formats_of_owner(owner)
        if f.in_force(f.reported_in(month)) and may_see(actor, unit, f)
    ]


def owner_reports(
    actor: Actor | None, owner: str, unit_code: str, period: str, basis: str | None, by_children: bool
) -> list[Report]:
    """One report per format of a Functional Owner (all formats of one owner), or a refusal."""
    month, basis = parse_month(period), parse_basis(basis)
    formats = owner_formats(actor, owner, unit_code, month)
    if not formats:
        raise ReportNotFound()
    return [
        build_report(fmt, checked_unit(actor, fmt, unit_code, basis), month, basis, by_children)
        for fmt in formats
    ]


def default_unit(actor: Actor | None) -> str:
    """The unit a report page opens on: the caller's own Zone or office, else INDIA."""
    office = actor.office if actor is not None else None
    if office is not None and resolve_unit(office.code) is not None:
        return office.code
    return INDIA
