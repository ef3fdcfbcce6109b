"""Helpdesk queries, mailbox messages with per-recipient read state, and the notification outbox."""

from __future__ import annotations

from enum import StrEnum

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship


class QueryState(StrEnum):
    """Where a helpdesk query stands."""

    OPEN = "open"
    CLOSED = "closed"


class HelpdeskQuery(Model):
    """A question from an office about a format (optionally a month and a cell), for its owner."""

    __tablename__ = "mpr_query"

    id = Column(Integer, primary_key=True)
    number = Column(Integer, nullable=False, unique=True)
    format_code = Column(String(40), nullable=False, index=True)
    owner_code = Column(String(20), nullable=False, index=True)  # the format's owner when raised
    period = Column(Date)
    cell = Column(String(120))  # "row / column" the query is about, if any
    subject = Column(String(200), nullable=False)
    office_id = Column(Integer, ForeignKey("mpr_office.id"), nullable=False, index=True)
    raised_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    raised_at = Column(DateTime, nullable=False)
    state = Column(String(10), nullable=False, default=QueryState.OPEN, index=True)
    updated_at = Column(DateTime, nullable=False)
    closed_at = Column(DateTime)
    # The officer of the owner directorate who handles the query (None: not assigned yet).
    # No ON DELETE action, like raised_by_id: users who took part are deactivated, not deleted.
    assigned_to_id = Column(Integer, ForeignKey("ab_user.id"), index=True)

    office = relationship("Office", lazy="joined")
    assigned_to = relationship(User, foreign_keys=[assigned_to_id], lazy="joined")
    posts = relationship("QueryPost", order_by="QueryPost.id", lazy="selectin", cascade="all, delete-orphan")


class QueryPost(Model):
    """One entry of a query's thread: the question, a reply, a close or a reopen."""

    __tablename__ = "mpr_query_post"

    id = Column(Integer, primary_key=True)
    query_id = Column(Integer, ForeignKey("mpr_query.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    author_name = Column(String(200), nullable=False)
    by_owner = Column(Boolean, nullable=False, default=False)
    kind = Column(String(10), nullable=False, default="reply")  # question | reply | close | reopen
    body = Column(Text, nullable=False, default="")
    posted_at = Column(DateTime, nullable=False)


class MailMessage(Model):
    """A mailbox message (or a system notice such as a reminder) as sent."""

    __tablename__ = "mpr_message"

    id = Column(Integer, primary_key=True)
    sender_id = Column(Integer, ForeignKey("ab_user.id"))  # None for system notices
    sender_name = Column(String(200), nullable=False)
    addressed_to = Column(String(500), nullable=False)  # what the sender typed: usernames and groups
    subject = Column(String(200), nullable=False)
    body = Column(Text, nullable=False)
    kind = Column(String(20), nullable=False, default="message")  # message | reminder | notice
    sent_at = Column(DateTime, nullable=False, index=True)
    reply_to_id = Column(Integer, ForeignKey("mpr_message.id"))
    event_key = Column(String(160), unique=True)  # makes a reminder run idempotent for the day

    recipients = relationship("MailRecipient", lazy="select", cascade="all, delete-orphan")

    @property
    def recipient_count(self) -> int:
        """How many users received the message."""
        return len(self.recipients)


class MailRecipient(Model):
    """One recipient of a message, with its own read state."""

    __tablename__ = "mpr_message_recipient"
    __table_args__ = (
        UniqueConstraint("message_id", "user_id", name="uq_mpr_message_recipient"),
        Index("ix_mpr_message_recipient_unread", "user_id", "read_at"),
    )

    id = Column(Integer, primary_key=True)
    message_id = Column(Integer, ForeignKey("mpr_message.id", ondelete="CASCADE"), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    read_at = Column(DateTime)

    message = relationship("MailMessage", lazy="joined", overlaps="recipients")


class OutboxStatus(StrEnum):
    """Delivery state of one notification."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxItem(Model):
    """One e-mail or SMS to deliver, written in the same transaction as its cause."""

    __tablename__ = "mpr_outbox"
    __table_args__ = (Index("ix_mpr_outbox_due", "status", "next_attempt_at"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(10), nullable=False)  # email | sms
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    address = Column(String(254), nullable=False)
    subject = Column(String(200), nullable=False, default="")
    body = Column(Text, nullable=False)
    kind = Column(String(20), nullable=False)  # which notification (see preferences)
    message_id = Column(String(200), nullable=False, unique=True)  # stable Message-ID across retries
    status = Column(String(10), nullable=False, default=OutboxStatus.PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    created_at = Column(DateTime, nullable=False)
    next_attempt_at = Column(DateTime, nullable=False)
    sent_at = Column(DateTime)
    last_error = Column(Text)


class NotificationPreference(Model):
    """A user's choice to receive one kind of notification by e-mail (and SMS) or not."""

    __tablename__ = "mpr_notification_pref"

    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    kind = Column(String(20), primary_key=True)
    by_email = Column(Boolean, nullable=False, default=True)
    by_sms = Column(Boolean, nullable=False, default=False)
