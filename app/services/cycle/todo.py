"""Each user's to-do list on the home page: what is due, what came back, what waits for them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.definitions.months import Month
from app.extensions import db
from app.i18n import local
from app.models.corrections import CorrectionRequest, CorrectionStatus
from app.models.remarks import ReturnRemark
from app.models.returns import MprReturn, ReturnStatus
from app.presenters.display import day, month_name, period_name
from app.security import roles
from app.security.policy import ENTERING_KINDS, Action, Actor, may
from app.services.cycle import status
from app.services.cycle.target_year import unset_targets
from app.services.engine import catalogue
from app.services.engine.grid import last_open_month


@dataclass(frozen=True)
class TodoItem:
    """One thing to do, with where to do it."""

    kind: str  # due | late | flagged | sent-back | approved | rejected | validate | decide
    text: str
    url: str


def _grid_url(fmt_code: str, office_code: str, month: Month) -> str:
    fmt = catalogue.definitions().format(fmt_code)
    return url_for(f"Format_{fmt.slug}.grid", office_code=office_code, period=str(month))


def _due_states(actor: Actor, today: dt.date) -> list[tuple[Month, status.ReturnState]]:
    """(cycle month, state) of the office's returns of the last two open months, and of the annual
    formats of the financial year under way (open from its first day, before April has ended)."""
    months = (last_open_month(today).prev(), last_open_month(today))
    found = [
        (month, state)
        for month in months
        for state in status.return_states(actor, month, office_code=actor.office.code, today=today)
    ]
    this_year = Month.of(today).fy_start
    if this_year not in months:
        states = status.return_states(actor, this_year, office_code=actor.office.code, today=today)
        found += [(this_year, state) for state in states if state.fmt.annual]
    return found


def _office_items(actor: Actor, today: dt.date) -> list[TodoItem]:
    items: list[TodoItem] = []
    for month, state in _due_states(actor, today):
        if state.ret is not None and state.ret.status in (ReturnStatus.SUBMITTED, ReturnStatus.VALIDATED):
            continue  # handed in: nothing left for the office to do
        days = (state.due - today).days
        when = _("%(days)d day(s) left", days=days) if days >= 0 else _("%(days)d day(s) late", days=-days)
        kind = "due" if days >= 0 else "late"
        text = _(
            "%(code)s %(title)s, %(month)s: %(state)s — due %(due)s (%(when)s)",
            code=state.fmt.code,
            title=local(state.fmt.title),
            month=period_name(state.fmt, month),
            state=state.label,
            due=day(state.due),
            when=when,
        )
        items.append(TodoItem(kind, text, _grid_url(state.fmt.code, actor.office.code, month)))
    flagged = db.session.execute(
        select(MprReturn).where(MprReturn.office_id == actor.office.id, MprReturn.inconsistent.is_(True))
    ).scalars()
    for ret in flagged:
        month = Month.of(ret.period)
        items.append(
            TodoItem(
                "flagged",
                _(
                    "%(code)s for %(month)s: opening changed by a correction "
                    "of the month before — raise a correction",
                    code=ret.format_code,
                    month=month_name(month),
                ),
                _grid_url(ret.format_code, actor.office.code, month),
            )
        )
    decided = db.session.execute(
        select(CorrectionRequest).where(
            CorrectionRequest.office_id == actor.office.id,
            CorrectionRequest.status.in_([CorrectionStatus.REJECTED, CorrectionStatus.APPROVED]),
            CorrectionRequest.decided_at >= dt.datetime.combine(today - dt.timedelta(days=60), dt.time()),
        )
    ).scalars()
    for request in decided:
        items.append(
            TodoItem(
                request.status,
                _decision_text(request),
                url_for("CorrectionsView.show", number=request.number),
            )
        )
    return _sent_back_items(actor) + items


def _decision_text(request: CorrectionRequest) -> str:
    if request.status == CorrectionStatus.REJECTED:
        return _(
            "Correction No. %(n)s (%(code)s) rejected: %(reason)s",
            n=request.number,
            code=request.format_code,
            reason=request.reason,
        )
    return _(
        "Correction No. %(n)s (%(code)s) approved on %(day)s: the corrected figures are in force",
        n=request.number,
        code=request.format_code,
        day=day(request.decided_at),
    )


def _sent_back_items(actor: Actor) -> list[TodoItem]:
    """Returns the validating unit sent back, with its remark, until they are submitted again."""
    found = db.session.execute(
        select(MprReturn, ReturnRemark)
        .join(ReturnRemark, ReturnRemark.return_id == MprReturn.id)
        .where(
            MprReturn.office_id == actor.office.id,
            ReturnRemark.cleared_at.is_(None),
            ReturnRemark.row_key.is_(None),
        )
        .order_by(MprReturn.period, MprReturn.format_code)
    ).all()
    items = []
    for ret, remark in found:
        month = Month.of(ret.period)
        text = _(
            "%(code)s for %(month)s sent back by %(who)s: %(remark)s",
            code=ret.format_code,
            month=month_name(month),
            who=remark.sent_by_name,
            remark=remark.remark,
        )
        items.append(TodoItem("sent-back", text, _grid_url(ret.format_code, actor.office.code, month)))
    return items


def _zone_items(actor: Actor, today: dt.date) -> list[TodoItem]:
    items = []
    for month in (last_open_month(today).prev(), last_open_month(today)):
        for row in status.by_office_and_owner(status.return_states(actor, month, today=today)):
            for owner, counts in sorted(row.by_owner.items()):
                if counts.all_submitted and counts.pending_validation:
                    items.append(
                        TodoItem(
                            "validate",
                            _(
                                "Validate %(owner)s formats of %(office)s for %(month)s",
                                owner=owner,
                                office=row.office.code,
                                month=month_name(month),
                            ),
                            url_for("ValidationView.index", period=str(month)),
                        )
                    )
    return items


def _owner_items(actor: Actor) -> list[TodoItem]:
    pending = db.session.execute(
        select(CorrectionRequest)
        .where(CorrectionRequest.status == CorrectionStatus.PENDING)
        .order_by(CorrectionRequest.number)
    ).scalars()
    definitions = catalogue.definitions()
    return [
        TodoItem(
            "decide",
            _(
                "Decide correction No. %(n)s: %(code)s of %(office)s",
                n=r.number,
                code=r.format_code,
                office=r.office.code,
            ),
            url_for("CorrectionsView.show", number=r.number),
        )
        for r in pending
        if r.format_code in definitions.formats
        and may(actor, Action.APPROVE, r.office, definitions.format(r.format_code))
    ]


def todo_for(actor: Actor | None, today: dt.date | None = None) -> list[TodoItem]:
    """The signed-in user's to-do list."""
    today = today or dt.date.today()
    if actor is None or actor.office is None:
        return []
    items: list[TodoItem] = []
    if actor.office.kind in ENTERING_KINDS and roles.OFFICE in actor.role_names:
        items += _office_items(actor, today)
    if roles.ZONE in actor.role_names:
        items += _zone_items(actor, today)
    if actor.owner_code is not None:
        items += _owner_items(actor) + _target_items(actor, today)
    return items


def _target_items(actor: Actor, today: dt.date) -> list[TodoItem]:
    """Targets the owner has not set yet for some offices (formats set by their owner)."""
    return [
        TodoItem(
            "targets",
            _(
                "Set the targets of %(code)s for the financial year %(year)s: %(missing)d of %(offices)d "
                "offices have none",
                code=fmt.code,
                year=year.fy_label,
                missing=missing,
                offices=offices,
            ),
            url_for("TargetsView.year", format_code=fmt.code, period=str(year)),
        )
        for fmt, year, missing, offices in unset_targets(actor, today)
    ]
