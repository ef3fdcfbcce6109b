"""The monthly cycle's state changes: one table of transitions, one transaction each.

Every change writes its audit event in the same transaction. Validated returns are
never edited in place; they change only through an approved correction.
"""

from __future__ import annotations

import datetime as dt
import functools
from enum import StrEnum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.errors import Conflict, Forbidden
from app.extensions import db
from app.i18n import local, status_text
from app.models.org import Office
from app.models.returns import MprReturn, ReturnStatus
from app.presenters.display import month_name
from app.security.policy import Action, Actor, applies_to, may
from app.services import audit
from app.services.cycle import remarks
from app.services.engine import catalogue
from app.services.engine.grid import Grid, open_grid


class Step(StrEnum):
    """The things that move a return through the cycle."""

    SAVE = "save"
    SUBMIT = "submit"
    VALIDATE = "validate"
    SEND_BACK = "send-back"  # the validating unit points out errors: the office corrects and resubmits
    CORRECT = "correct"  # an approved correction replaces a validated revision
    FEED = "feed"  # a source's system writes the fed cells (before the office submits)


NEW = None  # a return not saved yet
# step -> statuses it may start from. The one place the cycle's rules live.
ALLOWED_FROM: dict[Step, frozenset] = {
    Step.SAVE: frozenset({NEW, ReturnStatus.DRAFT, ReturnStatus.SUBMITTED}),
    Step.SUBMIT: frozenset({ReturnStatus.DRAFT}),
    Step.VALIDATE: frozenset({ReturnStatus.SUBMITTED}),
    Step.SEND_BACK: frozenset({ReturnStatus.SUBMITTED}),
    Step.CORRECT: frozenset({ReturnStatus.VALIDATED}),
    Step.FEED: frozenset({NEW, ReturnStatus.DRAFT}),
}
REFUSALS = {  # %(label)s names the return ("X for Apr 2024"), %(status)s its status
    Step.SAVE: _l("%(label)s is validated: it changes only through a correction request"),
    Step.SUBMIT: _l("%(label)s cannot be submitted: it is %(status)s"),
    Step.VALIDATE: _l("%(label)s cannot be validated: it is %(status)s"),
    Step.SEND_BACK: _l("%(label)s cannot be sent back: only a submitted return can be, and it is %(status)s"),
    Step.CORRECT: _l("%(label)s can be corrected only after validation; it is %(status)s"),
    Step.FEED: _l(
        "%(label)s cannot be fed: it is %(status)s. Fed cells are written before the office submits; "
        "a submitted return must be sent back first, a validated one changes only through a correction"
    ),
}


class WorkflowRefused(Conflict):
    """The step is not possible now; `details` lists what stands in the way."""

    code = "workflow_refused"


class FiguresDisagree(WorkflowRefused):
    """A check across formats fails: this return's figures disagree with another format's return."""

    code = "figures_disagree"


class NotFedYet(WorkflowRefused):
    """Submit refused: a source has not fed the return's fed cells for that month yet."""

    code = "not_fed_yet"


class NotPermitted(Forbidden):
    """The actor may not take this step for this office (views answer 403 or 404)."""

    code = "not_permitted"


class ConcurrentChange(Conflict):
    """Someone else changed the return at the same moment; str() says what to do."""

    code = "concurrent_change"


def ensure_allowed(step: Step, ret: MprReturn | None, label: str) -> None:
    """Raise WorkflowRefused unless `step` may start from the return's status."""
    status = ret.status if ret is not None else NEW
    if status not in ALLOWED_FROM[step]:
        shown = status_text(status or "not started")
        raise WorkflowRefused(str(REFUSALS[step]) % {"label": label, "status": shown})


def return_label(fmt: FormatDef, month: Month) -> str:
    """How messages name a return: 'X for Apr 2024', in the page's language."""
    return _("%(format)s for %(month)s", format=fmt.code, month=month_name(month))


def now() -> dt.datetime:
    """The current UTC time as stored (naive)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def return_key(fmt_code: str, office: Office, month: Month) -> str:
    """How audit events name a return."""
    return f"return:{fmt_code}:{office.code}:{month}"


RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


def is_concurrent_change(error: Exception) -> bool:
    """A database error that means another transaction changed the same rows at the same moment."""
    if isinstance(error, StaleDataError | IntegrityError):
        return True
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def one_step(function):
    """Run a cycle step as one unit: a concurrent change met anywhere in it (a stale version, a
    duplicate key, a deadlock), not only at commit, undoes everything and becomes ConcurrentChange."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (StaleDataError, DBAPIError) as error:
            if not is_concurrent_change(error):
                raise
            db.session.rollback()
            raise ConcurrentChange(
                _(
                    "Someone else changed the same figures at the same moment; nothing was changed. "
                    "Reload and try again."
                )
            ) from None

    return wrapper


@one_step
def submit(actor: Actor, fmt: FormatDef, office: Office, month: Month, version: int) -> MprReturn:
    """Submit a complete, check-passing draft; refused with every failing cell otherwise."""
    if not may(actor, Action.ENTER, office, fmt):
        raise NotPermitted(
            _("%(user)s may not submit for %(office)s", user=actor.username, office=office.code)
        )
    grid = open_grid(fmt, office, month, office_view=True)
    label = return_label(fmt, month)
    if grid.ret is None:
        raise WorkflowRefused(_("%(label)s has not been saved yet: fill it and save it first.", label=label))
    ensure_allowed(Step.SUBMIT, grid.ret, label)
    if grid.ret.version != version:
        raise ConcurrentChange(
            _("%(label)s was changed after you opened it; reload and submit again.", label=label)
        )
    ensure_fed(grid, label)
    if grid.disagreeing_with:
        raise FiguresDisagree(
            _(
                "%(label)s cannot be submitted: its figures disagree with %(formats)s of the same month "
                "(see the message at the cell). Correct this return or the other one, then submit.",
                label=label,
                formats=", ".join(grid.disagreeing_with),
            ),
            list(grid.messages),
        )
    if grid.messages:
        cells = {(message.row, message.column) for message in grid.messages}
        raise WorkflowRefused(
            _(
                "%(label)s cannot be submitted until every cell is filled and every check passes: "
                "%(count)d cell(s) need attention, each marked in the grid.",
                label=label,
                count=len(cells),
            ),
            list(grid.messages),
        )
    ret = grid.ret
    ret.submitted_at, ret.submitted_by_id = now(), actor.user_id
    _move(actor, ret, office, month, Step.SUBMIT, ReturnStatus.SUBMITTED)
    remarks.clear(ret, actor, return_key(fmt.code, office, month), ret.submitted_at)
    commit_or_conflict(label)
    return ret


def ensure_fed(grid: Grid, label: str) -> None:
    """Raise NotFedYet while a source that feeds the format for the month has not fed this return."""
    waiting = [source for source in grid.fmt.sources_in_force(grid.month) if source not in grid.feeds]
    if waiting:
        names = ", ".join(f"{code} ({local(catalogue.source_title(code))})" for code in waiting)
        raise NotFedYet(
            _(
                "%(label)s cannot be submitted yet: its cells fed from %(sources)s have not been fed "
                "for %(month)s. They are written by that system, not typed here; submit once they show.",
                label=label,
                sources=names,
                month=month_name(grid.month),
            ),
            waiting,
        )


@one_step
def send_back(
    actor: Actor, fmt: FormatDef, office: Office, month: Month, text: object, cells: object
) -> MprReturn:
    """The validating unit returns a submitted return to its office, with remarks; it is a draft again."""
    if not may(actor, Action.VALIDATE, office):
        raise NotPermitted(
            _("%(user)s may not send back returns of %(office)s", user=actor.username, office=office.code)
        )
    grid = open_grid(fmt, office, month)
    label = return_label(fmt, month)
    ensure_allowed(Step.SEND_BACK, grid.ret, label)
    overall, at_cells = remarks.checked(grid, text, cells)
    ret, stamp = grid.ret, now()
    submitted_by = ret.submitted_by_id
    ret.submitted_at, ret.submitted_by_id = None, None
    remarks.keep(ret, actor, overall, at_cells, stamp)
    _notify_sent_back(ret, office.code, submitted_by, overall, at_cells)
    audit.record(
        actor.user_id,
        actor.username,
        Step.SEND_BACK.value,
        "return",
        return_key(fmt.code, office, month),
        {"status": ret.status},
        {
            "status": ReturnStatus.DRAFT,
            "remarks": overall,
            "cells": [{"row": c.row, "column": c.column, "remark": c.remark} for c in at_cells],
        },
        overall,
    )
    ret.status = ReturnStatus.DRAFT
    commit_or_conflict(label)
    return ret


def _notify_sent_back(ret: MprReturn, office_code: str, submitted_by: int | None, text: str, cells) -> None:
    """The office's notice and e-mail, in the same transaction as the send-back."""
    from app.services.messaging.notices import return_sent_back

    return_sent_back(ret, office_code, submitted_by, text, cells)


def _move(
    actor: Actor, ret: MprReturn, office: Office, month: Month, step: Step, status: ReturnStatus
) -> None:
    """Change a return's status and record the change in the audit trail (same transaction)."""
    before = ret.status
    ret.status = status
    audit.record(
        actor.user_id,
        actor.username,
        step.value,
        "return",
        return_key(ret.format_code, office, month),
        {"status": before},
        {"status": status},
    )


def owner_formats(owner: str, office: Office, month: Month) -> list[FormatDef]:
    """The owner's formats that `office` files in month `month`'s cycle (annual ones in April)."""
    return [
        fmt
        for fmt in catalogue.definitions().formats_of_owner(owner)
        if fmt.filed_in_cycle(month) and applies_to(fmt, office)
    ]


def returns_of(codes: list[str], office: Office, month: Month) -> dict[str, MprReturn]:
    """The office's returns of these formats for one month (one query)."""
    found = db.session.execute(
        select(MprReturn).where(
            MprReturn.format_code.in_(codes),
            MprReturn.office_id == office.id,
            MprReturn.period == month.first_day,
        )
    ).scalars()
    return {ret.format_code: ret for ret in found}


@one_step
def validate_owner(actor: Actor, owner: str, office: Office, month: Month) -> list[MprReturn]:
    """Validate all of one owner's formats for an office and month together, or none."""
    if not may(actor, Action.VALIDATE, office):
        raise NotPermitted(
            _("%(user)s may not validate for %(office)s", user=actor.username, office=office.code)
        )
    formats = owner_formats(owner, office, month)
    if not formats:
        raise WorkflowRefused(
            _(
                "%(office)s files no %(owner)s format for %(month)s.",
                office=office.code,
                owner=owner,
                month=month_name(month),
            )
        )
    returns = returns_of([f.code for f in formats], office, month)
    done = {ReturnStatus.SUBMITTED, ReturnStatus.VALIDATED}
    missing = [f.code for f in formats if f.code not in returns or returns[f.code].status not in done]
    if missing:
        raise WorkflowRefused(
            _(
                "Not every %(owner)s format is submitted by %(office)s for %(month)s.",
                owner=owner,
                office=office.code,
                month=month_name(month),
            ),
            missing,
        )
    pending = [ret for ret in returns.values() if ret.status == ReturnStatus.SUBMITTED]
    if not pending:
        raise WorkflowRefused(
            _(
                "%(owner)s formats of %(office)s for %(month)s are already validated.",
                owner=owner,
                office=office.code,
                month=month_name(month),
            )
        )
    _refuse_disagreeing(formats, returns, office, month, owner)
    stamp = now()
    for ret in pending:
        ret.validated_at, ret.validated_by_id = stamp, actor.user_id
        _move(actor, ret, office, month, Step.VALIDATE, ReturnStatus.VALIDATED)
    commit_or_conflict(
        _(
            "%(owner)s formats of %(office)s for %(month)s",
            owner=owner,
            office=office.code,
            month=month_name(month),
        )
    )
    return pending


def _refuse_disagreeing(
    formats: list[FormatDef], returns: dict[str, MprReturn], office: Office, month: Month, owner: str
) -> None:
    """FiguresDisagree when a check across formats fails for a submitted return being validated
    (against the other formats' submitted or validated returns; their drafts do not count)."""
    found: list[str] = []
    for fmt in formats:
        if returns[fmt.code].status != ReturnStatus.SUBMITTED:
            continue
        grid = open_grid(fmt, office, month)  # the validating unit's view: the office's drafts do not count
        found += [f"{fmt.code} / {other}" for other in grid.disagreeing_with]
    if found:
        raise FiguresDisagree(
            _(
                "%(owner)s formats of %(office)s for %(month)s cannot be validated: figures disagree "
                "across formats (%(pairs)s). Send the return back to the office for correction.",
                owner=owner,
                office=office.code,
                month=month_name(month),
                pairs=", ".join(found),
            )
        )


def commit_or_conflict(label: str) -> None:
    """Commit; a concurrent change to the same rows becomes a ConcurrentChange with a clear message."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ConcurrentChange(
            _("%(label)s changed while this was being done; nothing was changed. Reload.", label=label)
        ) from None
