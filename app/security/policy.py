"""The jurisdiction policy: one place answers "may actor A do action X on office O?".

Default deny. Every path — page, action, API, export — asks `may()` (or filters lists
with `visible_offices()`), so a rule is changed here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from sqlalchemy import ColumnElement, and_, false, or_, true

from app.definitions.schema import FormatDef
from app.models.org import Office, OfficeKind
from app.models.returns import MprReturn
from app.security import roles

ENTERING_KINDS = frozenset({OfficeKind.COMMISSIONERATE, OfficeKind.DG_UNIT})
VALIDATING_KINDS = frozenset({OfficeKind.ZONE, OfficeKind.DG_HQ})
FIELD_KINDS = frozenset({OfficeKind.DIVISION, OfficeKind.RANGE})


class Action(StrEnum):
    """What an actor wants to do to an office's returns."""

    ENTER = "enter"  # fill, save, submit, correct before validation
    VIEW = "view"  # see a return and its status
    REPORT = "report"  # see reports
    VALIDATE = "validate"
    APPROVE = "approve"  # decide correction requests (the format's owner)
    SUMMARY = "summary"  # Monthly Summary Reports and dashboard
    TEMPORARY = "temporary"  # reports of submitted, not yet validated figures
    QUERY = "query"  # read a helpdesk query an office raised about a format
    ANSWER = "answer"  # reply to, close or reopen it as the format's owner
    READ_FIGURES = "read-figures"  # see a return's figures, which depends on the return's state
    BULK_LOAD = "bulk-load"  # load past months of one format for many offices (admin, the format's owner)
    FEED = "feed"  # write a format's fed cells: the system account of a source that feeds it
    SET = "set"  # set an office's return of a format set by its owner (annual targets): that owner


# The states whose figures READ_FIGURES weighs (ReturnStatus values; None: not started).
DRAFT, SUBMITTED, VALIDATED = "draft", "submitted", "validated"
# A correction request's proposed figures: read by the office and the owner who decides them.
PROPOSED = "proposed"


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the policy sees them."""

    user_id: int
    username: str
    role_names: frozenset[str]
    office: Office | None

    @property
    def is_admin(self) -> bool:
        """Administrators manage users and see everything; they never enter data."""
        return roles.ADMIN in self.role_names

    @property
    def is_board(self) -> bool:
        """Top management."""
        return roles.BOARD in self.role_names or (
            self.office is not None and self.office.kind == OfficeKind.BOARD
        )

    @property
    def owner_code(self) -> str | None:
        """The Functional Owner this actor's office is, if any."""
        return self.office.owner_code if self.office is not None else None


@dataclass(frozen=True)
class Switches:
    """Dates from which wider report access is notified (None = not yet)."""

    field_reports_from: dt.date | None = None
    open_reports_from: dt.date | None = None

    @classmethod
    def from_config(cls) -> "Switches":
        """Read the switches from the Flask configuration."""
        return cls(
            current_app.config.get("MPR_FIELD_REPORTS_FROM"),
            current_app.config.get("MPR_OPEN_REPORTS_FROM"),
        )


def filing_profile(office: Office) -> tuple[str, str, str | None]:
    """Everything `applies_to` reads of an office: offices with equal profiles file the same formats."""
    return office.kind, office.segments, office.function


def applies_to(fmt: FormatDef, office: Office) -> bool:
    """Whether `office` files `fmt` at all (kind, stream and function match)."""
    if office.kind not in fmt.filled_by or fmt.segment not in office.segment_set:
        return False
    if office.kind != OfficeKind.COMMISSIONERATE:
        return True  # `functions` are commissionerate functions; DG units have none
    return not fmt.functions or office.function in fmt.functions


def filling_function(office: Office) -> str | None:
    """The commissionerate function that says which function-limited columns an office fills (None: all)."""
    return office.function if office.kind == OfficeKind.COMMISSIONERATE else None


def as_filled_by(fmt: FormatDef, office: Office) -> FormatDef:
    """`fmt` as `office` fills it: without the columns (and their checks) limited to other functions."""
    return fmt.as_filled_by(filling_function(office))


def _is_owner_of(actor: Actor, fmt: FormatDef | None) -> bool:
    return fmt is not None and actor.owner_code is not None and actor.owner_code == fmt.owner


def _owns_with_role(actor: Actor, fmt: FormatDef | None) -> bool:
    """The format's Functional Owner holding its owner role, not merely a seat in its office."""
    return _is_owner_of(actor, fmt) and roles.owner_role(fmt.owner) in actor.role_names


def _within_actor(actor: Actor, office: Office) -> bool:
    return actor.office is not None and office.is_within(actor.office)


def _switched_on(since: dt.date | None, today: dt.date) -> bool:
    return since is not None and today >= since


def _may_view(actor: Actor, office: Office, fmt: FormatDef | None) -> bool:
    if actor.is_admin or actor.is_board or _is_owner_of(actor, fmt):
        return True
    if actor.owner_code is not None and fmt is None:
        return True  # an owner sees every office, but only its own formats
    if actor.office is None or actor.office.kind in FIELD_KINDS:
        return False
    return _within_actor(actor, office)


def _may_report(actor: Actor, office: Office, fmt: FormatDef | None, today: dt.date) -> bool:
    if _may_view(actor, office, fmt):
        return True
    switches = Switches.from_config()
    kind = actor.office.kind if actor.office is not None else None
    if kind in FIELD_KINDS and _switched_on(switches.field_reports_from, today):
        parent = _commissionerate_of(actor.office)
        return parent is not None and office.is_within(parent)
    # Commissionerates and Zones, and the ADG units and DG Headquarters that act as them.
    return kind in ENTERING_KINDS | VALIDATING_KINDS and _switched_on(switches.open_reports_from, today)


def _is_validator(actor: Actor, office: Office) -> bool:
    return (
        roles.ZONE in actor.role_names
        and actor.office is not None
        and actor.office.kind in VALIDATING_KINDS
        and office.parent_id == actor.office.id
        and office.kind in ENTERING_KINDS
    )


def _may_read_figures(
    actor: Actor, office: Office, fmt: FormatDef | None, state: str | None, today: dt.date
) -> bool:
    """Validated figures as reports; before that the entering office, and its validator once submitted."""
    if state == VALIDATED:
        return _may_report(actor, office, fmt, today)
    enters = actor.office is not None and actor.office.id == office.id and office.kind in ENTERING_KINDS
    if enters:
        return True
    if state == SUBMITTED:
        return _is_validator(actor, office)
    if state == PROPOSED:
        return _owns_with_role(actor, fmt)
    return False  # a draft, or a return nobody has saved yet


def may(
    actor: Actor | None,
    action: Action,
    office: Office | None,
    fmt: FormatDef | None = None,
    today: dt.date | None = None,
    state: str | None = None,
) -> bool:
    """Whether `actor` may do `action` on `office` (and format `fmt`, if given).

    `state` is the return's status, weighed by READ_FIGURES only (None: not started).
    """
    if actor is None or office is None or not office.active:
        return False
    today = today or dt.date.today()
    mine = actor.office is not None and actor.office.id == office.id
    owner_set = fmt is not None and fmt.set_by_owner  # targets: set by the owner, never filed or validated
    if action is Action.ENTER:
        fits = fmt is None or (applies_to(fmt, office) and not owner_set)
        return mine and roles.OFFICE in actor.role_names and office.kind in ENTERING_KINDS and fits
    if action is Action.VALIDATE:
        return _is_validator(actor, office) and not owner_set
    if action is Action.APPROVE:  # the Functional Owner's role, not merely a seat in its office
        return _owns_with_role(actor, fmt) and not owner_set
    if action is Action.SET:  # any office the format applies to; see may_set
        return may_set(actor, fmt) and applies_to(fmt, office)
    if action is Action.BULK_LOAD:  # any office the format applies to; see may_bulk_load
        return may_bulk_load(actor, fmt) and applies_to(fmt, office)
    if action is Action.FEED:  # a national system: every office the format applies to; see may_feed
        return may_feed(actor, fmt) and applies_to(fmt, office)
    if action is Action.SUMMARY:
        return actor.is_board or actor.owner_code is not None or actor.is_admin
    if action is Action.VIEW:
        return _may_view(actor, office, fmt)
    if action is Action.QUERY:  # the asking office, the format's owner, the Board
        return mine or actor.is_admin or actor.is_board or _is_owner_of(actor, fmt)
    if action is Action.ANSWER:
        return _owns_with_role(actor, fmt)
    if action is Action.REPORT:
        return _may_report(actor, office, fmt, today)
    if action is Action.TEMPORARY:
        return _may_report_temporary(actor, office, fmt, mine)
    if action is Action.READ_FIGURES:
        return _may_read_figures(actor, office, fmt, state, today)
    return False


def _may_report_temporary(actor: Actor, office: Office, fmt: FormatDef | None, mine: bool) -> bool:
    """Unvalidated figures: the office itself, and the Zone (or DG HQ) that validates it."""
    if actor.office is None or not _may_view(actor, office, fmt):
        return False
    if mine:
        return office.kind in ENTERING_KINDS | VALIDATING_KINDS
    return actor.office.kind in VALIDATING_KINDS and office.parent_id == actor.office.id


def may_report_nationally(actor: Actor | None, fmt: FormatDef, today: dt.date | None = None) -> bool:
    """Whether `actor` may see `fmt` aggregated over every office (the unit INDIA)."""
    if actor is None:
        return False
    if actor.is_admin or actor.is_board or _is_owner_of(actor, fmt):
        return True
    kind = actor.office.kind if actor.office is not None else None
    since = Switches.from_config().open_reports_from
    return kind in ENTERING_KINDS | VALIDATING_KINDS and _switched_on(since, today or dt.date.today())


def may_bulk_load(actor: Actor | None, fmt: FormatDef | None) -> bool:
    """Whether `actor` may bulk load past months of `fmt` (administrators, and the format's owner).

    Like APPROVE, a seat in the owner's office is not enough: the owner role is needed. The
    offices loaded are every office the format applies to (no row filter: no SQL twin needed).
    A format set by its owner (targets) is loaded by that owner only, as it is set (may_set).
    """
    if actor is None or fmt is None:
        return False
    if fmt.set_by_owner:
        return may_set(actor, fmt)
    return actor.is_admin or _owns_with_role(actor, fmt)


def may_set(actor: Actor | None, fmt: FormatDef | None) -> bool:
    """Whether `actor` sets the returns of `fmt` for the offices: a format set by its owner (`set_by:
    owner`, annual targets) and the owner holding its owner role. Administrators never enter figures
    (MISSION.md), so they read targets but do not set them; every office the format applies to."""
    return actor is not None and fmt is not None and fmt.set_by_owner and _owns_with_role(actor, fmt)


def may_feed(actor: Actor | None, fmt: FormatDef | None) -> bool:
    """Whether `actor` is the system account of a source that feeds some column of `fmt`.

    Like BULK_LOAD there is no row filter (a source feeds every office that files the format),
    so no SQL twin is needed; which columns it may write is `roles.fed_sources`' business.
    """
    if actor is None or fmt is None:
        return False
    sources = {c.fed for c in fmt.columns if c.fed is not None} | {r.fed for r in fmt.rows.rows if r.fed}
    return bool(sources & roles.fed_sources(actor.role_names))


def visible_offices(actor: Actor | None, fmt: FormatDef | None = None) -> ColumnElement[bool]:
    """A SQL condition on Office selecting the offices `actor` may VIEW."""
    if actor is None:
        return false()
    if actor.is_admin or actor.is_board or actor.owner_code is not None:
        if actor.owner_code is not None and fmt is not None and fmt.owner != actor.owner_code:
            return _subtree(actor)
        return true()
    if actor.office is None or actor.office.kind in FIELD_KINDS:
        return false()
    return _subtree(actor)


def _subtree(actor: Actor) -> ColumnElement[bool]:
    if actor.office is None:
        return false()
    return or_(Office.id == actor.office.id, Office.path.startswith(actor.office.path))


def _commissionerate_of(office: Office | None) -> Office | None:
    parent = office.parent if office is not None else None
    while parent is not None and parent.kind != OfficeKind.COMMISSIONERATE:
        parent = parent.parent
    return parent


def _reportable_offices(actor: Actor, fmt: FormatDef | None, today: dt.date) -> ColumnElement[bool]:
    """The SQL twin of REPORT: offices whose validated returns `actor` may read."""
    switches = Switches.from_config()
    kind = actor.office.kind if actor.office is not None else None
    clauses = [visible_offices(actor, fmt)]
    if kind in FIELD_KINDS and _switched_on(switches.field_reports_from, today):
        commissionerate = _commissionerate_of(actor.office)
        if commissionerate is not None:
            clauses.append(Office.path.startswith(commissionerate.path))
    if kind in ENTERING_KINDS | VALIDATING_KINDS and _switched_on(switches.open_reports_from, today):
        clauses.append(true())
    return or_(*clauses)


def readable_figures(
    actor: Actor | None, fmt: FormatDef | None = None, today: dt.date | None = None
) -> ColumnElement[bool]:
    """The SQL twin of READ_FIGURES: a condition on MprReturn joined to its Office."""
    if actor is None:
        return false()
    today = today or dt.date.today()
    clauses = [and_(MprReturn.status == VALIDATED, _reportable_offices(actor, fmt, today))]
    if actor.office is not None and actor.office.kind in ENTERING_KINDS:
        clauses.append(Office.id == actor.office.id)
    if roles.ZONE in actor.role_names and actor.office is not None and actor.office.kind in VALIDATING_KINDS:
        clauses.append(
            and_(
                MprReturn.status == SUBMITTED,
                Office.parent_id == actor.office.id,
                Office.kind.in_(ENTERING_KINDS),
            )
        )
    return and_(Office.active.is_(True), or_(*clauses))


# --- the management dashboard (issue 13) ---------------------------------------------------


def may_use_dashboard(actor: Actor | None) -> bool:
    """The dashboard is for the Functional Owners and the Board (the privilege table), and administrators."""
    return actor is not None and (actor.is_board or actor.is_admin or actor.owner_code is not None)


def may_read_indicator(actor: Actor | None, fmt: FormatDef | None) -> bool:
    """An indicator is read by the owner of its format, by the Board and by administrators."""
    if actor is None or fmt is None:
        return False
    return actor.is_board or actor.is_admin or _is_owner_of(actor, fmt)


# ----------------------------------------------------------------- scorecards (issue 13)


def may_read_scorecard(actor: Actor | None, owner: str, board_owner: str = "BOARD") -> bool:
    """A scorecard is read by the Board (and administrators) and by the Functional Owner it belongs to;
    a scorecard of the Board (`owner` = board_owner) by the Board alone. Its formats are the owner's own
    (the loader's E116), so an owner reads no other owner's figures through it."""
    if actor is None:
        return False
    if actor.is_board or actor.is_admin:
        return True
    return owner != board_owner and actor.owner_code is not None and actor.owner_code == owner
