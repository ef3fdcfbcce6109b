"""The hash-chained audit trail: every step keeps who, when and why; `flask mpr verify-audit` finds
any altered, deleted, inserted or back-dated event.

Tampering runs on a database of its own (built with `build_app`, on each backend), so the
chain every other test appends to is never touched; each tamper is undone afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, delete, insert, select, text, update
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, build_app
from tests.http.test_cycle import CGST, DATA, JAN, audit_seq
from tests.http.test_status_todo import actor, correct, file_all, target


@pytest.fixture(scope="module")
def scratch(backend, tmp_path_factory) -> Iterator[object]:
    """A seeded app on a database of its own with a month's cycle in its audit trail."""
    admin, name = None, None
    if backend.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('audit') / 'audit.sqlite'}"
    else:
        admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
        name = f"mpr_audit_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    application = build_app(url)
    with application.test_request_context():
        file_all()
        correct("GI-GST-2", JAN, CGST.change)
        correct("GI-GST-4", JAN, {"AE_1_NO": {"FOR_MONTH": "7"}}, reason="no")
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def verify_cli(application) -> tuple[int, str]:
    result = application.test_cli_runner().invoke(args=["mpr", "verify-audit"])
    return result.exit_code, result.output + (getattr(result, "stderr", "") or "")


def tables():
    from app.models.audit import AuditEvent, AuditHead

    return AuditEvent.__table__, AuditHead.__table__


@contextmanager
def tampered(application) -> Iterator[tuple]:
    """Every event row and the head as they are; restored exactly on leaving."""
    from app.extensions import db

    events, head = tables()
    with application.app_context():
        rows = [dict(r) for r in db.session.execute(select(events).order_by(events.c.seq)).mappings()]
        top = dict(db.session.execute(select(head)).mappings().one())
    try:
        yield rows, top
    finally:
        with application.app_context():
            db.session.execute(delete(events))
            db.session.execute(insert(events), rows)
            db.session.execute(update(head).values(**top))
            db.session.commit()
        assert verify_cli(application)[0] == 0


def change(application, *statements) -> None:
    from app.extensions import db

    with application.app_context():
        for statement in statements:
            db.session.execute(statement)
        db.session.commit()


def rehash_from(rows: list[dict], start: int) -> list[dict]:
    """What a forger would write: every hash from event `start` on recomputed, chained."""
    from app.models.audit import AuditEvent
    from app.services.audit import event_hash

    changed, prev = [], rows[start - 1]["hash"] if start else "0" * 64
    for row in rows[start:]:
        event = AuditEvent(**{**row, "prev_hash": prev})
        row = {**row, "prev_hash": prev, "hash": event_hash(event)}
        changed.append(row)
        prev = row["hash"]
    return changed


# ------------------------------------------------------------------ who, when, why


def test_every_step_of_the_cycle_keeps_who_when_and_why(app):
    from app.extensions import db
    from app.models.audit import AuditEvent
    from app.services import audit
    from app.services.cycle import corrections

    start = audit_seq(app)
    with app.test_request_context():
        file_all()
        number = correct("GI-GST-2", JAN, CGST.change)
        fmt, office, month = target("GI-GST-4", "CGST-MUM-E", JAN)
        rejected = corrections.raise_correction(
            actor("cgst-mum-e"), fmt, office, [(month, {"AE_1_NO": {"FOR_MONTH": "9"}})], "AE-1 mis-keyed"
        )
        corrections.reject(actor("dgcei-fo"), rejected.number, "The register shows 0")
        found = db.session.execute(select(AuditEvent).where(AuditEvent.seq > start).order_by(AuditEvent.seq))
        trail = [(e.action, e.actor, e.object_key, e.reason) for e in found.scalars()]
        key = f"return:GI-GST-2:CGST-MUM-E:{JAN}"
        mine = [(a, who) for a, who, k, _ in trail if k == key]
        assert mine == [
            ("save", "cgst-mum-e"),
            ("submit", "cgst-mum-e"),
            ("validate", "gz-mum"),
            ("correction-applied", "dgcei-fo"),
        ]
        decisions = [(a, who, why) for a, who, k, why in trail if k.startswith("correction:")]
        assert decisions == [
            ("correction-raised", "cgst-mum-e", "re-checked"),
            ("correction-approved", "dgcei-fo", None),
            ("correction-raised", "cgst-mum-e", "AE-1 mis-keyed"),
            ("correction-rejected", "dgcei-fo", "The register shows 0"),
        ]
        applied = next(e for e in audit.history(key) if e.seq > start and e.action == "correction-applied")
        assert applied.reason == f"correction No. {number}"
        before, after = json.loads(applied.before), json.loads(applied.after)
        assert (before["revision"], after["revision"]) == (1, 2)
        assert before["cells"]["_"]["RECEIPT_NO"] == 2 and after["cells"]["_"]["RECEIPT_NO"] == 3
        saved = next(e for e in audit.history(key) if e.seq > start and e.action == "save")
        assert json.loads(saved.after)["_"]["OPENING_BALANCE_NO"] == 5  # what was typed, cell by cell
        later = select(AuditEvent).where(AuditEvent.seq > start).order_by(AuditEvent.seq)
        stamps = [e.at for e in db.session.execute(later).scalars()]  # in chain order, never earlier
        assert stamps == sorted(stamps) and all(isinstance(s, dt.datetime) for s in stamps)
        assert audit.verify()[1] == []


def test_a_refused_step_records_nothing_but_a_refused_page_is_recorded(app):
    from app.services.cycle.saving import save_draft
    from app.services.cycle.workflow import NotPermitted

    start = audit_seq(app)
    with app.test_request_context():
        fmt, office, month = target("GI-GST-2", "CGST-MUM-E", JAN)
        with pytest.raises(NotPermitted):
            save_draft(actor("gz-mum"), fmt, office, month, 0, DATA["GI-GST-2"])
    assert audit_seq(app) == start
    from tests.http.test_cycle import post_form, signed_in

    zone = signed_in(app, "gz-mum")
    assert post_form(zone, f"/mpr/f/gi_gst_2/CGST-MUM-E/{JAN}", {"version": "0"}).status_code == 403
    with app.app_context():
        from app.services import audit

        refused = [e for e in audit.history("POST /mpr/f/gi_gst_2/CGST-MUM-E") if e.seq > start]
        assert [(e.action, e.actor) for e in refused] == [("refused", "gz-mum")]


# ------------------------------------------------------------------ flask mpr verify-audit


def test_verify_audit_passes_on_an_untouched_chain(scratch, app):
    code, output = verify_cli(scratch)
    assert code == 0 and "0 problem(s)" in output
    assert verify_cli(app)[0] == 0  # and on the chain the whole suite has been appending to


def _middle(rows: list[dict]) -> dict:
    return rows[len(rows) // 2]


def forged_after(rows: list[dict]) -> dict:
    """A well-formed event appended after the last one, without moving the head."""
    last = rows[-1]
    forged = {**last, "id": last["id"] + 1000, "seq": last["seq"] + 1, "actor": "forger"}
    return rehash_from([*rows, forged], len(rows))[0]


TAMPERS = {
    "altered-actor": lambda events, rows: [
        update(events).where(events.c.seq == _middle(rows)["seq"]).values(actor="someone-else")
    ],
    "altered-figures": lambda events, rows: [
        update(events)
        .where(events.c.seq == _middle(rows)["seq"])
        .values(after=(_middle(rows)["after"] or "{}").replace("5", "6", 1) + " ")
    ],
    "altered-reason": lambda events, rows: [
        update(events).where(events.c.action == "correction-rejected").values(reason="approved after all")
    ],
    "deleted-middle": lambda events, rows: [delete(events).where(events.c.seq == _middle(rows)["seq"])],
    "deleted-last": lambda events, rows: [delete(events).where(events.c.seq == rows[-1]["seq"])],
    "inserted-forged": lambda events, rows: [insert(events).values(**forged_after(rows))],
}
PROBLEMS = {
    "altered-actor": "content altered (hash mismatch)",
    "altered-figures": "content altered (hash mismatch)",
    "altered-reason": "content altered (hash mismatch)",
    "deleted-middle": "events deleted or inserted",
    "deleted-last": "the chain's head does not match its last event",
    "inserted-forged": "the chain's head does not match its last event",
}


@pytest.mark.parametrize("how", list(TAMPERS))
def test_verify_audit_fails_after_tampering_and_passes_once_restored(scratch, how):
    events, _head = tables()
    with tampered(scratch) as (rows, _top):
        change(scratch, *TAMPERS[how](events, rows))
        code, output = verify_cli(scratch)
        assert code == 1, output
        assert PROBLEMS[how] in output
    assert verify_cli(scratch)[0] == 0


def test_back_dating_is_found_even_when_the_forger_rehashes_the_chain(scratch):
    events, head = tables()
    with tampered(scratch) as (rows, _top):
        target_index = len(rows) // 2
        earlier = rows[target_index - 1]["at"] - dt.timedelta(days=3)
        forged = [*rows[:target_index], {**rows[target_index], "at": earlier}, *rows[target_index + 1 :]]
        rewritten = rehash_from(forged, target_index)
        statements = [
            update(events)
            .where(events.c.seq == row["seq"])
            .values(at=row["at"], prev_hash=row["prev_hash"], hash=row["hash"])
            for row in rewritten
        ]
        statements.append(update(head).values(hash=rewritten[-1]["hash"]))
        change(scratch, *statements)
        code, output = verify_cli(scratch)
        assert code == 1 and f"event {rows[target_index]['seq']}: back-dated" in output
        assert (
            "hash mismatch" not in output
        )  # the hashes themselves are consistent: only the date gives it away
