"""The figures a correction replaced and the figures it brought, read back at any time.

Before approval the old figures are the revision in force; after approval they are the
revision kept on record (mpr_return_revision) when the correction replaced it, so the
comparison of a decided correction still shows exactly what it changed. The new figures
are the ones the request carried (mpr_correction_item), never the current ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import select

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.extensions import db
from app.models.corrections import CorrectionItem, CorrectionRequest, CorrectionStatus, ReturnRevision
from app.models.org import Office
from app.models.returns import MprReturn, ReturnStatus
from app.presenters.comparison import CellChange, Comparison, carried_only, compare
from app.services.engine import rowstore, serialise
from app.services.engine.grid import Grid, assemble, later_carried_returns

LATER_MONTHS_SHOWN = 12


@dataclass
class LaterMonth:
    """A later month whose opening balance the correction moves."""

    month: Month
    status: str
    openings: list[CellChange]

    @property
    def will_be_flagged(self) -> bool:
        """A validated month is never changed: it is flagged inconsistent instead."""
        return self.status == ReturnStatus.VALIDATED


@dataclass
class MonthFigures:
    """One month of a correction: old and new grids, their comparison, the months that follow."""

    month: Month
    base_revision: int
    old: Grid
    new: Grid
    comparison: Comparison
    later: list[LaterMonth] = field(default_factory=list)


def kept_cells(fmt: FormatDef, text: str) -> dict[str, tuple[int, dict]]:
    """Stored JSON cells {row: {column: value}} as (position, typed cells) rows."""
    loaded = json.loads(text)
    return {key: (i, serialise.cells_from_json(fmt, cells)) for i, (key, cells) in enumerate(loaded.items())}


def revision_rows(fmt: FormatDef, ret: MprReturn, number: int) -> dict[str, tuple[int, dict]] | None:
    """The stored rows of one revision of a return: the one in force, or one kept on record."""
    if number == ret.revision:
        return rowstore.read(fmt, ret.id)
    kept = db.session.execute(
        select(ReturnRevision).where(ReturnRevision.return_id == ret.id, ReturnRevision.revision == number)
    ).scalar_one_or_none()
    return kept_cells(fmt, kept.cells) if kept is not None else None


def figures_grid(fmt: FormatDef, office: Office, month: Month, ret: MprReturn, rows) -> Grid:
    """A read-only grid of stored figures (openings as stored, computed cells recomputed)."""
    grid = assemble(fmt, office, month, ret, rows or {}, None)
    grid.first_month = False
    return grid


def item_figures(fmt: FormatDef, office: Office, item: CorrectionItem) -> MonthFigures:
    """Old and new figures of one month of a correction, compared."""
    ret = db.session.get(MprReturn, item.return_id)
    month = Month.of(item.period)
    old = figures_grid(fmt, office, month, ret, revision_rows(fmt, ret, item.base_revision))
    new = figures_grid(fmt, office, month, ret, kept_cells(fmt, item.cells))
    return MonthFigures(month, item.base_revision, old, new, compare(old, new))


def request_figures(fmt: FormatDef, request: CorrectionRequest) -> list[MonthFigures]:
    """Every month of a request; a pending one also shows the later openings approval would move."""
    months = [item_figures(fmt, request.office, item) for item in request.items]
    if months and request.status == CorrectionStatus.PENDING:
        months[-1].later = later_openings(fmt, request.office, months[-1])
    return months


def later_openings(fmt: FormatDef, office: Office, last: MonthFigures) -> list[LaterMonth]:
    """Later months whose openings follow the new closing: drafts and submitted ones move, a
    validated one stops the chain and is flagged (as saving.follow_later_months does)."""
    rows = {r.key: r.cells for r in last.new.rows if not r.is_total}
    found: list[LaterMonth] = []
    later = later_carried_returns(fmt, office, last.month)
    for next_fmt, month, ret in islice(later, LATER_MONTHS_SHOWN):
        stored = rowstore.read(next_fmt, ret.id)
        now = figures_grid(next_fmt, office, month, ret, stored)
        moved = assemble(next_fmt, office, month, ret, stored, rows)
        openings = carried_only(compare(now, moved), moved)
        if not openings:
            break
        found.append(LaterMonth(month, ret.status, openings))
        if ret.status == ReturnStatus.VALIDATED:
            break
        rows = {r.key: r.cells for r in moved.rows if not r.is_total}
    return found


@dataclass
class RevisionRecord:
    """A replaced revision of a return: when, by which correction, and what that correction changed."""

    number: int
    replaced_at: object
    correction: CorrectionRequest | None
    comparison: Comparison
    later: list[LaterMonth] = field(default_factory=list)  # the comparison macro's shape


def revision_records(
    fmt: FormatDef, office: Office, month: Month, ret: MprReturn | None
) -> list[RevisionRecord]:
    """Every replaced revision, oldest first, compared with the revision that replaced it."""
    if ret is None:
        return []
    kept = db.session.execute(
        select(ReturnRevision).where(ReturnRevision.return_id == ret.id).order_by(ReturnRevision.revision)
    ).scalars()
    records = []
    for revision in kept:
        old = figures_grid(fmt, office, month, ret, kept_cells(fmt, revision.cells))
        new = figures_grid(fmt, office, month, ret, revision_rows(fmt, ret, revision.revision + 1))
        correction = (
            db.session.get(CorrectionRequest, revision.correction_id) if revision.correction_id else None
        )
        records.append(RevisionRecord(revision.revision, revision.replaced_at, correction, compare(old, new)))
    return records
