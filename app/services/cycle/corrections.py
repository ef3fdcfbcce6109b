"""Corrections of validated returns: raised by the office, decided by the format's owner.

On approval each corrected month's current figures are kept as a revision, the new
figures replace them, and the return is marked amended. Later months follow: drafts
and submitted returns take the new opening balance automatically; a later validated
month whose opening no longer matches is flagged inconsistent, never left silently wrong.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, false, or_, select

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.errors import InvalidInput
from app.extensions import db
from app.i18n import status_text
from app.models.corrections import (
    CorrectionItem,
    CorrectionRequest,
    CorrectionStatus,
    Counter,
    ReturnRevision,
)
from app.models.org import Office
from app.models.returns import MprReturn
from app.presenters.display import month_name
from app.security.policy import Action, Actor, may, visible_offices
from app.services import audit
from app.services.audit import to_json
from app.services.cycle.saving import assign_free_keys, entered_cells, follow_later_months, merge_changes
from app.services.cycle.workflow import (
    ConcurrentChange,
    NotPermitted,
    Step,
    WorkflowRefused,
    commit_or_conflict,
    ensure_allowed,
    now,
    one_step,
    return_key,
    return_label,
)
from app.services.engine import catalogue, rowstore
from app.services.engine.grid import Grid, assemble, find_return, open_grid, predecessor

MonthChanges = tuple[Month, Mapping[str, Mapping[str, Any] | None]]


def lock_counter(name: str) -> Counter:
    """A named counter, locked until the transaction ends (created at its first use)."""
    counter = db.session.execute(
        select(Counter).where(Counter.name == name).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        counter = Counter(name=name, value=0)
        db.session.add(counter)
        db.session.flush()
    return counter


def next_number(name: str) -> int:
    """The next running number of a named counter (the row is locked while incremented)."""
    counter = lock_counter(name)
    counter.value += 1
    db.session.flush()
    return counter.value


def _pending_for(ret: MprReturn) -> CorrectionRequest | None:
    return db.session.execute(
        select(CorrectionRequest)
        .join(CorrectionItem, CorrectionItem.correction_id == CorrectionRequest.id)
        .where(CorrectionItem.return_id == ret.id, CorrectionRequest.status == CorrectionStatus.PENDING)
    ).scalar_one_or_none()


def _stored(grid: Grid) -> dict[str, dict]:
    return {r.key: dict(r.cells) for r in grid.rows if not r.is_total}


@dataclass
class ProposedMonth:
    """One month of a correction: the grid with the proposed figures, ready to compare."""

    month: Month
    ret: MprReturn
    current: Grid
    proposed: Grid


def _propose(fmt: FormatDef, office: Office, month: Month, changes, previous_rows, deciding) -> ProposedMonth:
    """Apply typed changes to a validated month (openings carried from `previous_rows` if given)."""
    current = open_grid(fmt, office, month)
    label = return_label(fmt, month)
    ensure_allowed(Step.CORRECT, current.ret, label)
    pending = _pending_for(current.ret)
    if pending is not None and pending is not deciding:
        raise WorkflowRefused(
            _(
                "%(label)s already has a pending correction request (No. %(number)s).",
                label=label,
                number=pending.number,
            )
        )
    current.correcting = True
    rows, errors = merge_changes(current, changes, dt.date.today())
    if errors:
        raise WorkflowRefused(_("%(label)s: some figures are not acceptable.", label=label), errors)
    previous = previous_rows if previous_rows is not None else _previous_cells(fmt, office, month)
    proposed = assemble(fmt, office, month, current.ret, rows, previous)
    if proposed.messages:
        raise WorkflowRefused(
            _("%(label)s: the corrected figures must be complete and pass every check.", label=label),
            list(proposed.messages),
        )
    current.correcting = False
    return ProposedMonth(month, current.ret, current, proposed)


def _previous_cells(fmt: FormatDef, office: Office, month: Month) -> dict | None:
    before = predecessor(fmt, month)
    ret = find_return(before.code, office, month.prev())
    if ret is None:
        return None
    return {key: cells for key, (_p, cells) in rowstore.read(before, ret.id).items()}


def propose_chain(
    fmt: FormatDef, office: Office, months: list[MonthChanges], deciding: CorrectionRequest | None = None
) -> list[ProposedMonth]:
    """Every month of a chain with its proposed figures; each month's opening follows the one before.

    `deciding` is the request being approved, which is the pending one and so not in the way.
    """
    ordered = sorted(months, key=lambda item: item[0])
    for (earlier, _earlier_changes), (later, _later_changes) in zip(ordered, ordered[1:], strict=False):
        if later != earlier.next():
            raise WorkflowRefused(_("A correction may carry only consecutive months."))
    proposals: list[ProposedMonth] = []
    previous_rows = None
    for month, changes in ordered:
        proposal = _propose(fmt, office, month, changes, previous_rows, deciding)
        proposals.append(proposal)
        previous_rows = {r.key: r.cells for r in proposal.proposed.rows if not r.is_total}
    return proposals


@one_step
def raise_correction(
    actor: Actor,
    fmt: FormatDef,
    office: Office,
    months: list[MonthChanges],
    justification: str,
    client_token: str | None = None,
) -> CorrectionRequest:
    """Record a correction request with the new figures of one or more consecutive months."""
    if not may(actor, Action.ENTER, office, fmt):
        raise NotPermitted(
            _("%(user)s may not correct returns of %(office)s", user=actor.username, office=office.code)
        )
    # Raisers queue on the counter's lock, so the checks below see every request committed
    # before: two clicks (same token) give one request, two requests never both wait pending.
    lock_counter("correction")
    if client_token:
        existing = db.session.execute(
            select(CorrectionRequest).where(CorrectionRequest.client_token == client_token)
        ).scalar_one_or_none()
        if existing is not None:
            return existing  # a repeated POST (double click, retry) creates nothing new
    if not (justification or "").strip():
        raise WorkflowRefused(_("A justification is required for every correction request."))
    if not months:
        raise WorkflowRefused(_("Name at least one month to correct."))
    proposals = propose_chain(fmt, office, months)
    if not any(_changes_something(fmt, proposal) for proposal in proposals):
        raise NothingToCorrect()
    request = CorrectionRequest(
        number=next_number("correction"),
        format_code=fmt.code,
        office_id=office.id,
        status=CorrectionStatus.PENDING,
        justification=justification.strip(),
        requested_at=now(),
        requested_by_id=actor.user_id,
        client_token=client_token or None,
    )
    for proposal in proposals:
        cells = entered_cells(fmt, {r.key: r.cells for r in proposal.proposed.rows if not r.is_total})
        request.items.append(
            CorrectionItem(
                return_id=proposal.ret.id,
                period=proposal.month.first_day,
                base_revision=proposal.ret.revision,
                cells=to_json(cells),
            )
        )
    db.session.add(request)
    db.session.flush()
    audit.record(
        actor.user_id,
        actor.username,
        "correction-raised",
        "correction",
        f"correction:{request.number}",
        None,
        {"format": fmt.code, "office": office.code, "months": [str(p.month) for p in proposals]},
        request.justification,
        office=office.code,
    )
    commit_or_conflict(_("Correction of %(format)s", format=fmt.code))
    return request


class NothingToCorrect(InvalidInput):
    """A correction request whose figures are the ones already on record."""

    code = "nothing_to_correct"
    default_message = _l("The correction changes no figure: change at least one cell, or do not raise it.")


def _changes_something(fmt: FormatDef, proposal: ProposedMonth) -> bool:
    def entered(grid: Grid) -> dict:
        return entered_cells(fmt, {r.key: r.cells for r in grid.rows if not r.is_total})

    return entered(proposal.current) != entered(proposal.proposed)


def find_request(number: int) -> CorrectionRequest | None:
    """The correction request with this running number."""
    return db.session.execute(
        select(CorrectionRequest).where(CorrectionRequest.number == number)
    ).scalar_one_or_none()


def visible_query(actor: Actor | None) -> Select:
    """Requests whose return the actor may see (the SQL twin of may VIEW), pending first, newest first."""
    formats = catalogue.definitions().formats.values()
    seen = [and_(CorrectionRequest.format_code == f.code, visible_offices(actor, f)) for f in formats]
    pending_first = case((CorrectionRequest.status == CorrectionStatus.PENDING, 0), else_=1)
    return (
        select(CorrectionRequest)
        .join(Office, Office.id == CorrectionRequest.office_id)
        .where(Office.active.is_(True), or_(false(), *seen))
        .order_by(pending_first, CorrectionRequest.number.desc())
    )


def item_changes(item: CorrectionItem) -> dict[str, dict[str, Any]]:
    """The typed cells a correction item proposes, as text the parser accepts."""
    return {
        key: {c: "" if v is None else str(v) for c, v in cells.items()}
        for key, cells in json.loads(item.cells).items()
    }


def _complete_changes(fmt: FormatDef, item: CorrectionItem) -> dict[str, dict[str, Any] | None]:
    """An item holds the month's complete rows: free rows it no longer has are removed on approval."""
    changes: dict[str, dict[str, Any] | None] = dict(item_changes(item))
    if fmt.rows.kind == "free":
        for key in rowstore.read(fmt, item.return_id):
            changes.setdefault(key, None)
    return changes


def _decidable(actor: Actor, number: int) -> tuple[CorrectionRequest, FormatDef]:
    # locked and re-read: of two decisions at the same moment the second sees the first's outcome
    request = db.session.execute(
        select(CorrectionRequest)
        .where(CorrectionRequest.number == number)
        .with_for_update(of=CorrectionRequest)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    fmt = catalogue.definitions().formats.get(request.format_code) if request is not None else None
    if request is None or fmt is None or not may(actor, Action.APPROVE, request.office, fmt):
        raise NotPermitted(
            _("No correction request %(number)s for %(user)s to decide.", number=number, user=actor.username)
        )
    if request.status != CorrectionStatus.PENDING:
        raise WorkflowRefused(
            _(
                "Correction request No. %(number)s is already %(status)s.",
                number=number,
                status=status_text(request.status),
            )
        )
    return request, fmt


@one_step
def approve(actor: Actor, number: int) -> CorrectionRequest:
    """Replace the validated figures with the requested ones, keeping the old revision."""
    request, fmt = _decidable(actor, number)
    office = request.office
    months = [(Month.of(item.period), _complete_changes(fmt, item)) for item in request.items]
    bases = {item.return_id: item.base_revision for item in request.items}
    proposals = propose_chain(fmt, office, months, deciding=request)
    last_rows: dict = {}
    for proposal in proposals:
        if proposal.ret.revision != bases[proposal.ret.id]:
            raise ConcurrentChange(
                _(
                    "%(format)s for %(month)s changed since the request was raised.",
                    format=fmt.code,
                    month=month_name(proposal.month),
                )
            )
        last_rows = _apply(actor, fmt, office, proposal, request)
    _follow_or_flag(actor, fmt, office, proposals[-1].month, last_rows)
    return _record_decision(actor, request, CorrectionStatus.APPROVED, "correction-approved")


def _apply(actor: Actor, fmt: FormatDef, office: Office, proposal: ProposedMonth, request) -> dict:
    ret = proposal.ret
    old = _stored(proposal.current)
    db.session.add(
        ReturnRevision(
            return_id=ret.id,
            revision=ret.revision,
            cells=to_json(old),
            replaced_at=now(),
            correction_id=request.id,
        )
    )
    new_rows = {r.key: (r.position, r.cells) for r in proposal.proposed.rows if not r.is_total}
    if fmt.rows.kind == "free":  # rows added by the correction get lasting keys, as a save gives them
        new_rows = assign_free_keys(new_rows)
    rowstore.replace(fmt, ret.id, new_rows)
    ret.revision += 1
    ret.amended, ret.inconsistent = True, False
    ret.updated_at, ret.updated_by_id = now(), actor.user_id
    audit.record(
        actor.user_id,
        actor.username,
        "correction-applied",
        "return",
        return_key(fmt.code, office, proposal.month),
        {"revision": ret.revision - 1, "cells": entered_cells(fmt, old)},
        {"revision": ret.revision, "cells": entered_cells(fmt, {k: c for k, (_p, c) in new_rows.items()})},
        f"correction No. {request.number}",
    )
    return new_rows


def _follow_or_flag(actor: Actor, fmt: FormatDef, office: Office, month: Month, rows: dict) -> None:
    """After the last corrected month: later drafts follow; a validated month no longer fitting is flagged."""
    follow_later_months(fmt, office, month, rows, actor)


def _notify_decided(request: CorrectionRequest) -> None:
    """The office's notice and e-mail, in the same transaction as the decision."""
    from app.services.messaging.notices import correction_decided

    correction_decided(request)


@one_step
def reject(actor: Actor, number: int, reason: str) -> CorrectionRequest:
    """Refuse a correction; the reason is mandatory and shown to the office."""
    request, _fmt = _decidable(actor, number)
    if not (reason or "").strip():
        raise WorkflowRefused(_("A reason is required to reject a correction request."))
    request.reason = reason.strip()
    return _record_decision(
        actor, request, CorrectionStatus.REJECTED, "correction-rejected", why=request.reason
    )


def _record_decision(
    actor: Actor, request: CorrectionRequest, status: CorrectionStatus, action: str, why: str | None = None
) -> CorrectionRequest:
    """Set the owner's decision on the request, audit it, tell the office, and commit."""
    request.status, request.decided_at, request.decided_by_id = status, now(), actor.user_id
    audit.record(
        actor.user_id,
        actor.username,
        action,
        "correction",
        f"correction:{request.number}",
        {"status": CorrectionStatus.PENDING},
        {"status": status},
        why,
        office=request.office.code,
    )
    _notify_decided(request)
    commit_or_conflict(_("Correction No. %(number)s", number=request.number))
    return request
