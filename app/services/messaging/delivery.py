"""Deliver what the outbox holds: everything due, once, then return (run by `flask mpr deliver`).

Each row is claimed, sent and marked in its own transaction (PostgreSQL skips rows
another worker holds). A failure keeps the error, counts the attempt and schedules
the next one with back-off; after the last attempt the row is marked failed. A crash
between sending and marking means the row is sent again with the same Message-ID
(at-least-once, recognisable by the recipient's mail system).
"""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass

from flask import current_app
from flask_mail import Message
from sqlalchemy import select

from app.extensions import db, mail
from app.models.messaging import OutboxItem, OutboxStatus
from app.services.messaging.gateways import SmsGateway, configured_gateway
from app.services.messaging.outbox import utcnow

BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360, 720)


@dataclass
class DeliveryReport:
    """What one run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt after `attempts` failures."""
    return dt.timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def _claim_next(now: dt.datetime, after_id: int) -> OutboxItem | None:
    query = (
        select(OutboxItem)
        .where(
            OutboxItem.status == OutboxStatus.PENDING,
            OutboxItem.next_attempt_at <= now,
            OutboxItem.id > after_id,
        )
        .order_by(OutboxItem.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.execute(query).scalar_one_or_none()


def _send_email(item: OutboxItem) -> None:
    message = Message(
        subject=item.subject,
        recipients=[item.address],
        body=item.body,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    message.msgId = item.message_id
    mail.send(message)


def _send(item: OutboxItem, gateway: SmsGateway) -> None:
    if item.channel == "sms":
        gateway.send(item.address, item.body, item.message_id)
    else:
        _send_email(item)


def _failed(item: OutboxItem, error: Exception, now: dt.datetime, report: DeliveryReport) -> None:
    item.attempts += 1
    item.last_error = f"{type(error).__name__}: {error}"[:2000]
    if item.attempts >= current_app.config["MPR_OUTBOX_MAX_ATTEMPTS"]:
        item.status = OutboxStatus.FAILED
        report.failed += 1
    else:
        item.next_attempt_at = now + backoff(item.attempts)
        report.retrying += 1


def deliver_due(now: dt.datetime | None = None, gateway: SmsGateway | None = None) -> DeliveryReport:
    """Send every pending row due at `now` (default: now) once; returns the counts."""
    now, report = now or utcnow(), DeliveryReport()
    gateway = gateway or configured_gateway()
    db.session.commit()  # start from a clean transaction
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(current_app.config["MPR_MAIL_TIMEOUT_SECONDS"])  # a hung server is a failure
    try:
        _deliver_loop(now, gateway, report)
    finally:
        socket.setdefaulttimeout(previous_timeout)
    return report


def _deliver_loop(now: dt.datetime, gateway: SmsGateway, report: DeliveryReport) -> None:
    last_id = 0
    while (item := _claim_next(now, last_id)) is not None:
        last_id = item.id
        try:
            _send(item, gateway)
        except Exception as error:  # noqa: BLE001 - any delivery failure is kept on the row and retried
            _failed(item, error, now, report)
        else:
            item.status, item.sent_at, item.attempts = OutboxStatus.SENT, utcnow(), item.attempts + 1
            item.last_error = None
            report.sent += 1
        db.session.commit()
