"""Due dates and the deadline status of a return (on time, late, not reported)."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from app.definitions.months import Month
from app.models.returns import MprReturn, ReturnStatus

NOT_STARTED = "not started"
NOT_REPORTED = "not reported"
VALIDATED_ON_TIME = "validated on time"
VALIDATED_LATE = "validated late"


def due_date(month: Month) -> dt.date:
    """Month M is due, submitted and validated, by this day of month M+1."""
    following = month.next()
    return dt.date(following.year, following.month, current_app.config["MPR_DUE_DAY"])


def deadline_status(ret: MprReturn | None, month: Month, today: dt.date | None = None) -> str:
    """not started | draft | submitted | validated on time | validated late | not reported."""
    today = today or dt.date.today()
    due = due_date(month)
    if ret is not None and ret.status == ReturnStatus.VALIDATED:
        return VALIDATED_ON_TIME if ret.validated_at.date() <= due else VALIDATED_LATE
    if today > due:
        return NOT_REPORTED
    return ret.status if ret is not None else NOT_STARTED


def days_left(month: Month, today: dt.date | None = None) -> int:
    """Days until the due date (negative once it has passed)."""
    return (due_date(month) - (today or dt.date.today())).days
