"""The transactional outbox: notifications written in the same transaction as their cause.

`notify()` only adds rows to the session; the caller's commit makes the event and its
notifications durable together (or neither). Delivery (app/services/messaging/delivery.py)
runs outside web requests.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import current_app
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy import Select, select

from app.extensions import db
from app.models.messaging import OutboxItem, OutboxStatus
from app.models.org import UserProfile
from app.services.messaging import preferences

SMS_MAX = 300


def utcnow() -> dt.datetime:
    """Naive UTC now, as stored."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_message_id() -> str:
    """A Message-ID kept for every attempt, so a repeated delivery is recognisable."""
    domain = current_app.config.get("MPR_MAIL_ID_DOMAIN", "mpr.invalid")
    return f"<{uuid.uuid4().hex}@{domain}>"


def _addresses(user_ids: set[int]) -> dict[int, tuple[str | None, str | None]]:
    rows = db.session.execute(
        select(User.id, User.email, UserProfile.mobile)
        .outerjoin(UserProfile, UserProfile.user_id == User.id)
        .where(User.id.in_(user_ids), User.active.is_(True))
    )
    return {uid: (email, mobile) for uid, email, mobile in rows}


def notify(user_ids: set[int], kind: str, subject: str, body: str) -> int:
    """Queue e-mail (and SMS) of `kind` to each user as they chose; returns rows queued."""
    if not user_ids:
        return 0
    stamp, queued = utcnow(), 0
    choices = preferences.choices_of(set(user_ids), kind)
    footer = "\n\n-- \n" + _(
        "MPR Management Information System. Choose your notifications on your profile page."
    )
    for uid, (email, mobile) in _addresses(set(user_ids)).items():
        by_email, by_sms = choices.get(uid, (False, False))
        if by_email and email:
            db.session.add(_row("email", uid, email, subject, body + footer, kind, stamp))
            queued += 1
        if by_sms and mobile:
            text = f"{subject}: {body}"[:SMS_MAX]
            db.session.add(_row("sms", uid, mobile, "", text, kind, stamp))
            queued += 1
    return queued


def _row(channel: str, uid: int, address: str, subject: str, body: str, kind: str, stamp) -> OutboxItem:
    return OutboxItem(
        channel=channel,
        user_id=uid,
        address=address,
        subject=subject[:200],
        body=body,
        kind=kind,
        message_id=new_message_id(),
        status=OutboxStatus.PENDING,
        attempts=0,
        created_at=stamp,
        next_attempt_at=stamp,
    )


def listing_query(status: str | None = None) -> Select:
    """Outbox rows for the administrator, newest first (optionally one status)."""
    query = select(OutboxItem).order_by(OutboxItem.id.desc())
    if status in {s.value for s in OutboxStatus}:
        query = query.where(OutboxItem.status == status)
    return query


def listing(status: str | None = None, limit: int = 500) -> list[OutboxItem]:
    """The newest `limit` rows of `listing_query`."""
    return list(db.session.execute(listing_query(status).limit(limit)).scalars())
