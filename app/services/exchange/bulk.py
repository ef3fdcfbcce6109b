"""Bulk load of past months: plan (check everything, store nothing), then apply (all or nothing).

A load is one format for many offices and months, from a workbook or a CSV file in the
documented layout (bulk_layout.py). The plan parses every cell with the grid's own
`parse_cell`, assembles each return as the grid would (computed cells, totals, checks)
and compares every opening balance with the closing balance of the month before, from
the file when it holds that month and from the database otherwise. Disagreements are
reported, never fixed. Apply stores a plan without errors or disagreements in one
transaction, with an audit event per return and one for the load (bulk_apply.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Generator
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.errors import InvalidInput
from app.extensions import db
from app.models.org import Office
from app.presenters.display import month_name
from app.security.policy import Actor, applies_to, may_bulk_load
from app.services.cycle.workflow import NotPermitted
from app.services.engine.grid import last_open_month, latest_year
from app.services.exchange.bulk_apply import BulkLoadRefused, LoadResult, iter_apply
from app.services.exchange.bulk_checks import Planner
from app.services.exchange.bulk_layout import TemplateRequest, read_table
from app.services.exchange.bulk_plan import BulkPlan, Progress, ProgressCallback, Upload

PROGRESS_EVERY = 50  # returns between two progress reports
MAX_TEMPLATE_MONTHS = 36  # months one prefilled template may span


def open_upload(filename: str, data: bytes, content_type: str | None = None) -> Upload:
    """Read an uploaded .xlsx or CSV file; UploadRefused when it cannot be read at all."""
    table = read_table(filename, data, content_type)
    return Upload(filename, hashlib.sha256(data).hexdigest(), table)


def plan_load(
    actor: Actor,
    fmt: FormatDef,
    upload: Upload,
    today: dt.date | None = None,
    progress: ProgressCallback | None = None,
    every: int = PROGRESS_EVERY,
) -> BulkPlan:
    """Check a load without storing anything; `progress` is told every `every` returns."""
    return drive(iter_plan(actor, fmt, upload, today, every), progress)


def drive(steps: Generator[Progress, None, Any], progress: ProgressCallback | None) -> Any:
    """Run a step generator to its end, telling `progress` of each step; its result."""
    while True:
        try:
            step = next(steps)
        except StopIteration as stop:
            return stop.value
        if progress is not None:
            progress(step)


def iter_plan(
    actor: Actor, fmt: FormatDef, upload: Upload, today: dt.date | None = None, every: int = PROGRESS_EVERY
) -> Generator[Progress, None, BulkPlan]:
    """The plan, step by step: yields Progress while returns are assembled, returns the BulkPlan."""
    if not may_bulk_load(actor, fmt):
        raise NotPermitted(_("%(user)s may not bulk load %(format)s.", user=actor.username, format=fmt.code))
    planner = Planner(fmt, upload, today or dt.date.today())
    return (yield from planner.run(max(every, 1)))


def apply_load(
    actor: Actor,
    plan: BulkPlan,
    status: str,
    progress: ProgressCallback | None = None,
    every: int = PROGRESS_EVERY,
) -> LoadResult:
    """Store a plan without errors or disagreements, all or nothing; BulkLoadRefused otherwise."""
    return drive(iter_apply(actor, plan, status, every), progress)


def template_request(
    actor: Actor, fmt: FormatDef, first: str | None, last: str | None, today: dt.date | None = None
) -> TemplateRequest:
    """The bulk template asked for: prefilled from month `first` to `last` (YYYY-MM) if given, else blank.

    Prefilled lines are every office filing the format x every month in force and ended x every row.
    """
    if not may_bulk_load(actor, fmt):
        raise NotPermitted(_("%(user)s may not bulk load %(format)s.", user=actor.username, format=fmt.code))
    latest = last_open_month(today)
    if not first and not last:
        return TemplateRequest(fmt, (latest,), (), prefill=False)
    try:
        start = Month.parse(first or last or "")
        end = Month.parse(last or first or "")
    except ValueError as error:
        raise InvalidInput(_("Write the months as YYYY-MM (from, until).")) from error
    if end < start or start.shift(MAX_TEMPLATE_MONTHS - 1) < end:
        raise InvalidInput(
            _("Choose from 1 to %(n)d months, the first not after the last.", n=MAX_TEMPLATE_MONTHS)
        )
    keyed = sorted({fmt.return_month(m) for m in _months_between(start, end)})  # one line a year if annual
    opened = latest_year(fmt, today) if fmt.annual else latest  # an annual return opens with its year
    months = tuple(m for m in keyed if fmt.in_force(m) and m <= max(latest, opened))
    if not months:
        raise InvalidInput(
            _(
                "%(format)s is not in force in any ended month from %(first)s to %(last)s.",
                format=fmt.code,
                first=month_name(start),
                last=month_name(end),
            )
        )
    return TemplateRequest(fmt, months, tuple(filing_offices(fmt)), prefill=True)


def _months_between(start: Month, end: Month) -> list[Month]:
    months = [start]
    while months[-1] < end:
        months.append(months[-1].next())
    return months


def filing_offices(fmt: FormatDef) -> list[Office]:
    """Every active office that files `fmt`, by code."""
    query = (
        select(Office).where(Office.active.is_(True), Office.kind.in_(fmt.filled_by)).order_by(Office.code)
    )
    return [office for office in db.session.execute(query).scalars() if applies_to(fmt, office)]


def report_lines(plan: BulkPlan) -> list[str]:
    """The plan in words, one line per return count, error and disagreement (the CLI prints these)."""
    offices = len({r.office.id for r in plan.returns})
    lines = [
        _(
            "%(format)s from %(file)s (sha256 %(sha)s): %(returns)d return(s) of %(offices)d office(s); "
            "%(drafts)d draft(s) would be replaced.",
            format=plan.fmt.code,
            file=plan.upload.filename,
            sha=plan.upload.sha256,
            returns=len(plan.returns),
            offices=offices,
            drafts=len(plan.replaced),
        )
    ]
    for error in plan.errors:
        where = " ".join(p for p in (error.office, error.month, error.row_key, error.column_code) if p)
        lines.append(f"ERROR {error.sheet}!{error.cell} [{where}] {error.code}: {error.message}")
    for d in plan.disagreements:
        lines.append(
            _(
                "DISAGREES %(sheet)s!%(cell)s [%(office)s %(month)s %(row)s %(column)s] opening %(opening)s, "
                "closing of the month before %(closing)s (%(source)s)",
                sheet=d.sheet,
                cell=d.cell,
                office=d.office,
                month=d.month,
                row=d.row_key,
                column=d.column_code,
                opening=d.opening,
                closing=d.previous_closing,
                source=d.closing_from,
            )
        )
    lines.append(
        _(
            "%(errors)d error(s), %(disagreements)d disagreement(s).",
            errors=len(plan.errors),
            disagreements=len(plan.disagreements),
        )
    )
    return lines


__all__ = [
    "PROGRESS_EVERY",
    "BulkLoadRefused",
    "BulkPlan",
    "LoadResult",
    "Progress",
    "Upload",
    "apply_load",
    "iter_apply",
    "iter_plan",
    "open_upload",
    "plan_load",
    "report_lines",
    "template_request",
]
