"""Messaging test helpers: clean messaging tables after each test; a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete


@pytest.fixture(autouse=True)
def _clean_messaging(request):
    """Remove queries, messages, outbox rows and preferences after each test."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    from app.extensions import db
    from app.models.messaging import (
        HelpdeskQuery,
        MailMessage,
        MailRecipient,
        NotificationPreference,
        OutboxItem,
        QueryPost,
    )

    with application.app_context():
        db.session.rollback()
        for model in (
            QueryPost,
            HelpdeskQuery,
            MailRecipient,
            MailMessage,
            OutboxItem,
            NotificationPreference,
        ):
            db.session.execute(delete(model))
        db.session.commit()


@dataclass
class Received:
    """What the SMTP server received: one entry per delivered message."""

    messages: list = field(default_factory=list)

    def recipients(self) -> list[str]:
        """Every envelope recipient, one per delivered copy."""
        return [rcpt for envelope in self.messages for rcpt in envelope["rcpt"]]

    def message_ids(self) -> list[str]:
        """The Message-ID header of every delivered message."""
        return [envelope["parsed"]["Message-ID"] for envelope in self.messages]


class _Handler:
    def __init__(self, received: Received) -> None:
        self.received = received

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's hook name
        parsed = message_from_bytes(envelope.content)
        self.received.messages.append({"rcpt": list(envelope.rcpt_tos), "parsed": parsed})
        return "250 OK"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """A real SMTP server on localhost that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received = Received()
        self.controller: Controller | None = None

    def start(self) -> None:
        """Start listening."""
        self.controller = Controller(_Handler(self.received), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening (connections are refused afterwards)."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app):
    """A real SMTP server (not yet started) that the app's Flask-Mail sends to."""
    server = SmtpServer()
    state = app.extensions["mail"]
    saved = (state.server, state.port, state.use_tls, state.use_ssl)
    state.server, state.port, state.use_tls, state.use_ssl = "127.0.0.1", server.port, False, False
    yield server
    server.stop()
    state.server, state.port, state.use_tls, state.use_ssl = saved


@pytest.fixture
def sms_log(app, tmp_path):
    """The recording SMS gateway writes here during the test."""
    saved = app.config["MPR_SMS_RECORD_FILE"]
    app.config["MPR_SMS_RECORD_FILE"] = str(tmp_path / "sms.jsonl")
    yield tmp_path / "sms.jsonl"
    app.config["MPR_SMS_RECORD_FILE"] = saved


def active_users_below(app, office_code: str) -> dict[int, str | None]:
    """{user id: e-mail} of active users in offices under `office_code`, found by walking parents.

    Other test files provision users of their own into the shared database, so a test counts the
    people a group covers from the organisation rather than from the seed's figures."""
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import select

    from app.extensions import db
    from app.models.org import Office, UserProfile

    with app.app_context():
        offices = {o.id: o for o in db.session.execute(select(Office)).scalars()}
        top = next(o.id for o in offices.values() if o.code == office_code)

        def under(office_id: int | None) -> bool:
            parent = offices[office_id].parent_id if office_id is not None else None
            while parent is not None:
                if parent == top:
                    return True
                parent = offices[parent].parent_id
            return False

        rows = db.session.execute(
            select(User.id, User.email, UserProfile.office_id)
            .join(UserProfile, UserProfile.user_id == User.id)
            .where(User.active.is_(True))
        )
        return {user_id: email for user_id, email, office_id in rows if under(office_id)}
