"""Write a return's fed cells on behalf of the source that feeds them (`fed:` in the definitions).

Only a source's system account writes them (role "Feed <source>", `policy.may_feed`), only
while the return is a draft or not started, only into the columns its source feeds, each value
read exactly as a typed cell would be (`parse_cell`). All or nothing: any wrong cell refuses the
whole feed with every error at its cell. The office's entered cells are kept as they are; the
feed is audited with its source, and the return remembers when each source last fed it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.errors import InvalidInput
from app.extensions import db
from app.models.feeds import ReturnFeed
from app.models.org import Office
from app.models.returns import MprReturn, ReturnStatus
from app.security import roles
from app.security.policy import Action, Actor, may
from app.services import audit
from app.services.cycle.saving import entered_cells, follow_later_months, save_payloads, unstorable_cells
from app.services.cycle.workflow import (
    NotPermitted,
    Step,
    commit_or_conflict,
    ensure_allowed,
    now,
    one_step,
    return_key,
    return_label,
)
from app.services.engine import calculation, rowstore
from app.services.engine.calculation import CellMessage
from app.services.engine.cell_input import CellInputError, parse_cell
from app.services.engine.grid import Grid, open_grid

FedRows = Mapping[str, Mapping[str, Any]]  # row key -> {fed column code: value}


@dataclass(frozen=True)
class FeedResult:
    """What a feed stored: the return, the sources it fed, and the time."""

    ret: MprReturn
    sources: tuple[str, ...]
    fed_at: dt.datetime


def _cell_errors(grid: Grid, actor: Actor, rows: FedRows, today: dt.date) -> tuple[dict, list[CellMessage]]:
    """The parsed values by row and column, and an error for every cell that cannot be fed."""
    held = roles.fed_sources(actor.role_names)
    known = {row.key for row in grid.rows if not row.is_total}
    values: dict[str, dict[str, Any]] = {}
    errors: list[CellMessage] = []
    for key, cells in rows.items():
        if key not in known:
            errors.append(CellMessage(key, "", "unknown_row", _("There is no row '%(row)s'", row=key)))
            continue
        for code, raw in cells.items():
            refusal = _refusal(grid, key, code, held)
            if refusal is not None:
                errors.append(CellMessage(key, code, *refusal))
                continue
            try:
                values.setdefault(key, {})[code] = parse_cell(grid.fmt.column(code), raw, today)
            except CellInputError as error:
                errors.append(CellMessage(key, code, error.code, str(error)))
    return values, errors


def _refusal(grid: Grid, key: str, code: str, held: frozenset[str]) -> tuple[str, str] | None:
    """(code, message) when the cell of row `key`, column `code`, may not be fed by a holder of `held`."""
    column = next((c for c in grid.columns if c.code == code), None)
    if column is None:
        return "unknown_column", _("There is no column '%(column)s'", column=code)
    source = grid.fmt.fed_source(key, column)
    if source is None:
        message = _("'%(column)s' is not fed by any source: it is not written through the feed", column=code)
        return "not_fed", message
    if source not in held:
        message = _("'%(column)s' is fed by %(source)s, not by this account", column=code, source=source)
        return "other_source", message
    return None


def _stored_rows(grid: Grid, values: dict[str, dict[str, Any]]) -> dict:
    """Every data row as stored now, with the fed values over it, recomputed."""
    rows = {}
    for row in grid.rows:
        if row.is_total:
            continue
        cells = {**row.cells, **values.get(row.key, {})}
        rows[row.key] = (row.position, calculation.compute_row(grid.fmt, grid.month, cells))
    return rows


def _header(grid: Grid, actor: Actor, stamp: dt.datetime) -> MprReturn:
    ret = grid.ret
    if ret is None:
        ret = MprReturn(
            format_code=grid.fmt.code,
            office_id=grid.office.id,
            period=grid.month.first_day,
            status=ReturnStatus.DRAFT,
            created_at=stamp,
            created_by_id=actor.user_id,
        )
        db.session.add(ret)
    ret.updated_at, ret.updated_by_id = stamp, actor.user_id
    return ret


def _remember(grid: Grid, ret: MprReturn, actor: Actor, sources: tuple[str, ...], stamp: dt.datetime) -> None:
    for source in sources:
        feed = grid.feeds.get(source)
        if feed is None:
            feed = ReturnFeed(return_id=ret.id, source=source)
            db.session.add(feed)
        feed.fed_at, feed.fed_by_id, feed.fed_by_name = stamp, actor.user_id, actor.username


@one_step
def feed_return(
    actor: Actor, fmt: FormatDef, office: Office, month: Month, rows: FedRows, today: dt.date | None = None
) -> FeedResult:
    """Store the fed cells sent for one return, or refuse with every wrong cell (InvalidInput, 422)."""
    if not may(actor, Action.FEED, office, fmt):
        raise NotPermitted(_("%(user)s may not feed %(format)s", user=actor.username, format=fmt.code))
    today = today or dt.date.today()
    grid = open_grid(fmt, office, month, today)
    label = return_label(fmt, month)
    ensure_allowed(Step.FEED, grid.ret, label)
    values, errors = _cell_errors(grid, actor, rows, today)
    stored = _stored_rows(grid, values)
    errors = errors or unstorable_cells(fmt, month, stored)
    if errors:
        raise InvalidInput(_("%(label)s was not fed: see the error at each cell.", label=label), errors)
    sent = {fmt.fed_source(key, fmt.column(code)) for key, cells in values.items() for code in cells}
    sources = tuple(s for s in fmt.sources_in_force(month) if s in sent)
    if not sources:
        raise InvalidInput(_('Send at least one fed cell: {"rows": {row key: {column: value}}}.'))
    stamp = now()
    before = entered_cells(fmt, {r.key: r.cells for r in grid.rows if not r.is_total})
    ret = _header(grid, actor, stamp)
    db.session.flush()
    rowstore.replace(fmt, ret.id, stored)
    _remember(grid, ret, actor, sources, stamp)
    changed_before, changed_after = save_payloads(fmt, before, stored)
    key = return_key(fmt.code, office, month)
    reason = f"fed from {', '.join(sources)}"  # the audit trail is kept in English
    after = {"sources": list(sources), "cells": changed_after}
    audit.record(actor.user_id, actor.username, Step.FEED.value, "return", key, changed_before, after, reason)
    follow_later_months(fmt, office, month, stored, actor)
    commit_or_conflict(label)
    return FeedResult(ret, sources, stamp)
