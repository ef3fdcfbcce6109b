"""The format index: which formats a user may fill or see for a month, with status."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.extensions import db
from app.models.org import Office
from app.models.returns import MprReturn, ReturnStatus
from app.security import permissions as p
from app.security.actor import request_user
from app.security.policy import ENTERING_KINDS, Action, Actor, applies_to, may
from app.services.accounts.organisation import office_by_code, offices_visible_to
from app.services.engine import abilities, catalogue
from app.services.engine.figures import may_read_loaded


@dataclass
class IndexEntry:
    """One format on the index with the chosen office's status."""

    fmt: FormatDef
    status: str
    can_enter: bool
    updated_at: object = None
    abilities: list[str] = field(default_factory=list)  # enter, validate, own, read
    figures_readable: bool = True  # False: the user sees the status, the figures only after validation

    @property
    def ability_labels(self) -> list[str]:
        """What the user may do with this format, in words."""
        return abilities.labels(self.abilities)

    @property
    def submitted(self) -> bool:
        """Handed in (submitted or validated): the office views it rather than fills it."""
        return self.status in (ReturnStatus.SUBMITTED, ReturnStatus.VALIDATED)


@dataclass
class IndexPage:
    """The index for one month and office."""

    month: Month
    office: Office | None
    offices: list[Office] = field(default_factory=list)
    entries: list[IndexEntry] = field(default_factory=list)


def readable_formats(month: Month) -> list[FormatDef]:
    """Formats in force for `month` that the user's roles may read (one permission query)."""
    user = request_user()
    if user is None:
        return []
    perms = current_app.appbuilder.sm.get_user_permissions(user)
    is_admin = any(role.name == current_app.config["AUTH_ROLE_ADMIN"] for role in user.roles)
    return [
        fmt
        for fmt in catalogue.definitions().formats_in_force(month)
        if is_admin or (p.CAN_READ, fmt.permission_name) in perms
    ]


def _choose_office(actor: Actor | None, office_code: str | None) -> tuple[Office | None, list[Office]]:
    if actor is not None and actor.office is not None and actor.office.kind in ENTERING_KINDS:
        return actor.office, [actor.office]
    offices = offices_visible_to(actor, tuple(ENTERING_KINDS))
    chosen = office_by_code(office_code) if office_code else (offices[0] if offices else None)
    if chosen is not None and chosen not in offices:
        chosen = None
    return chosen, offices


def format_index(actor: Actor | None, month: Month, office_code: str | None) -> IndexPage:
    """Formats for the chosen office and month, each with its status and whether to fill it."""
    office, offices = _choose_office(actor, office_code)
    page = IndexPage(month, office, offices)
    if office is None:
        return page
    periods = {month.first_day, month.fy_start.first_day}  # an annual format's return is keyed by April
    returns = {
        (r.format_code, r.period): r
        for r in db.session.execute(
            select(MprReturn).where(MprReturn.office_id == office.id, MprReturn.period.in_(periods))
        ).scalars()
    }
    for fmt in readable_formats(month):
        if not applies_to(fmt, office) or not may(actor, Action.VIEW, office, fmt):
            continue
        ret = returns.get((fmt.code, fmt.return_month(month).first_day))
        status = ret.status if ret is not None else "not started"
        can_enter = may(actor, Action.ENTER, office, fmt)
        found = abilities.for_office(actor, fmt, office)
        updated, readable = ret.updated_at if ret else None, may_read_loaded(actor, fmt, office, ret)
        page.entries.append(IndexEntry(fmt, status, can_enter, updated, found, readable))
    parts = list(catalogue.definitions().parts)
    page.entries.sort(key=lambda e: (parts.index(e.fmt.part), e.fmt.owner, e.fmt.code))
    return page
