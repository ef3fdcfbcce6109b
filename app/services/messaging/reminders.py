"""Deadline reminders driven by status (`flask mpr remind [--on DAY]`), idempotent for the day.

For the month due on day D (month M is due on MPR_DUE_DAY of M+1):
- MPR_REMIND_DAYS_BEFORE days before D: each office with formats not yet submitted
  gets one message listing them;
- on D: each Zone with offices whose returns still await validation;
- MPR_ESCALATE_DAYS_AFTER days after D: each Zone with offices not reported, and a
  digest to each owner of who is late.
Annual formats (`period: year`) are in their year's April cycle with their own due date
(MPR_ANNUAL_DUE_MONTH/DAY): their reminders follow that date, under keys of their own.
Each message carries an event key (kind, day, unit), so a second run the same day adds
nothing. Messages land in the mailbox and, by each user's choice, in the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.definitions.months import Month
from app.extensions import db
from app.i18n import local
from app.models.messaging import MailMessage
from app.models.returns import ReturnStatus
from app.presenters.display import day as shown_day
from app.presenters.display import month_name
from app.security import roles
from app.security.policy import Actor
from app.services.cycle import deadlines, status
from app.services.cycle.status import ReturnState, zone_of
from app.services.messaging import groups, mailbox

SYSTEM = Actor(user_id=0, username="system", role_names=frozenset({roles.BOARD}), office=None)


@dataclass
class ReminderReport:
    """What one run queued: unit codes per kind of reminder."""

    month: Month
    due: dt.date
    offices: list[str] = field(default_factory=list)
    zones_validation: list[str] = field(default_factory=list)
    zones_escalation: list[str] = field(default_factory=list)
    owners_digest: list[str] = field(default_factory=list)
    already_done: int = 0
    tag: str = ""  # in event keys: "" for the month's own due date, ":due-YYYY-MM-DD" for another

    def merge(self, other: ReminderReport) -> None:
        """Add what a run for another due date of the same cycle queued."""
        for name in ("offices", "zones_validation", "zones_escalation", "owners_digest"):
            getattr(self, name).extend(getattr(other, name))
        self.already_done += other.already_done

    def lines(self) -> list[str]:
        """A readable summary for the command line."""
        return [
            f"month {self.month} due {self.due.isoformat()}",
            f"offices reminded: {', '.join(self.offices) or 'none'}",
            f"zones asked to validate: {', '.join(self.zones_validation) or 'none'}",
            f"zones escalated: {', '.join(self.zones_escalation) or 'none'}",
            f"owner digests: {', '.join(self.owners_digest) or 'none'}",
            f"already sent today: {self.already_done}",
        ]


def _not_submitted(state: ReturnState) -> bool:
    return state.ret is None or state.ret.status == ReturnStatus.DRAFT


def _awaiting_validation(state: ReturnState) -> bool:
    return state.ret is not None and state.ret.status == ReturnStatus.SUBMITTED


def _late(state: ReturnState) -> bool:
    return state.state == deadlines.NOT_REPORTED


def _line(state: ReturnState) -> str:
    where = state.ret.status if state.ret is not None else deadlines.NOT_STARTED
    return f"- {state.office.code}: {state.fmt.code} {local(state.fmt.title)} ({where})"


def _lines(states: list[ReturnState]) -> str:
    return "\n".join(_line(s) for s in states)


def _send_once(key: str, recipients: set[int], subject: str, body: str, report: ReminderReport) -> bool:
    exists = db.session.execute(select(MailMessage.id).where(MailMessage.event_key == key)).first()
    if exists is not None:
        report.already_done += 1
        return False
    if not recipients:
        return False
    mailbox.record_message(
        None,
        "MPR MIS",
        key.split(":")[-1],
        recipients,
        subject,
        body,
        notify_as="reminder",
        kind="reminder",
        event_key=key,
    )
    return True


def _by(states: list[ReturnState], keep, unit) -> dict[str, list[ReturnState]]:
    grouped: dict[str, list[ReturnState]] = defaultdict(list)
    for state in states:
        if keep(state):
            grouped[unit(state)].append(state)
    return dict(sorted(grouped.items()))


def _remind_each(
    grouped: dict[str, list[ReturnState]],
    *,
    key: str,
    group: str,
    subject: Callable[[int], str],
    heading: str,
    report: ReminderReport,
    sent: list[str],
) -> None:
    """One reminder per unit to its group's members, listing its returns under `heading`;
    the units reminded are added to `sent`."""
    for code, listed in grouped.items():
        body = heading + "\n" + _lines(listed)
        if _send_once(f"{key}:{code}", groups.members(f"{group}:{code}"), subject(len(listed)), body, report):
            sent.append(code)


def _offices_before(states, day: dt.date, report: ReminderReport) -> None:
    days = (report.due - day).days
    _remind_each(
        _by(states, _not_submitted, lambda s: s.office.code),
        key=f"remind:{day}{report.tag}:before",
        group="office",
        subject=lambda n: _(
            "Reminder: %(n)d MPR format(s) for %(month)s due in %(days)d day(s)",
            n=n,
            month=month_name(report.month),
            days=days,
        ),
        heading=_("Due on %(due)s. Not yet submitted:", due=shown_day(report.due)),
        report=report,
        sent=report.offices,
    )


def _zones_on_due_day(states, day: dt.date, report: ReminderReport) -> None:
    _remind_each(
        _by(states, _awaiting_validation, lambda s: zone_of(s.office).code),
        key=f"remind:{day}{report.tag}:validate",
        group="office",
        subject=lambda n: _(
            "Due today: %(n)d MPR return(s) for %(month)s await your validation",
            n=n,
            month=month_name(report.month),
        ),
        heading=_("Submitted and not yet validated:"),
        report=report,
        sent=report.zones_validation,
    )


def _escalate(states, day: dt.date, report: ReminderReport) -> None:
    _remind_each(
        _by(states, _late, lambda s: zone_of(s.office).code),
        key=f"remind:{day}{report.tag}:escalate",
        group="office",
        subject=lambda n: _(
            "Overdue: %(n)d MPR return(s) for %(month)s not reported", n=n, month=month_name(report.month)
        ),
        heading=_("Due on %(due)s and not yet validated:", due=shown_day(report.due)),
        report=report,
        sent=report.zones_escalation,
    )
    _remind_each(
        _by(states, _late, lambda s: s.fmt.owner),
        key=f"remind:{day}{report.tag}:digest",
        group="owner",
        subject=lambda n: _(
            "Digest: %(n)d return(s) of your formats for %(month)s are late",
            n=n,
            month=month_name(report.month),
        ),
        heading=_("Offices late with your formats:"),
        report=report,
        sent=report.owners_digest,
    )


def remind(day: dt.date) -> ReminderReport:
    """Queue the reminders due on `day` for the month due that month; commit; report what was queued."""
    month = Month.of(day).prev()
    report = ReminderReport(month, deadlines.due_date(month))
    groups: dict[tuple[Month, dt.date], list[ReturnState]] = defaultdict(list)
    for cycle, state in _cycle_states(month, day):
        groups[(cycle, state.due)].append(state)
    _remind_due(day, groups.pop((month, report.due), []), report)
    for (cycle, due), states in sorted(groups.items()):  # annual formats, due on their own day
        other = ReminderReport(cycle, due, tag=f":due-{due.isoformat()}")
        _remind_due(day, states, other)
        report.merge(other)
    db.session.commit()
    return report


def _cycle_states(month: Month, day: dt.date) -> list[tuple[Month, ReturnState]]:
    """(cycle month, state) of month `month`'s returns, and of the annual formats of the financial
    year under way on `day` (due perhaps before its April has ended)."""
    found = [(month, state) for state in status.return_states(SYSTEM, month, today=day)]
    this_year = Month.of(day).fy_start
    if this_year != month:
        states = status.return_states(SYSTEM, this_year, today=day)
        found += [(this_year, state) for state in states if state.fmt.annual]
    return found


def _remind_due(day: dt.date, states: list[ReturnState], report: ReminderReport) -> None:
    """The reminders of `day` for returns due on `report.due`."""
    offset = (report.due - day).days
    config = current_app.config
    if offset in config["MPR_REMIND_DAYS_BEFORE"]:
        _offices_before(states, day, report)
    if offset == 0:
        _zones_on_due_day(states, day, report)
    if -offset in config["MPR_ESCALATE_DAYS_AFTER"]:
        _escalate(states, day, report)
