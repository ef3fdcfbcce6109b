"""A correction decided by the owner reaches the office's mailbox and outbox in the same transaction."""

from __future__ import annotations

from sqlalchemy import select

from tests.http.test_cycle import (
    CGST,
    JAN,
    correction_form,
    correction_number,
    decide_form,
    file_and_validate,
    follow,
    signed_in,
)


def test_rejected_correction_notifies_the_office(app, api_token, client):
    from app.extensions import db
    from app.models.messaging import OutboxItem

    file_and_validate(app, CGST)
    office, owner = signed_in(app, "cgst-mum-e"), signed_in(app, "dgcei-fo")
    number = correction_number(
        follow(office, correction_form(office, "GI-GST-2", "CGST-MUM-E", JAN, CGST.change, "x"))
    )
    follow(owner, decide_form(owner, number, "reject", {"reason": "Agrees with <the> register"}))
    inbox = client.get("/api/v1/mpr/messages", headers=api_token("cgst-mum-e")).get_json()["result"]
    assert inbox[0]["subject"] == f"Correction request No. {number} on GI-GST-2 was rejected"
    assert "Agrees with <the> register" in inbox[0]["body"] and inbox[0]["kind"] == "notice"
    with app.app_context():
        kinds = db.session.execute(select(OutboxItem.kind, OutboxItem.address)).all()
        assert ("correction", "pcomm.mumbaieast@cbic.example.org") in kinds
