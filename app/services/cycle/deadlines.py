"""Due dates and the deadline status of a return (on time, submitted late, validated late, not reported)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.models.returns import ReturnStatus

NOT_STARTED = "not started"
NOT_REPORTED = "not reported"
SUBMITTED_LATE = "submitted late"
VALIDATED_ON_TIME = "validated on time"
VALIDATED_LATE = "validated late"
LATE = frozenset({SUBMITTED_LATE, VALIDATED_LATE})  # handed in after the due date


class Filed(Protocol):
    """What the deadline state reads of a return: an MprReturn, or a row of those three columns."""

    status: str
    submitted_at: dt.datetime | None
    validated_at: dt.datetime | None


LABELS = {  # what each state reads as on the pages (the state itself is the API's value)
    NOT_STARTED: _l("not started"),
    ReturnStatus.DRAFT: _l("draft"),
    ReturnStatus.SUBMITTED: _l("submitted, awaiting validation"),
    SUBMITTED_LATE: _l("submitted late, awaiting validation"),
    VALIDATED_ON_TIME: _l("validated on time"),
    VALIDATED_LATE: _l("validated late"),
    NOT_REPORTED: _l("not reported"),
}


def due_date(month: Month, fmt: FormatDef | None = None) -> dt.date:
    """Month M is due, submitted and validated, by this day of month M+1; an annual format's
    return by MPR_ANNUAL_DUE_DAY of month MPR_ANNUAL_DUE_MONTH of its financial year.

    A lagging format's return for month M (carrying the figures of M - lag) is due like M's.
    """
    if fmt is not None and fmt.annual:
        return annual_due_date(month)
    following = month.next()
    return dt.date(following.year, following.month, current_app.config["MPR_DUE_DAY"])


def last_reported_month(today: dt.date | None = None) -> Month:
    """The latest month whose due date has passed: what reports, summaries and dashboards open on
    (before the due date the month just ended is still being filed, so its figures are partial)."""
    today = today or dt.date.today()
    month = Month.of(today).prev()
    return month if today > due_date(month) else month.prev()


def annual_due_date(month: Month) -> dt.date:
    """The day the annual returns of `month`'s financial year are due (e.g. 15 May)."""
    config = current_app.config
    due_month = config["MPR_ANNUAL_DUE_MONTH"]
    year = month.fy_start.year + (0 if due_month >= 4 else 1)
    return dt.date(year, due_month, config["MPR_ANNUAL_DUE_DAY"])


def due_dates(month: Month, formats: Iterable[FormatDef]) -> dict[str, dt.date]:
    """{format code: due date} of month `month`'s cycle (computed once per page, not per return)."""
    monthly = due_date(month)
    return {fmt.code: due_date(month, fmt) if fmt.annual else monthly for fmt in formats}


def deadline_status(
    ret: Filed | None, month: Month, today: dt.date | None = None, due: dt.date | None = None
) -> str:
    """not started | draft | submitted | submitted late | validated on time | validated late | not reported.

    A return submitted after the due date is "submitted late" until it is validated; only a
    return never submitted reads "not reported" once the due date has passed.
    """
    today = today or dt.date.today()
    due = due or due_date(month)  # a page counting thousands of returns passes it once
    if ret is not None and ret.status == ReturnStatus.VALIDATED:
        return VALIDATED_ON_TIME if ret.validated_at.date() <= due else VALIDATED_LATE
    if ret is not None and ret.status == ReturnStatus.SUBMITTED:
        late = today > due and ret.submitted_at is not None and ret.submitted_at.date() > due
        return SUBMITTED_LATE if late else ReturnStatus.SUBMITTED
    if today > due:
        return NOT_REPORTED
    return ret.status if ret is not None else NOT_STARTED


def label(state: str) -> str:
    """The translated text of a deadline state."""
    return str(LABELS.get(state, state))
