"""What a refused login says: "Invalid login" unless the right one-time password was spent or expired.

Telling why only to someone who typed the correct (spent) one-time password reveals nothing
to a guesser, and spares the holder a dead end: they learn it was used and whom to ask.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db

INVALID_LOGIN = _l("Invalid login. Please try again.")
ISSUING_ACTIONS = ("user-provisioned", "otp-reissued")


class LoginMessage:
    """Stands in for FAB's `invalid_login_message`: this request's explanation, or the usual text."""

    def __str__(self) -> str:
        explained = g.get("mpr_login_message") if has_request_context() else None
        return str(explained or INVALID_LOGIN)


def _issuer(username: str) -> str:
    """Who issued the user's latest one-time password, as a person to contact."""
    from app.models.audit import AuditEvent

    actor = db.session.execute(
        select(AuditEvent.actor)
        .where(AuditEvent.object_key == f"user:{username}", AuditEvent.action.in_(ISSUING_ACTIONS))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    issuer = current_app.appbuilder.sm.find_user(username=actor) if actor else None
    if issuer is None:
        return _("your MIS administrator")
    name = " ".join(part for part in (issuer.first_name, issuer.last_name) if part)
    return _("%(name)s (%(email)s), the administrator who issued it", name=name, email=issuer.email)


def explain_spent_one_time_password(username: str, why: str) -> None:
    """Make this request's refused login say the one-time password was used (or expired), and whom to ask."""
    if not has_request_context():
        return
    whom = _issuer(username)
    if why == "used":
        text = _(
            "This one-time password has already been used, and no password was set with it. "
            "Ask %(whom)s for a new one-time password.",
            whom=whom,
        )
    else:
        text = _("This one-time password has expired. Ask %(whom)s for a new one-time password.", whom=whom)
    g.mpr_login_message = text
