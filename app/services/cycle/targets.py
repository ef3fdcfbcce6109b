"""Formats set by their owner (`set_by: owner`, annual targets): the owner sets each office's figures.

There is no fill / submit / validate cycle for them: a return the owner sets is stored as
validated at once, so reports read it exactly as they read validated figures (the
`target_pct` columns, app/services/reports). Setting reuses the grid engine — open the
return's grid, merge the typed cells, compute, check — and the row store; a change keeps
the figures it replaces as a revision (mpr_return_revision, as a correction does) and
writes one audit event `target-set` naming who set it, with the figures before and after.
A bulk load of a year's targets (app/services/exchange) keeps revisions the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from app.definitions.months import Month
from app.definitions.schema import SINGLE_ROW_KEY, FormatDef
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.models.corrections import ReturnRevision
from app.models.org import Office
from app.models.returns import MprReturn, ReturnStatus
from app.security.policy import Action, Actor, may
from app.services import audit
from app.services.cycle import remarks
from app.services.cycle.saving import (
    Changes,
    SaveConflict,
    SaveResult,
    entered_cells,
    merge_changes,
    unstorable_cells,
)
from app.services.cycle.workflow import is_concurrent_change, now, return_key
from app.services.engine import calculation, catalogue, rowstore
from app.services.engine.grid import Grid, assemble, ensure_open, find_return

SET_ACTION = "target-set"
VALIDATED = ReturnStatus.VALIDATED


class TargetFormatNotFound(NotFound):
    """No format of that code is set by its owner (or the caller may not read it)."""

    code = "target_format_not_found"


class TargetsRefused(Forbidden):
    """Only the format's owner, holding its owner role, sets its figures."""

    code = "targets_refused"
    default_message = _l("Only the owner of the format sets its targets.")


def target_format(code: str) -> FormatDef:
    """The format set by its owner with this code; TargetFormatNotFound otherwise."""
    fmt = catalogue.definitions().formats.get(code)
    if fmt is None or not fmt.set_by_owner:
        raise TargetFormatNotFound()
    return fmt


def is_set(ret: MprReturn | None) -> bool:
    """Whether a return holds figures the owner set (stored as validated)."""
    return ret is not None and ret.status == VALIDATED


def target_grid(fmt: FormatDef, office: Office, year: Month, today: dt.date | None = None) -> Grid:
    """The office's return for the year as the owner edits it: the figures set (blank until set; a
    return the office began before the format was set by its owner is not shown), editable."""
    ensure_open(fmt, office, year, today)  # in force, an April, at most the next financial year
    ret = find_return(fmt.code, office, year)
    stored = rowstore.read(fmt, ret.id) if is_set(ret) else {}
    if fmt.rows.kind == "single" and not stored:
        stored = {SINGLE_ROW_KEY: (0, {})}
    grid = assemble(fmt, office, year, ret, stored, None)
    grid.revising = True
    return grid


def set_target(
    actor: Actor,
    fmt: FormatDef,
    office: Office,
    year: Month,
    version: int,
    changes: Changes,
    today: dt.date | None = None,
    reason: str | None = None,
) -> SaveResult:
    """Set one office's figures for the year: every cell filled and every check passing, or the
    grid back with a message at each cell; SaveConflict when `version` is stale."""
    if not may(actor, Action.SET, office, fmt):
        raise TargetsRefused()
    today = today or dt.date.today()
    grid = target_grid(fmt, office, year, today)
    if grid.version != version:
        raise SaveConflict(_("Someone else changed these targets after you opened them. Reload them."))
    rows, errors = merge_changes(grid, changes, today)
    if not errors:
        typed = {key: cells for key, (_pos, cells) in rows.items()}
        computed = calculation.compute_rows(grid.fmt, year, typed)
        rows = {key: (position, computed[key]) for key, (position, _cells) in rows.items()}
        errors = unstorable_cells(grid.fmt, year, rows) or _failing(fmt, office, year, rows)
    if errors:
        _show_typed(grid, changes)
        grid.messages = errors
        return SaveResult(grid, errors)
    before = entered_cells(fmt, {r.key: r.cells for r in grid.rows if not r.is_total})
    after = entered_cells(fmt, {key: cells for key, (_pos, cells) in rows.items()})
    if is_set(grid.ret) and before == after:
        return SaveResult(grid, unchanged=True)
    _store(actor, fmt, office, year, grid.ret, rows, after, reason)
    return SaveResult(lambda: target_grid(fmt, office, year, today))


def _failing(fmt: FormatDef, office: Office, year: Month, rows: dict) -> list:
    """What stops the figures being set: a blank required cell, a failing check (as at submission)."""
    return assemble(fmt, office, year, None, rows, None).messages


def _show_typed(grid: Grid, changes: Changes) -> None:
    for row in grid.rows:
        row.typed = {c: str(v) for c, v in (changes.get(row.key) or {}).items() if v is not None}


def _store(actor, fmt, office, year, ret, rows, after, reason) -> None:
    """The header (validated, set by `actor` now), the previous figures kept, the cells, the event."""
    stamp = now()
    status_before = ret.status if ret is not None else None
    try:
        previous = keep_revisions(fmt, [ret], stamp) if is_set(ret) else {}
        if ret is None:
            ret = MprReturn(
                format_code=fmt.code, office_id=office.id, period=year.first_day, created_at=stamp
            )
            ret.created_by_id = actor.user_id
            db.session.add(ret)
        else:
            remarks.clear(ret, actor, return_key(fmt.code, office, year), stamp)
        mark_set(ret, actor, stamp)
        db.session.flush()
        rowstore.replace(fmt, ret.id, rows)
        before = previous.get(ret.id) or ({"status": status_before} if status_before else None)
        audit.record(
            actor.user_id,
            actor.username,
            SET_ACTION,
            "return",
            return_key(fmt.code, office, year),
            before,
            {"status": VALIDATED.value, "revision": ret.revision, "cells": after, "set_by": actor.username},
            reason,
        )
        db.session.commit()
    except (StaleDataError, DBAPIError) as error:
        if not is_concurrent_change(error):
            raise
        db.session.rollback()
        raise SaveConflict(_("Someone else set these targets at the same moment. Reload them.")) from None


def mark_set(ret: MprReturn, actor: Actor, stamp: dt.datetime) -> None:
    """The header of a return the owner sets: validated (and submitted) by `actor`, now."""
    ret.status = VALIDATED
    ret.updated_at, ret.updated_by_id = stamp, actor.user_id
    ret.submitted_at, ret.submitted_by_id = stamp, actor.user_id
    ret.validated_at, ret.validated_by_id = stamp, actor.user_id


def keep_revisions(
    fmt: FormatDef, returns: Iterable[MprReturn | None], stamp: dt.datetime
) -> dict[int, dict]:
    """Keep the set figures of these validated returns as revisions before they are replaced (one
    read); {return id: the audit payload of what was replaced}."""
    kept = [ret for ret in returns if ret is not None]
    stored = rowstore.read_many(fmt, [ret.id for ret in kept])
    found: dict[int, dict] = {}
    for ret in kept:
        cells = {key: cells for key, (_pos, cells) in stored[ret.id].items()}
        revision = ReturnRevision(return_id=ret.id, revision=ret.revision, cells=audit.to_json(cells))
        revision.replaced_at = stamp
        db.session.add(revision)
        found[ret.id] = {"status": VALIDATED.value, "revision": ret.revision}
        found[ret.id]["cells"] = entered_cells(fmt, cells)
        ret.revision += 1
    return found
