"""Request parameters shared by the views."""

from __future__ import annotations

from flask import abort

from app.definitions.months import Month
from app.services.cycle.deadlines import last_reported_month
from app.services.engine.grid import last_open_month


def month_arg(value: str | None) -> Month:
    """A YYYY-MM period from the URL, defaulting to the latest month that may be filed; 404 if malformed."""
    if not value:
        return last_open_month()
    try:
        return Month.parse(value)
    except ValueError:
        abort(404)


def reported_month_arg(value: str | None) -> Month:
    """A YYYY-MM period for a page that reads figures back, defaulting to the latest month whose due
    date has passed (the month still being filed is partial); 404 if malformed."""
    return month_arg(value) if value else last_reported_month()
