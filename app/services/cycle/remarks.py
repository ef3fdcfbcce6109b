"""Remarks at a return and at its cells: checked when a return is sent back, cleared on resubmission.

The transition itself (submitted -> draft) is `workflow.send_back`; this module holds what it
needs to check and keep the remarks, and what pages, the API and the to-do list read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import InvalidInput
from app.extensions import db
from app.models.remarks import ReturnRemark
from app.models.returns import MprReturn
from app.presenters.cells import cell_name
from app.services import audit
from app.services.engine.grid import Grid

MAX_REMARK = 2000


class RemarksRefused(InvalidInput):
    """The remarks sent with a send-back are incomplete or name cells that do not exist."""

    code = "invalid_remarks"


@dataclass(frozen=True)
class CellRemark:
    """A checked remark at one cell of the grid."""

    row: str
    column: str
    remark: str


def _error(row: Any, column: Any, code: str, message: str) -> dict:
    return {"row": row, "column": column, "code": code, "message": message}


def checked(grid: Grid, remarks: Any, cells: Any) -> tuple[str, list[CellRemark]]:
    """The return's remark and its cell remarks, or RemarksRefused listing every problem."""
    errors: list[dict] = []
    text = remarks.strip() if isinstance(remarks, str) else ""
    if not text:
        errors.append(_error("", "", "required", _("Say why the return is sent back.")))
    elif len(text) > MAX_REMARK:
        errors.append(_error("", "", "too_long", _("At most %(n)d characters.", n=MAX_REMARK)))
    rows = {row.key for row in grid.rows}
    columns = {column.code for column in grid.columns}
    found: list[CellRemark] = []
    for entry in cells if isinstance(cells, list) else [cells] if cells else []:
        if not isinstance(entry, dict):
            needs = _('Each cell remark needs "row", "column" and "remark".')
            errors.append(_error("", "", "invalid", needs))
            continue
        row, column = entry.get("row"), entry.get("column")
        note = entry.get("remark").strip() if isinstance(entry.get("remark"), str) else ""
        problem = None
        if row not in rows:
            problem = ("unknown_row", _("There is no row '%(row)s'.", row=row))
        elif column not in columns:
            problem = ("unknown_column", _("There is no column '%(column)s'.", column=column))
        elif not note:
            problem = ("required", _("Write the remark for this cell."))
        elif len(note) > MAX_REMARK:
            problem = ("too_long", _("At most %(n)d characters.", n=MAX_REMARK))
        elif any((r.row, r.column) == (row, column) for r in found):
            problem = ("duplicate", _("Only one remark per cell."))
        if problem is not None:
            errors.append(_error(row, column, *problem))
        else:
            found.append(CellRemark(row, column, note))
    if errors:
        problems = "; ".join(
            f"{e['row']} / {e['column']}: {e['message']}" if e["row"] else e["message"] for e in errors
        )
        raise RemarksRefused(_("The return was not sent back. %(problems)s", problems=problems), errors)
    return text, found


def keep(ret: MprReturn, actor, text: str, cells: list[CellRemark], stamp: dt.datetime) -> None:
    """Store the return's remark and each cell remark (same transaction as the transition)."""
    office_id = actor.office.id if actor.office is not None else None
    for row, column, note in [(None, None, text), *((c.row, c.column, c.remark) for c in cells)]:
        db.session.add(
            ReturnRemark(
                return_id=ret.id,
                row_key=row,
                column_code=column,
                remark=note,
                sent_at=stamp,
                sent_by_id=actor.user_id,
                sent_by_name=actor.username,
                sent_by_office_id=office_id,
            )
        )


def in_force(ret: MprReturn | None) -> list[ReturnRemark]:
    """The remarks the office still has to act on (the return's first, then by cell)."""
    if ret is None or ret.id is None:
        return []
    found = db.session.execute(
        select(ReturnRemark)
        .where(ReturnRemark.return_id == ret.id, ReturnRemark.cleared_at.is_(None))
        .order_by(ReturnRemark.id)
    ).scalars()
    return list(found)


def by_cell(found: list[ReturnRemark]) -> dict[tuple[str, str], list[str]]:
    """Cell remarks keyed by (row, column), as the grid shows them at their cells."""
    cells: dict[tuple[str, str], list[str]] = {}
    for remark in found:
        if remark.at_cell:
            cells.setdefault((remark.row_key, remark.column_code), []).append(remark.remark)
    return cells


@dataclass(frozen=True)
class ShownRemark:
    """A remark as listed above the grid: where it points (a cell named in words) and what it says."""

    where: str | None  # None: about the whole return
    row: str | None
    column: str | None
    remark: str
    by: str
    at: dt.datetime


def shown(grid: Grid, found: list[ReturnRemark]) -> list[ShownRemark]:
    """The remarks in force with each cell named "row — group — column"."""
    labels = {row.key: row.label for row in grid.rows}
    columns = {column.code: column for column in grid.fmt.columns}
    listed = []
    for remark in found:
        where = None
        if remark.at_cell:
            column = columns.get(remark.column_code)
            label = labels.get(remark.row_key, remark.row_key)
            where = cell_name(label, column) if column is not None else f"{label} — {remark.column_code}"
        listed.append(
            ShownRemark(
                where, remark.row_key, remark.column_code, remark.remark, remark.sent_by_name, remark.sent_at
            )
        )
    return listed


def sent_back_ids(return_ids: Iterable[int]) -> set[int]:
    """Which of these returns are sent back and not yet submitted again (one query)."""
    ids = [i for i in return_ids if i is not None]
    if not ids:
        return set()
    found = db.session.execute(
        select(ReturnRemark.return_id)
        .where(ReturnRemark.return_id.in_(ids), ReturnRemark.cleared_at.is_(None))
        .distinct()
    ).scalars()
    return set(found)


def for_api(ret: MprReturn | None) -> dict | None:
    """What a return's GET shows under "sent_back": the remarks in force, or null."""
    return as_json(in_force(ret))


def as_json(found: list[ReturnRemark]) -> dict | None:
    """The remarks in force as the API shows them: the send-back body, plus who and when."""
    if not found:
        return None
    overall = next((r for r in found if not r.at_cell), found[0])
    return {
        "remarks": overall.remark,
        "cells": [
            {"row": r.row_key, "column": r.column_code, "remark": r.remark} for r in found if r.at_cell
        ],
        "by": overall.sent_by_name,
        "at": overall.sent_at.isoformat(),
    }


def clear(ret: MprReturn, actor, key: str, stamp: dt.datetime) -> int:
    """On resubmission: mark the remarks cleared (kept on record) and say so in the audit trail."""
    found = in_force(ret)
    for remark in found:
        remark.cleared_at = stamp
    if found:
        audit.record(
            actor.user_id,
            actor.username,
            "remarks-cleared",
            "return",
            key,
            as_json(found),
            None,
            _("the office submitted the return again"),
        )
    return len(found)
