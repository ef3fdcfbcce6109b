"""Save a draft: parse every cell, refuse stale versions, recompute, follow later months.

All or nothing: when any typed cell is invalid nothing is stored and the grid comes
back with the typed text and a message at each bad cell. Failing checks do not stop
a draft from being saved; they stop submission.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.errors import Conflict
from app.extensions import db
from app.i18n import local
from app.models.generated import storable
from app.models.org import Office
from app.models.returns import MprReturn, ReturnStatus
from app.presenters.display import moment
from app.security.policy import Action, Actor, may
from app.services import audit
from app.services.cycle.workflow import NotPermitted, is_concurrent_change, return_key, return_label
from app.services.engine import calculation, rowstore
from app.services.engine.calculation import CellMessage
from app.services.engine.cell_input import CellInputError, parse_cell
from app.services.engine.grid import (
    Grid,
    GridRow,
    assemble,
    later_carried_returns,
    open_grid,
)

NEW_ROW_PREFIX = "new-"
Changes = Mapping[str, Mapping[str, Any] | None]  # row key -> {column: typed text}; None removes a free row


class SaveConflict(Conflict):
    """Someone saved the return after this form was loaded."""

    code = "stale_version"


class ReturnLocked(Conflict):
    """The return is validated: it changes only through an approved correction."""

    code = "return_locked"


class SaveResult:
    """What happened: the grid to show (built only when asked for), and any cell errors."""

    def __init__(
        self,
        grid: Grid | Callable[[], Grid],
        errors=None,
        returned_to_draft: bool = False,
        unchanged: bool = False,
    ) -> None:
        self._grid = grid
        self.errors: list[CellMessage] = list(errors or [])
        self.returned_to_draft = returned_to_draft  # a submitted return edited into a failing state
        self.unchanged = unchanged  # no entered cell differed from what is stored: nothing was written

    @property
    def grid(self) -> Grid:
        """The grid as it stands now (a page that redirects never pays for rebuilding it)."""
        if callable(self._grid):
            self._grid = self._grid()
        return self._grid

    @property
    def saved(self) -> bool:
        """True when the draft was stored."""
        return not self.errors


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _valid_keys(grid: Grid) -> set[str]:
    return {row.key for row in grid.rows if not row.is_total}


def merge_changes(grid: Grid, changes: Changes, today: dt.date) -> tuple[dict, list[CellMessage]]:
    """Stored rows overlaid with the parsed changes; errors for every rejected cell."""
    rows = {r.key: (r.position, dict(r.cells)) for r in grid.rows if not r.is_total}
    errors: list[CellMessage] = []
    allowed = _valid_keys(grid)
    free = grid.fmt.rows.kind == "free"
    next_position = max((pos for pos, _cells in rows.values()), default=0) + 1
    for key, typed in changes.items():
        if typed is None:
            if free and key in rows:
                del rows[key]
            continue
        if key not in allowed and not (free and key.startswith(NEW_ROW_PREFIX)):
            errors.append(CellMessage(key, "", "unknown_row", _("There is no row '%(row)s'", row=key)))
            continue
        if key not in rows:
            rows[key] = (next_position, {})
            next_position += 1
        errors.extend(_apply_cells(grid, key, rows[key][1], typed, today))
    limit = grid.fmt.rows.free_max
    if free and limit is not None and len(rows) > limit:
        errors.append(
            CellMessage(
                "",
                "",
                "too_many_rows",
                _("At most %(limit)s rows (%(sent)s sent)", limit=limit, sent=len(rows)),
            )
        )
    return rows, errors


def _apply_cells(grid: Grid, key: str, cells: dict, typed: Mapping[str, Any], today: dt.date):
    probe = next((r for r in grid.rows if r.key == key), None)
    for code, raw in typed.items():
        try:
            column = grid.fmt.column(code)
        except KeyError:
            yield CellMessage(key, code, "unknown_column", _("There is no column '%(column)s'", column=code))
            continue
        if probe is not None and not grid.editable(probe, column):
            refusal = _fixed_opening_changed(grid, probe, column, raw, today)
            if refusal is not None:
                yield refusal
            continue  # carried and computed cells are never stored as sent
        if probe is None and column.role != "entered":
            continue
        try:
            cells[code] = parse_cell(column, raw, today)
        except CellInputError as error:
            yield CellMessage(key, code, error.code, str(error))


def _fixed_opening_changed(grid: Grid, row: GridRow, column, raw: Any, today: dt.date) -> CellMessage | None:
    """A first month's opening sent with a new value after it was fixed: refused, never silently dropped."""
    if grid.fmt.cell_role(row.key, column) != "carried" or not grid.first_month or raw in (None, ""):
        return None
    try:
        value = parse_cell(column, raw, today)
    except CellInputError:
        value = raw
    if value == row.cells.get(column.code):
        return None
    return CellMessage(
        row.key,
        column.code,
        "opening_fixed",
        _("The opening balance was fixed when the return was submitted; it can no longer be changed here."),
    )


def assign_free_keys(rows: dict) -> dict:
    """Give rows added as `new-N` their permanent keys R<n>, after the highest key in use."""
    used = [int(k[1:]) for k in rows if k.startswith("R") and k[1:].isdigit()]
    counter = max(used, default=0)
    result = {}
    for key, value in rows.items():
        if key.startswith(NEW_ROW_PREFIX):
            counter += 1
            key = f"R{counter}"
        result[key] = value
    return result


def _computed(fmt: FormatDef, month: Month, rows: dict) -> dict:
    """The rows with computed columns and computed rows recalculated (what the server stores)."""
    cells = calculation.compute_rows(fmt, month, {key: cells for key, (_pos, cells) in rows.items()})
    return {key: (position, cells[key]) for key, (position, _cells) in rows.items()}


def _touch(ret: MprReturn | None, fmt: FormatDef, office: Office, month: Month, actor: Actor):
    now = _now()
    if ret is None:
        ret = MprReturn(
            format_code=fmt.code,
            office_id=office.id,
            period=month.first_day,
            status=ReturnStatus.DRAFT,
            created_at=now,
            created_by_id=actor.user_id,
        )
        db.session.add(ret)
    ret.updated_at = now
    ret.updated_by_id = actor.user_id
    return ret


@dataclass
class DraftPlan:
    """What a save would store: the grid as it stands, the computed rows, every cell error."""

    grid: Grid
    rows: dict
    errors: list[CellMessage]


def plan_draft(
    actor: Actor,
    fmt: FormatDef,
    office: Office,
    month: Month,
    version: int,
    changes: Changes,
    today: dt.date | None = None,
) -> DraftPlan:
    """Check a save without writing: permission, lock, version, every cell, storable results."""
    if not may(actor, Action.ENTER, office, fmt):
        raise NotPermitted(
            _("%(user)s may not enter data for %(office)s", user=actor.username, office=office.code)
        )
    today = today or dt.date.today()
    grid = open_grid(fmt, office, month, today, office_view=True)
    if grid.locked:
        raise ReturnLocked(
            _("%(label)s is validated; raise a correction request.", label=return_label(fmt, month))
        )
    if grid.version != version:
        raise SaveConflict(_conflict_message(grid))
    rows, errors = merge_changes(grid, changes, today)
    if not errors:  # the format as this office fills it (grid.fmt): its own columns only
        rows = _computed(grid.fmt, month, rows)
        errors = unstorable_cells(grid.fmt, month, rows)
    if errors:
        _show_typed(grid, changes, errors)
    return DraftPlan(grid, rows, errors)


def save_draft(
    actor: Actor,
    fmt: FormatDef,
    office: Office,
    month: Month,
    version: int,
    changes: Changes,
    today: dt.date | None = None,
    reason: str | None = None,
) -> SaveResult:
    """Store the typed cells of one return, or explain cell by cell why not (`reason` goes in the audit)."""
    today = today or dt.date.today()
    plan = plan_draft(actor, fmt, office, month, version, changes, today)
    if plan.errors:
        return SaveResult(plan.grid, plan.errors)
    grid, rows = plan.grid, plan.rows
    if fmt.rows.kind == "free":
        rows = assign_free_keys(rows)
    before = entered_cells(fmt, {r.key: r.cells for r in grid.rows if not r.is_total})
    if grid.ret is not None and entered_cells(fmt, {k: c for k, (_p, c) in rows.items()}) == before:
        if _stored_version(grid.ret) != version:  # the figures compared may be newer than the version
            raise SaveConflict(_conflict_message(grid))
        return SaveResult(grid, unchanged=True)  # nothing typed differs: no new version, no audit event
    ret = _touch(grid.ret, fmt, office, month, actor)
    try:
        db.session.flush()
        rowstore.replace(fmt, ret.id, rows)
        # only a submitted return can fall back to draft: drafts skip re-reading the grid
        submitted = ret.status == ReturnStatus.SUBMITTED
        reopened = submitted and _settle_status(ret, open_grid(fmt, office, month, today, office_view=True))
        _audit_save(actor, fmt, office, month, before, rows, reason)
        follow_later_months(fmt, office, month, rows, actor)
        db.session.commit()
    except (StaleDataError, DBAPIError) as error:  # a stale version, a duplicate key, a deadlock
        if not is_concurrent_change(error):
            raise
        db.session.rollback()
        raise SaveConflict(_("Someone else saved this return at the same moment. Reload it.")) from None
    reopen = functools.partial(open_grid, fmt, office, month, today, office_view=True)  # opened when asked
    return SaveResult(reopen, returned_to_draft=reopened)


def _stored_version(ret: MprReturn) -> int:
    """The version committed now (PostgreSQL reads each statement afresh; SQLite from one snapshot)."""
    return db.session.execute(select(MprReturn.version).where(MprReturn.id == ret.id)).scalar_one()


def unstorable_cells(fmt: FormatDef, month: Month, rows: dict) -> list[CellMessage]:
    """Typed or computed cells too large for their database column: refused here, not by the database."""
    return [
        CellMessage(
            key,
            column.code,
            "too_large",
            _("The number is too large") if column.is_input else _("The result is too large to store"),
        )
        for key, (_pos, cells) in rows.items()
        for column in fmt.columns_in_force(month)
        if not storable(column, cells.get(column.code))
    ]


def _settle_status(ret: MprReturn, grid: Grid) -> bool:
    """A submitted return edited into an incomplete or failing state becomes a draft again."""
    if ret.status == ReturnStatus.SUBMITTED and grid.messages:
        ret.status, ret.submitted_at, ret.submitted_by_id = ReturnStatus.DRAFT, None, None
        return True
    return False


def entered_cells(fmt: FormatDef, rows: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Only the typed cells of each row (what an audit event or a revision must keep)."""
    return {
        key: {
            column.code: cells[column.code]
            for column in fmt.columns
            if cells.get(column.code) is not None and fmt.cell_role(key, column) != "computed"
        }
        for key, cells in rows.items()
        if fmt.row_role(key) != "computed"
    }


def save_payloads(fmt: FormatDef, before: dict, rows: dict) -> tuple[dict, dict]:
    """The before/after payloads of a save's audit event: only the entered cells that changed."""
    after = entered_cells(fmt, {key: cells for key, (_pos, cells) in rows.items()})
    changed_before, changed_after = {}, {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, {}), after.get(key, {})
        diff = {c for c in set(old) | set(new) if old.get(c) != new.get(c)}
        if diff:
            changed_before[key] = {c: old.get(c) for c in sorted(diff)}
            changed_after[key] = {c: new.get(c) for c in sorted(diff)}
    return changed_before, changed_after


def _audit_save(
    actor: Actor, fmt: FormatDef, office: Office, month: Month, before: dict, rows: dict, reason: str | None
) -> None:
    changed_before, changed_after = save_payloads(fmt, before, rows)
    audit.record(
        actor.user_id,
        actor.username,
        "save",
        "return",
        return_key(fmt.code, office, month),
        changed_before,
        changed_after,
        reason,
    )


def _conflict_message(grid: Grid) -> str:
    if grid.ret is None:
        return _(
            "This return was saved by someone else after you opened it. "
            "Your changes were not saved: reload the page, then enter them again."
        )
    return _(
        "This return was saved by someone else at %(when)s after you opened it. "
        "Your changes were not saved: reload the page, then enter them again.",
        when=moment(grid.ret.updated_at),
    )


def _show_typed(grid: Grid, changes: Changes, errors: list[CellMessage]) -> None:
    """Put everything typed back into the grid (nothing was saved) so the user can correct it.

    Every typed cell comes back, not only the rejected ones, and new free rows too:
    otherwise the user's other changes would silently fall back to the stored values.
    """
    for row in grid.rows:
        typed = changes.get(row.key) or {}
        row.typed = {c: str(v) for c, v in typed.items() if v is not None}
    if grid.fmt.rows.kind == "free":
        label = _("New %(row)s", row=local(grid.fmt.rows.free_label).lower())
        for key, typed in changes.items():
            if key.startswith(NEW_ROW_PREFIX) and typed is not None:
                shown = {c: str(v) for c, v in typed.items() if v is not None}
                grid.rows.append(GridRow(key, label, typed=shown, position=len(grid.rows)))
    grid.messages = errors + grid.messages


def follow_later_months(fmt: FormatDef, office: Office, month: Month, rows: dict, actor) -> None:
    """Carry a changed closing into later months that are still drafts or submitted.

    A submitted month that no longer passes its checks becomes a draft again, so a Zone
    never validates figures whose opening balance has moved under them. A validated month
    is never changed: if its opening no longer fits it is flagged inconsistent instead.
    """
    current_rows = rows
    for next_fmt, next_month, ret in later_carried_returns(fmt, office, month):
        current_month = next_month.prev()
        if ret.status == ReturnStatus.VALIDATED:
            _flag_if_moved(next_fmt, office, current_month, ret, current_rows, actor)
            return
        previous = {k: cells for k, (_p, cells) in current_rows.items()}
        stored = rowstore.read(next_fmt, ret.id)
        grid = assemble(next_fmt, office, next_month, ret, stored, previous)
        next_rows = {r.key: (r.position, r.cells) for r in grid.rows if not r.is_total}
        if next_rows == stored:
            return  # nothing moved: later months are already consistent
        rowstore.replace(next_fmt, ret.id, next_rows)
        ret.updated_at = _now()
        reopened = _settle_status(ret, grid)
        audit.record(
            actor.user_id,
            actor.username,
            "carry-forward",
            "return",
            return_key(next_fmt.code, office, next_month),
            None,
            {"opening_from": str(current_month), "returned_to_draft": reopened},
        )
        current_rows = next_rows


def _flag_if_moved(next_fmt: FormatDef, office: Office, month: Month, ret: MprReturn, rows: dict, actor):
    """Flag the validated month after `month` if its opening no longer equals `rows`' closing."""
    closing = {key: cells for key, (_p, cells) in rows.items()}
    columns = next_fmt.columns_in_force(month.next())
    moved = any(
        cells.get(column.code) != (closing.get(source[0]) or {}).get(source[1])
        for key, (_p, cells) in rowstore.read(next_fmt, ret.id).items()
        for column in columns
        if (source := next_fmt.carried_from(key, column)) is not None
    )
    if moved:
        ret.inconsistent = True
        audit.record(
            actor.user_id,
            actor.username,
            "flagged-inconsistent",
            "return",
            return_key(next_fmt.code, office, month.next()),
            None,
            {"reason": f"opening no longer equals the closing of {month.label()}"},
        )
