"""Assigning helpdesk queries to one officer of the owner directorate that answers them.

An eligible officer is an active user of an office that is the Functional Owner and
holds that owner's role (the same two things `may_answer()` asks of the assigner).
"""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import Role, User
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from app.errors import InvalidInput
from app.extensions import db
from app.models.messaging import HelpdeskQuery
from app.models.org import Office, UserProfile
from app.security import roles
from app.security.policy import Actor
from app.services import audit
from app.services.messaging import outbox
from app.services.messaging.helpdesk import answered_by


class OfficerChoice(InvalidInput):
    """The officer chosen does not answer for the directorate."""

    code = "invalid_officer"


def eligible_officers(owner_code: str | None) -> list[User]:
    """Active users of the directorate `owner_code` holding its owner role, by name."""
    if owner_code is None:
        return []
    query = (
        select(User)
        .join(UserProfile, UserProfile.user_id == User.id)
        .join(Office, Office.id == UserProfile.office_id)
        .join(User.roles)
        .where(
            Office.owner_code == owner_code,
            Office.active.is_(True),
            Role.name == roles.owner_role(owner_code),
            User.active.is_(True),
        )
        .order_by(User.first_name, User.last_name, User.username)
    )
    return list(db.session.execute(query).scalars().unique())


def _officer(actor: Actor, officer_id: object) -> User:
    chosen = officer_id if isinstance(officer_id, int) else None
    officer = next((u for u in eligible_officers(actor.owner_code) if u.id == chosen), None)
    if officer is None:
        raise OfficerChoice(
            _("Choose an officer of %(owner)s; nothing was changed.", owner=actor.owner_code or "-")
        )
    return officer


def _record(actor: Actor, query: HelpdeskQuery, officer: User) -> None:
    before = query.assigned_to.username if query.assigned_to is not None else None
    query.assigned_to = officer
    audit.record(
        actor.user_id,
        actor.username,
        "query_assigned",
        "query",
        str(query.number),
        before={"assigned_to": before},
        after={"assigned_to": officer.username},
    )


def assign_queries(actor: Actor, numbers: list[int], officer_id: object) -> int:
    """Assign every query of the batch to one officer, all or nothing; returns how many changed."""
    queries = answered_by(actor, numbers)
    officer = _officer(actor, officer_id)
    changed = [q for q in queries if q.assigned_to_id != officer.id]
    for query in changed:
        _record(actor, query, officer)
    if changed and officer.id != actor.user_id:
        listed = ", ".join(str(q.number) for q in changed)
        outbox.notify(
            {officer.id},
            "query",
            ngettext(
                "Helpdesk query assigned to you: No. %(numbers)s",
                "Helpdesk queries assigned to you: No. %(numbers)s",
                len(changed),
                numbers=listed,
            ),
            "\n".join(f"No. {q.number} {q.format_code} ({q.office.code}): {q.subject}" for q in changed),
        )
    db.session.commit()
    return len(changed)
