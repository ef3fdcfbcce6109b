"""Mailbox over HTTP: groups by jurisdiction at send time, read state, nobody reads another's mail."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.messaging.conftest import active_users_below


def _send(client, headers, to, subject="Instruction", body="Please file by the 10th."):
    return client.post(
        "/api/v1/mpr/messages", json={"to": to, "subject": subject, "body": body}, headers=headers
    )


def _inbox(client, headers, **args):
    return client.get("/api/v1/mpr/messages", query_string=args, headers=headers).get_json()


def test_groups_come_from_the_one_table(app, client, api_token):
    def codes(user):
        return {
            g["code"] for g in client.get("/api/v1/mpr/groups", headers=api_token(user)).get_json()["result"]
        }

    assert codes("gz-mum") == {"below:GZ-MUM"}
    assert codes("dgri-validator") == {"below:DGRI"}
    assert codes("ddm") == {"zones", "filers:DDM"}
    assert codes("member-customs") == {"everyone"}
    office = codes("cgst-mum-e")
    assert "office:GZ-MUM" in office and "owner:DGICCE" in office and "zones" not in office


def test_zone_broadcast_reaches_its_offices_only(app, client, api_token):
    sent = _send(client, api_token("gz-mum"), ["below:GZ-MUM"])
    assert sent.status_code == 201, sent.get_json()
    message_id = sent.get_json()["id"]
    for user in (
        "cgst-mum-e",
        "cgst-mum-w",
        "cgst-mum-w-d2",
        "cgst-mum-w-d2-r1",
    ):  # commissionerates, division, range
        inbox = _inbox(client, api_token(user), unread=1)
        assert [m["id"] for m in inbox["result"]] == [message_id] and inbox["unread"] == 1, user
    for user in ("cgst-del-n", "gz-del", "ddm", "member-customs"):
        headers = api_token(user)
        assert _inbox(client, headers)["result"] == [], user
        assert client.post(f"/api/v1/mpr/messages/{message_id}/read", headers=headers).status_code == 404
    office = api_token("cgst-mum-e")
    assert client.post(f"/api/v1/mpr/messages/{message_id}/read", headers=office).get_json()["read"] is True
    assert _inbox(client, office, unread=1)["result"] == []


def test_membership_is_resolved_when_sending(app, client, api_token):
    from app.extensions import db
    from app.models.org import Office, UserProfile

    zone = api_token("gz-mum")
    first = _send(client, zone, ["below:GZ-MUM"]).get_json()["id"]
    with app.app_context():  # a new officer joins Mumbai East after the first message
        sm = app.appbuilder.sm
        user = sm.add_user(
            "new-officer",
            "New",
            "Officer",
            "new.officer@example.org",
            sm.find_role("Office"),
            password=app.config["MPR_DEMO_PASSWORD"],
        )
        office = db.session.execute(select(Office).where(Office.code == "CGST-MUM-E")).scalar_one()
        db.session.add(UserProfile(user_id=user.id, office_id=office.id))
        db.session.commit()
    try:
        second = _send(client, zone, ["below:GZ-MUM"]).get_json()["id"]
        assert [m["id"] for m in _inbox(client, api_token("new-officer"))["result"]] == [second]
        assert first != second
    finally:
        with app.app_context():
            sm = app.appbuilder.sm
            user = sm.find_user(username="new-officer")
            db.session.delete(db.session.get(UserProfile, user.id))
            db.session.delete(user)
            db.session.commit()


def test_who_may_be_addressed(app, client, api_token):
    office = api_token("cgst-mum-e")
    refused = _send(client, office, ["zones", "cgst-del-n", "no-such-user"])
    assert refused.status_code == 422
    assert {e["value"] for e in refused.get_json()["errors"]} == {"zones", "cgst-del-n", "no-such-user"}
    assert _send(client, office, ["office:GZ-MUM"]).status_code == 201
    assert _send(client, office, ["gz-mum"]).status_code == 201  # a member of a group it may address
    assert _send(client, api_token("cgst-del-n"), ["cgst-mum-e"]).status_code == 422
    too_long = _send(client, office, ["gz-mum"], subject="s" * 201, body="")
    assert {(e["column"], e["code"]) for e in too_long.get_json()["errors"]} == {
        ("subject", "too_long"),
        ("body", "required"),
    }
    from app.extensions import db
    from app.models.messaging import OutboxItem

    with app.app_context():  # refused sends queued nothing; the two accepted ones e-mailed the Zone's user
        assert db.session.execute(select(func.count(OutboxItem.id))).scalar_one() == 2


def test_reply_reaches_the_sender(app, client, api_token):
    original = _send(client, api_token("gz-mum"), ["below:GZ-MUM"]).get_json()["id"]
    reply = client.post(
        "/api/v1/mpr/messages",
        json={"to": [], "body": "Noted.", "reply_to": original},
        headers=api_token("cgst-mum-e"),
    )
    assert reply.status_code == 201, reply.get_json()
    inbox = _inbox(client, api_token("gz-mum"))["result"]
    assert inbox[0]["subject"] == "Re: Instruction" and inbox[0]["reply_to"] == original
    outsider = client.post(
        "/api/v1/mpr/messages",
        json={"to": [], "body": "x", "reply_to": original},
        headers=api_token("cgst-del-n"),
    )
    assert outsider.status_code == 404


def test_mailbox_opens_first_after_login_and_shows_the_count(app, client, api_token, login_as):
    message_id = _send(
        client, api_token("gz-mum"), ["below:GZ-MUM"], body="<img src=x onerror=alert(1)>"
    ).get_json()["id"]
    page_client = login_as("cgst-mum-e")
    landing = page_client.get("/")
    assert landing.status_code == 302 and landing.location.endswith("/mpr/mailbox/")
    mailbox = page_client.get("/mpr/mailbox/").get_data(as_text=True)
    assert re.search(r'id="mpr-unread-count">1<', mailbox)
    shown = page_client.get(f"/mpr/mailbox/{message_id}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown and "<img src=x" not in shown
    assert 'id="mpr-unread-count"' not in page_client.get("/").get_data(
        as_text=True
    )  # read now; home stays home


def test_nobody_opens_another_users_message_by_url(app, client, api_token, login_as):
    message_id = _send(client, api_token("gz-mum"), ["below:GZ-MUM"]).get_json()["id"]
    other = login_as("cgst-del-n")
    assert other.get(f"/mpr/mailbox/{message_id}").status_code == 404
    assert other.get("/mpr/mailbox/999999").status_code == 404


def test_compose_on_the_page_with_a_group(app, login_as):
    zone = login_as("gz-mum")
    page = zone.get("/mpr/mailbox/").get_data(as_text=True)
    assert 'value="below:GZ-MUM"' in page
    response = zone.post(
        "/mpr/mailbox/send",
        data={
            "group": "below:GZ-MUM",
            "to": "",
            "subject": "Meeting",
            "body": "At 11.",
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 302
    from app.extensions import db
    from app.models.audit import AuditEvent
    from app.models.messaging import MailMessage

    below = active_users_below(app, "GZ-MUM")
    with app.app_context():
        message = db.session.execute(select(MailMessage).where(MailMessage.subject == "Meeting")).scalar_one()
        assert len(below) >= 6  # the seed's 4 commissionerates of GZ-MUM, a Division and a Range, and more
        assert {r.user_id for r in message.recipients} == set(below)
        audit = db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_type == "message")
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).scalar_one()
        assert (audit.action, audit.object_key, audit.actor) == ("message_sent", str(message.id), "gz-mum")


def test_outbox_page_is_for_administrators(app, login_as):
    assert login_as("cgst-mum-e").get("/mpr/outbox/").status_code == 403
