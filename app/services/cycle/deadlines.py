"""Due dates and the deadline status of a return (on time, submitted late, validated late, not reported)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.definitions.months import Month
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


def due_date(month: Month) -> dt.date:
    """Month M is due, submitted and validated, by this day of month M+1."""
    following = month.next()
    return dt.date(following.year, following.month, current_app.config["MPR_DUE_DAY"])


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


def days_left(month: Month, today: dt.date | None = None) -> int:
    """Days until the due date (negative once it has passed)."""
    return (due_date(month) - (today or dt.date.today())).days
