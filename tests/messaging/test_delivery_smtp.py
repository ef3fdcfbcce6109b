"""Delivery through a real SMTP server (aiosmtpd): reminders reach exactly the late offices; nothing lost."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from app.definitions.months import Month
from tests.messaging.conftest import active_users_below

MONTH = Month(2025, 10)  # due on MPR_DUE_DAY (15) November 2025
DUE = dt.date(2025, 11, 15)


def _submit_everything_of(app, office_codes: set[str]) -> None:
    """Mark every return those offices must file for MONTH as submitted (the reminder reads status only)."""
    from app.extensions import db
    from app.models.org import Office
    from app.models.returns import MprReturn, ReturnStatus
    from app.security.policy import applies_to
    from app.services.engine import catalogue

    with app.app_context():
        stamp = dt.datetime(2025, 11, 5, 10, 0)
        offices = db.session.execute(select(Office).where(Office.code.in_(office_codes))).scalars()
        for office in offices:
            for fmt in catalogue.definitions().formats_in_force(MONTH):
                if applies_to(fmt, office):
                    db.session.add(
                        MprReturn(
                            format_code=fmt.code,
                            office_id=office.id,
                            period=MONTH.first_day,
                            status=ReturnStatus.SUBMITTED,
                            submitted_at=stamp,
                            created_at=stamp,
                            updated_at=stamp,
                        )
                    )
        db.session.commit()


def _filing_offices_with_users(app) -> dict[str, dict[str, str | None]]:
    """Office code -> {e-mail: mobile} of its active users, for every office that files a format for MONTH."""
    from flask_appbuilder.security.sqla.models import User

    from app.extensions import db
    from app.models.org import Office, UserProfile
    from app.security.policy import applies_to
    from app.services.engine import catalogue

    with app.app_context():
        formats = catalogue.definitions().formats_in_force(MONTH)
        offices = db.session.execute(select(Office)).scalars()
        filing = [o.code for o in offices if any(applies_to(f, o) for f in formats)]
        rows = db.session.execute(
            select(Office.code, User.email, UserProfile.mobile)
            .join(UserProfile, UserProfile.office_id == Office.id)
            .join(User, User.id == UserProfile.user_id)
            .where(Office.code.in_(filing), User.active.is_(True))
        )
        found: dict[str, dict[str, str | None]] = {}
        for code, email, mobile in rows:
            found.setdefault(code, {})[email] = mobile
        return found


def _remind_and_deliver(app, day: dt.date):
    from app.services.messaging.delivery import deliver_due
    from app.services.messaging.reminders import remind

    with app.app_context():
        report = remind(day)
        delivered = deliver_due()
    return report, delivered


def test_reminders_reach_exactly_the_offices_that_have_not_submitted(app, smtp, sms_log):
    smtp.start()
    offices = _filing_offices_with_users(app)
    done = {"CGST-MUM-E", "MUM-ACC", "DRI-MZU"}
    _submit_everything_of(app, done)
    report, delivered = _remind_and_deliver(app, DUE - dt.timedelta(days=5))

    late = set(offices) - done
    assert set(report.offices) == late
    expected = sorted(email for code in late for email in offices[code])
    assert sorted(smtp.received.recipients()) == expected
    assert not {email for code in done for email in offices[code]} & set(smtp.received.recipients())
    body = smtp.received.messages[0]["parsed"].get_payload(decode=True).decode()
    assert "Not yet submitted" in body and "due in 5 day(s)" in smtp.received.messages[0]["parsed"]["Subject"]
    sms = [json.loads(line) for line in sms_log.read_text().splitlines()]
    mobiles = [mobile for code in late for mobile in offices[code].values() if mobile]
    assert len(sms) == len(mobiles) and delivered.sent == len(expected) + len(mobiles)

    again, delivered_again = _remind_and_deliver(app, DUE - dt.timedelta(days=5))  # the same day: nothing new
    assert again.offices == [] and again.already_done == len(late) and delivered_again.sent == 0
    assert len(smtp.received.messages) == len(expected)
    quiet, _ = _remind_and_deliver(app, DUE - dt.timedelta(days=3))  # not a reminder day
    assert quiet.offices == []


def test_due_day_and_escalation_go_to_zones_and_owners(app, smtp, sms_log):
    smtp.start()
    _submit_everything_of(app, {"CGST-MUM-E"})
    on_due, _ = _remind_and_deliver(app, DUE)
    assert on_due.offices == [] and on_due.zones_validation == [
        "GZ-MUM"
    ]  # only GZ-MUM has submitted returns waiting
    after, _ = _remind_and_deliver(app, DUE + dt.timedelta(days=1))
    assert "GZ-MUM" in after.zones_escalation and "GZ-DEL" in after.zones_escalation
    assert "DGICCE" in after.owners_digest
    digests = [m for m in smtp.received.messages if m["parsed"]["Subject"].startswith("Digest")]
    assert "dg.inspection@cbic.example.org" in [r for m in digests for r in m["rcpt"]]


def test_smtp_down_then_up_delivers_every_message_once(app, client, api_token, smtp, sms_log):
    from app.extensions import db
    from app.models.messaging import OutboxItem, OutboxStatus
    from app.services.messaging.delivery import deliver_due

    zone, people = api_token("gz-mum"), len([e for e in active_users_below(app, "GZ-MUM").values() if e])
    for n in range(3):
        sent = client.post(
            "/api/v1/mpr/messages",
            json={"to": ["below:GZ-MUM"], "subject": f"S{n}", "body": "b"},
            headers=zone,
        )
        assert sent.status_code == 201
    with app.app_context():
        queued = list(db.session.execute(select(OutboxItem).where(OutboxItem.channel == "email")).scalars())
        assert people >= 6 and len(queued) == 3 * people  # all under the Zone with e-mail, 3 messages
        ids = {row.message_id for row in queued}
        start = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        down = deliver_due(now=start)  # nobody listens on the port
        assert down.sent == 0 and down.retrying == 3 * people
        waiting = db.session.execute(select(OutboxItem).where(OutboxItem.channel == "email")).scalars().all()
        assert all(
            r.status == OutboxStatus.PENDING and r.attempts == 1 and "Connection refused" in r.last_error
            for r in waiting
        )
        assert deliver_due(now=start).sent == 0  # not due again before the back-off
        smtp.start()
        up = deliver_due(now=start + dt.timedelta(minutes=2))
        assert up.sent == 3 * people
        assert deliver_due(now=start + dt.timedelta(hours=5)).sent == 0  # everything once
    assert len(smtp.received.messages) == 3 * people
    assert set(smtp.received.message_ids()) == ids  # the Message-ID stored at queueing time


def test_a_row_that_keeps_failing_is_marked_failed_with_its_error(app, client, api_token, smtp, sms_log):
    from app.extensions import db
    from app.models.messaging import OutboxItem, OutboxStatus
    from app.services.messaging.delivery import deliver_due

    client.post(
        "/api/v1/mpr/messages",
        json={"to": ["office:GZ-MUM"], "subject": "s", "body": "b"},
        headers=api_token("cgst-mum-e"),
    )
    saved = app.config["MPR_OUTBOX_MAX_ATTEMPTS"]
    app.config["MPR_OUTBOX_MAX_ATTEMPTS"] = 2
    try:
        with app.app_context():
            start = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            deliver_due(now=start)
            final = deliver_due(now=start + dt.timedelta(hours=1))
            assert final.failed == 1
            row = db.session.execute(select(OutboxItem).where(OutboxItem.channel == "email")).scalar_one()
            assert row.status == OutboxStatus.FAILED and row.attempts == 2 and row.last_error
    finally:
        app.config["MPR_OUTBOX_MAX_ATTEMPTS"] = saved


def test_cli_remind_and_deliver(app, smtp, sms_log):
    smtp.start()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mpr", "remind", "--on", "2025-11-14"])  # one day before
    assert result.exit_code == 0, result.output
    assert "offices reminded: " in result.output and "CGST-MUM-E" in result.output
    assert runner.invoke(args=["mpr", "remind", "--on", "14/11/2025"]).exit_code == 2
    delivered = runner.invoke(args=["mpr", "deliver"])
    assert delivered.exit_code == 0 and " sent, " in delivered.output
    assert len(smtp.received.messages) > 0


def test_preferences_turn_email_off(app, login_as, smtp, sms_log):
    from tests.conftest import csrf_token

    office = login_as("cgst-mum-e")
    page = office.get("/mpr/mailbox/preferences").get_data(as_text=True)
    office.post("/mpr/mailbox/preferences", data={"email|message": "on", "csrf_token": csrf_token(page)})
    smtp.start()
    _, _ = _remind_and_deliver(app, DUE - dt.timedelta(days=1))
    assert (
        "pcomm.mumbaieast@cbic.example.org" not in smtp.received.recipients()
    )  # reminders by e-mail switched off
    assert "comm.mumbaiwest@cbic.example.org" in smtp.received.recipients()
