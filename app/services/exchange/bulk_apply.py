"""Bulk load of past months, step two: store a clean plan in one transaction, or nothing at all.

Each return is stored with its computed cells and the status the loader chose, stamped
as submitted (and validated) by the loader, now; each gets an audit event carrying the
file's SHA-256, and the load one summary event (who, the file, its hash, the counts).
Later months already stored follow the loaded closings as after any save.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from app.errors import InvalidInput
from app.extensions import db
from app.models.returns import MprReturn, ReturnStatus
from app.security.policy import Actor, may_bulk_load
from app.services import audit
from app.services.cycle import remarks, targets
from app.services.cycle.saving import entered_cells, follow_later_months
from app.services.cycle.workflow import ConcurrentChange, NotPermitted, is_concurrent_change, now, return_key
from app.services.engine import rowstore
from app.services.exchange.bulk_plan import BulkPlan, PlannedReturn, Progress

LOADABLE_STATUSES = (ReturnStatus.SUBMITTED.value, ReturnStatus.VALIDATED.value)
SET = ReturnStatus.VALIDATED  # a target set by the owner before: the load replaces it, keeping it on record
ACTION = "bulk-load"


class BulkLoadRefused(InvalidInput):
    """The plan has errors or disagreements (or a bad status was asked for): nothing is stored."""

    code = "bulk_load_refused"

    def __init__(self, message: str, plan: BulkPlan | None = None) -> None:
        super().__init__(message)
        self.plan = plan

    def as_dict(self) -> dict:
        """The refusal with the plan's lists, as the API answers a load that cannot be applied."""
        body = {"code": self.code, "message": self.message}
        if self.plan is not None:
            body.update(self.plan.as_dict())
        return body


@dataclass(frozen=True)
class LoadResult:
    """What a load stored."""

    format: str
    file: str
    sha256: str
    status: str
    returns: int
    offices: int
    replaced_drafts: int
    later_months_followed: int

    def as_dict(self) -> dict[str, Any]:
        """JSON form (API, page, CLI)."""
        return dict(self.__dict__)


def iter_apply(
    actor: Actor, plan: BulkPlan, status: str, every: int
) -> Generator[Progress, None, LoadResult]:
    """Store the plan step by step (yields Progress), commit once at the end; roll back on any failure."""
    _ensure_applicable(actor, plan, status)
    if plan.fmt.set_by_owner:  # targets set by the owner are in force at once, whatever was asked
        status = ReturnStatus.VALIDATED.value
    try:
        result = yield from _store(actor, plan, status, max(every, 1))
        db.session.commit()
    except (StaleDataError, DBAPIError) as error:
        db.session.rollback()
        if not is_concurrent_change(error):
            raise
        raise ConcurrentChange(
            _("Someone else changed some of these returns at the same moment; nothing was loaded. Try again.")
        ) from None
    except BaseException:
        db.session.rollback()
        raise
    return result


def _ensure_applicable(actor: Actor, plan: BulkPlan, status: str) -> None:
    if not may_bulk_load(actor, plan.fmt):
        raise NotPermitted(
            _("%(user)s may not bulk load %(format)s.", user=actor.username, format=plan.fmt.code)
        )
    if status not in LOADABLE_STATUSES:
        raise BulkLoadRefused(_("Choose the status of the loaded returns: submitted or validated."))
    if not plan.ok:
        raise BulkLoadRefused(
            _(
                "Nothing was loaded: the file has %(errors)d error(s) and %(disagreements)d disagreement(s).",
                errors=len(plan.errors),
                disagreements=len(plan.disagreements),
            ),
            plan,
        )
    if not plan.returns:
        raise BulkLoadRefused(_("Nothing was loaded: the file holds no line of figures."), plan)


def _store(actor: Actor, plan: BulkPlan, status: str, every: int) -> Generator[Progress, None, LoadResult]:
    stamp, total = now(), len(plan.returns)
    validated = [p.existing for p in plan.returns if p.existing is not None and p.existing.status == SET]
    headers: list[tuple[PlannedReturn, MprReturn]] = []
    for done, planned in enumerate(plan.returns, start=1):
        headers.append((planned, _header(actor, plan, planned, status, stamp)))
        if done % every == 0 or done == total:
            yield Progress("load", done, total)
    db.session.flush()
    replaced = targets.keep_revisions(plan.fmt, validated, stamp)  # targets revised: the old stay on record
    rowstore.replace_many(plan.fmt, {ret.id: planned.rows for planned, ret in headers})
    audit.record_many(_events(actor, plan, headers, status, replaced))
    followed = _follow_later_months(actor, plan)
    result = LoadResult(
        plan.fmt.code,
        plan.upload.filename,
        plan.upload.sha256,
        status,
        total,
        len({planned.office.id for planned in plan.returns}),
        len(plan.replaced),
        followed,
    )
    audit.record(
        actor.user_id,
        actor.username,
        ACTION,
        "bulk-load",
        f"bulk:{plan.fmt.code}:{plan.upload.sha256}",
        None,
        {**result.as_dict(), "months": _months(plan)},
    )
    return result


def _months(plan: BulkPlan) -> list[str]:
    months = sorted({planned.month for planned in plan.returns})
    return [str(months[0]), str(months[-1])]


def _header(actor: Actor, plan: BulkPlan, planned: PlannedReturn, status: str, stamp) -> MprReturn:
    """The return's header as a submitted (or validated) return carries it: by the loader, now."""
    ret = planned.existing
    if ret is None:
        ret = MprReturn(
            format_code=plan.fmt.code,
            office_id=planned.office.id,
            period=planned.month.first_day,
            created_at=stamp,
            created_by_id=actor.user_id,
        )
        db.session.add(ret)
    else:
        remarks.clear(ret, actor, return_key(plan.fmt.code, planned.office, planned.month), stamp)
    ret.status = status
    ret.updated_at, ret.updated_by_id = stamp, actor.user_id
    ret.submitted_at, ret.submitted_by_id = stamp, actor.user_id
    validated = status == ReturnStatus.VALIDATED
    ret.validated_at = stamp if validated else None
    ret.validated_by_id = actor.user_id if validated else None
    ret.opening_entered = planned.first_month and plan.fmt.has_carry
    return ret


def _events(
    actor: Actor, plan: BulkPlan, headers: list[tuple[PlannedReturn, MprReturn]], status: str, replaced: dict
):
    for planned, ret in headers:
        cells = {key: cells for key, (_pos, cells) in planned.rows.items()}
        before = replaced.get(ret.id) or ({"status": ReturnStatus.DRAFT.value} if planned.existing else None)
        yield audit.PendingEvent(
            actor.user_id,
            actor.username,
            ACTION,
            "return",
            return_key(plan.fmt.code, planned.office, planned.month),
            before,
            {
                "status": status,
                "file": plan.upload.filename,
                "sha256": plan.upload.sha256,
                "cells": entered_cells(plan.fmt, cells),
            },
        )


def _follow_later_months(actor: Actor, plan: BulkPlan) -> int:
    """Carry each office's last loaded closing into the months stored after it (drafts, submitted);
    a validated later month whose opening no longer fits is flagged inconsistent."""
    last: dict[int, PlannedReturn] = {}
    for planned in plan.returns:
        last[planned.office.id] = planned  # returns are ordered by office, then month
    followed = 0
    for office_id, planned in last.items():
        if office_id in plan.later:
            follow_later_months(plan.fmt, planned.office, planned.month, planned.rows, actor)
            followed += 1
    return followed
