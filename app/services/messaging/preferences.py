"""Which notifications each user receives by e-mail and SMS (defaults when never chosen)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models.messaging import NotificationPreference


@dataclass(frozen=True)
class Kind:
    """One kind of notification and its defaults."""

    code: str
    label: object
    email: bool = True
    sms: bool = False


KINDS: tuple[Kind, ...] = (
    Kind("reminder", _l("Deadline reminders and escalations"), email=True, sms=True),
    Kind("message", _l("A new mailbox message")),
    Kind("query", _l("A new or reopened helpdesk query on my formats")),
    Kind("reply", _l("A reply to a helpdesk query")),
    Kind("correction", _l("A correction request approved or rejected")),
    Kind("sent_back", _l("A return sent back to my office with remarks")),
)
BY_CODE = {kind.code: kind for kind in KINDS}


def choices_of(user_ids: set[int], kind: str) -> dict[int, tuple[bool, bool]]:
    """(by e-mail, by SMS) of `kind` for each user: stored choices, else the defaults."""
    default = BY_CODE[kind]
    chosen = dict.fromkeys(user_ids, (default.email, default.sms))
    if not user_ids:
        return chosen
    stored = db.session.execute(
        select(NotificationPreference).where(
            NotificationPreference.kind == kind, NotificationPreference.user_id.in_(user_ids)
        )
    ).scalars()
    for pref in stored:
        chosen[pref.user_id] = (pref.by_email, pref.by_sms)
    return chosen


def all_choices(user_id: int) -> list[tuple[Kind, bool, bool]]:
    """Every kind with the user's (e-mail, SMS) choice, for the preferences form."""
    return [(kind, *choices_of({user_id}, kind.code)[user_id]) for kind in KINDS]


def save_choices(user_id: int, chosen: dict[str, tuple[bool, bool]]) -> None:
    """Store the user's choices for every kind given (the caller commits)."""
    for code, (email, sms) in chosen.items():
        if code not in BY_CODE:
            continue
        pref = db.session.get(NotificationPreference, (user_id, code)) or NotificationPreference(
            user_id=user_id, kind=code
        )
        pref.by_email, pref.by_sms = email, sms
        db.session.add(pref)
