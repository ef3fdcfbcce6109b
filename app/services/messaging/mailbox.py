"""The mailbox: send to users and groups, read per recipient, reply; nobody reads another's mail.

A message is visible to its recipients and its sender only; every look-up by id goes
through `visible_message()`, so an id typed into a URL answers 404 to anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.models.messaging import MailMessage, MailRecipient
from app.security.policy import Actor
from app.services import audit
from app.services.accounts.people import full_name
from app.services.messaging import groups, outbox, text

MAX_RECIPIENT_ENTRIES = 50


class UnknownRecipient(InvalidInput):
    """A recipient is not a user or group the sender may write to."""

    code = "unknown_recipient"


@dataclass(frozen=True)
class MailItem:
    """A message as one user sees it: the message, and their read state (None for the sender)."""

    message: MailMessage
    read: bool


def display_name(user: User | None, actor: Actor | None = None) -> str:
    """'First Last (OFFICE)' for a sender."""
    if user is None:
        return _("MPR MIS")
    office = f" ({actor.office.code})" if actor is not None and actor.office is not None else ""
    return full_name(user) + office


def _problem(entry: str, message: str) -> dict:
    return {"row": None, "column": "to", "code": "unknown_recipient", "message": message, "value": entry}


def _wrote_to(actor: Actor, user_id: int) -> bool:
    """Whether `user_id` has sent the actor a message (so the actor may answer them)."""
    found = db.session.execute(
        select(MailRecipient.id)
        .join(MailMessage, MailMessage.id == MailRecipient.message_id)
        .where(MailRecipient.user_id == actor.user_id, MailMessage.sender_id == user_id)
        .limit(1)
    ).first()
    return found is not None


def _reachable(actor: Actor) -> set[int]:
    found: set[int] = set()
    for group in groups.groups_for(actor):
        found |= groups.members(group.code)
    return found


def resolve_recipients(actor: Actor, entries: object) -> set[int]:
    """User ids for a list of usernames and group codes; every unacceptable entry is listed."""
    if not isinstance(entries, list) or not entries or not all(isinstance(e, str) for e in entries):
        raise UnknownRecipient(
            _("Name at least one recipient."), [_problem("", _("Name at least one recipient."))]
        )
    if len(entries) > MAX_RECIPIENT_ENTRIES:
        raise UnknownRecipient(_("Too many recipients."), [_problem("", _("At most 50 entries."))])
    codes = {g.code for g in groups.groups_for(actor)}
    reachable: set[int] | None = None
    found, problems = set(), []
    for entry in (e.strip() for e in entries):
        if entry in codes:
            found |= groups.members(entry)
            continue
        user = db.session.execute(select(User).where(User.username == entry, User.active.is_(True))).scalar()
        if user is not None and reachable is None:
            reachable = _reachable(actor)
        if user is not None and (user.id in reachable or _wrote_to(actor, user.id)):
            found.add(user.id)
        else:
            problems.append(
                _problem(entry, _("%(entry)s is not a user or group you may write to.", entry=entry))
            )
    found.discard(actor.user_id)
    if problems:
        raise UnknownRecipient(_("Some recipients are not acceptable."), problems)
    if not found:
        raise UnknownRecipient(
            _("Nobody to deliver to."), [_problem("", _("The groups named have no members."))]
        )
    return found


def record_message(
    sender: User | None,
    sender_name: str,
    addressed: str,
    recipients: set[int],
    subject: str,
    body: str,
    notify_as: str = "message",
    **extra,
) -> MailMessage:
    """Add a message, its recipients and their notifications to the session (caller commits)."""
    message = MailMessage(
        sender_id=sender.id if sender is not None else None,
        sender_name=sender_name[:200],
        addressed_to=addressed[:500],
        subject=subject,
        body=body,
        sent_at=outbox.utcnow(),
        **extra,
    )
    message.recipients = [MailRecipient(user_id=uid) for uid in sorted(recipients)]
    db.session.add(message)
    db.session.flush()
    outbox.notify(recipients, notify_as, subject, f"From: {message.sender_name}\n\n{body}")
    return message


def send(actor: Actor, to: object, subject: object, body: object, reply_to: int | None = None) -> MailMessage:
    """Send a message from `actor`; a reply defaults to the original sender and subject."""
    original = visible_message(actor, reply_to).message if reply_to is not None else None
    if original is not None and not to:
        sender = db.session.get(User, original.sender_id) if original.sender_id else None
        to = [sender.username] if sender is not None else []
    if original is not None and not subject:
        subject = original.subject if original.subject.startswith("Re: ") else f"Re: {original.subject}"
    subject_text, body_text = text.subject_and_body(subject, body)
    recipients = resolve_recipients(actor, to)
    user = db.session.get(User, actor.user_id)
    addressed = ", ".join(e.strip() for e in to)
    message = record_message(
        user,
        display_name(user, actor),
        addressed,
        recipients,
        subject_text,
        body_text,
        reply_to_id=original.id if original is not None else None,
    )
    audit.record(
        actor.user_id,
        actor.username,
        "message_sent",
        "message",
        str(message.id),
        after={"to": addressed, "recipients": len(recipients), "subject": subject_text},
    )
    db.session.commit()
    return message


def _copy_of(actor: Actor, message_id: int) -> MailRecipient | None:
    return db.session.execute(
        select(MailRecipient).where(
            MailRecipient.message_id == message_id, MailRecipient.user_id == actor.user_id
        )
    ).scalar_one_or_none()


def visible_message(actor: Actor, message_id: int | None) -> MailItem:
    """The message if the actor received or sent it; NotFound otherwise (never say which)."""
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        raise NotFound()
    mine = _copy_of(actor, message_id)
    if mine is not None:
        return MailItem(mine.message, mine.read_at is not None)
    message = db.session.get(MailMessage, message_id)
    if message is not None and message.sender_id == actor.user_id:
        return MailItem(message, True)
    raise NotFound()


def is_recipient(actor: Actor, message_id: int) -> bool:
    """Whether the actor holds a copy of the message."""
    return _copy_of(actor, message_id) is not None


def mark_read(actor: Actor, message_id: int) -> MailItem:
    """Mark the actor's copy read (only a recipient has one)."""
    mine = _copy_of(actor, message_id)
    if mine is None:
        raise NotFound()
    if mine.read_at is None:
        mine.read_at = outbox.utcnow()
        db.session.commit()
    return MailItem(mine.message, True)


def inbox_query(actor: Actor, unread_only: bool = False) -> Select:
    """The actor's received copies (MailRecipient), newest first: wrap each with `received`."""
    query = (
        select(MailRecipient)
        .join(MailMessage, MailMessage.id == MailRecipient.message_id)
        .where(MailRecipient.user_id == actor.user_id)
        .order_by(MailMessage.sent_at.desc(), MailMessage.id.desc())
    )
    if unread_only:
        query = query.where(MailRecipient.read_at.is_(None))
    return query


def received(copy: MailRecipient) -> MailItem:
    """A received copy as the mailbox lists it."""
    return MailItem(copy.message, copy.read_at is not None)


def inbox(actor: Actor, unread_only: bool = False, limit: int = 200) -> list[MailItem]:
    """The actor's received messages, newest first."""
    return [received(r) for r in db.session.execute(inbox_query(actor, unread_only).limit(limit)).scalars()]


def sent_query(actor: Actor) -> Select:
    """Messages the actor sent (MailMessage), newest first: wrap each with `sent`."""
    return (
        select(MailMessage)
        .where(MailMessage.sender_id == actor.user_id)
        .order_by(MailMessage.sent_at.desc(), MailMessage.id.desc())
    )


def sent(message: MailMessage) -> MailItem:
    """A sent message as the mailbox lists it."""
    return MailItem(message, True)


def sent_by(actor: Actor, limit: int = 200) -> list[MailItem]:
    """Messages the actor sent, newest first."""
    return [sent(m) for m in db.session.execute(sent_query(actor).limit(limit)).scalars()]


def unread_count(user_id: int) -> int:
    """How many received messages the user has not opened."""
    return db.session.execute(
        select(func.count(MailRecipient.id)).where(
            MailRecipient.user_id == user_id, MailRecipient.read_at.is_(None)
        )
    ).scalar_one()
