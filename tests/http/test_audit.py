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
from tests.http.test_cycle import CGST, DATA, JAN, audit_mark, post_form, signed_in
from tests.http.test_status_todo import actor, correct, file_all, save, target


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
    from app.extensions import db
    from app.services.audit import anchor_all

    with application.test_request_context():
        file_all()
        correct("GI-GST-2", JAN, CGST.change)
        correct("GI-GST-4", JAN, {"AE_1_NO": {"FOR_MONTH": "7"}}, reason="no")
        save("cgst-mum-w", "GI-GST-2", "CGST-MUM-W", JAN, DATA["GI-GST-2"])  # a second office chain
    zone = signed_in(application, "gz-mum")  # global-chain events: a login, a refused page
    assert post_form(zone, f"/mpr/f/gi_gst_2/CGST-MUM-E/{JAN}", {"version": "0"}).status_code == 403
    with application.test_request_context():
        anchor_all()  # every office chain's head, recorded in the global chain
        db.session.commit()
    yield application
    with application.app_context():
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
    """Every event row and every head as they are; restored exactly on leaving."""
    from app.extensions import db

    events, head = tables()
    with application.app_context():
        order = (events.c.chain, events.c.seq)
        rows = [dict(r) for r in db.session.execute(select(events).order_by(*order)).mappings()]
        tops = [dict(r) for r in db.session.execute(select(head)).mappings()]
    try:
        yield rows, tops
    finally:
        with application.app_context():
            db.session.execute(delete(events))
            db.session.execute(insert(events), rows)
            db.session.execute(delete(head))
            db.session.execute(insert(head), tops)
            db.session.commit()
        assert verify_cli(application)[0] == 0


def change(application, *statements) -> None:
    from app.extensions import db

    with application.app_context():
        for statement in statements:
            db.session.execute(statement)
        db.session.commit()


def rehash_from(rows: list[dict], start: int) -> list[dict]:
    """What a forger would write: every hash of one chain's `rows` from `start` on recomputed, chained."""
    from app.models.audit import AuditEvent
    from app.services.audit import event_hash

    changed, prev = [], rows[start - 1]["hash"] if start else "0" * 64
    for row in rows[start:]:
        event = AuditEvent(**{**row, "prev_hash": prev})
        row = {**row, "prev_hash": prev, "hash": event_hash(event)}
        changed.append(row)
        prev = row["hash"]
    return changed


def of_chain(rows: list[dict], chain: str) -> list[dict]:
    """The events of one chain, in order."""
    return [row for row in rows if row["chain"] == chain]


def rewritten(events, head, rows: list[dict], start: int) -> list:
    """The statements that store `rows` (one chain) rehashed from `start` on and move its head along."""
    statements = [
        update(events)
        .where(events.c.id == row["id"])
        .values(at=row["at"], after=row["after"], prev_hash=row["prev_hash"], hash=row["hash"])
        for row in rehash_from(rows, start)
    ]
    last = rehash_from(rows, start)[-1] if start < len(rows) else rows[-1]
    statements.append(
        update(head).where(head.c.chain == last["chain"]).values(seq=last["seq"], hash=last["hash"])
    )
    return statements


# ------------------------------------------------------------------ who, when, why


def test_every_step_of_the_cycle_keeps_who_when_and_why(app):
    from app.extensions import db
    from app.models.audit import AuditEvent
    from app.services import audit
    from app.services.cycle import corrections

    start = audit_mark(app)
    with app.test_request_context():
        file_all()
        number = correct("GI-GST-2", JAN, CGST.change)
        fmt, office, month = target("GI-GST-4", "CGST-MUM-E", JAN)
        rejected = corrections.raise_correction(
            actor("cgst-mum-e"), fmt, office, [(month, {"AE_1_NO": {"FOR_MONTH": "9"}})], "AE-1 mis-keyed"
        )
        corrections.reject(actor("dgcei-fo"), rejected.number, "The register shows 0")
        found = db.session.execute(select(AuditEvent).where(AuditEvent.id > start).order_by(AuditEvent.id))
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
        applied = next(e for e in audit.history(key) if e.id > start and e.action == "correction-applied")
        assert applied.reason == f"correction No. {number}"
        before, after = json.loads(applied.before), json.loads(applied.after)
        assert (before["revision"], after["revision"]) == (1, 2)
        assert before["cells"]["_"]["RECEIPT_NO"] == 2 and after["cells"]["_"]["RECEIPT_NO"] == 3
        saved = next(e for e in audit.history(key) if e.id > start and e.action == "save")
        assert json.loads(saved.after)["_"]["OPENING_BALANCE_NO"] == 5  # what was typed, cell by cell
        later = select(AuditEvent).where(AuditEvent.id > start).order_by(AuditEvent.chain, AuditEvent.seq)
        chains: dict[str, list[dt.datetime]] = {}
        for event in db.session.execute(later).scalars():
            chains.setdefault(event.chain, []).append(event.at)
        assert {"office:CGST-MUM-E"} <= set(chains)  # the return's and the corrections' events
        for stamps in chains.values():  # in chain order, never earlier
            assert stamps == sorted(stamps) and all(isinstance(s, dt.datetime) for s in stamps)
        assert {e.chain for e in audit.history("correction:") if e.id > start} == {"office:CGST-MUM-E"}
        assert audit.verify()[1] == []


def test_a_refused_step_records_nothing_but_a_refused_page_is_recorded(app):
    from app.services.cycle.saving import save_draft
    from app.services.cycle.workflow import NotPermitted

    start = audit_mark(app)
    with app.test_request_context():
        fmt, office, month = target("GI-GST-2", "CGST-MUM-E", JAN)
        with pytest.raises(NotPermitted):
            save_draft(actor("gz-mum"), fmt, office, month, 0, DATA["GI-GST-2"])
    assert audit_mark(app) == start
    zone = signed_in(app, "gz-mum")
    assert post_form(zone, f"/mpr/f/gi_gst_2/CGST-MUM-E/{JAN}", {"version": "0"}).status_code == 403
    with app.app_context():
        from app.services import audit

        refused = [e for e in audit.history("POST /mpr/f/gi_gst_2/CGST-MUM-E") if e.id > start]
        assert [(e.action, e.actor, e.chain) for e in refused] == [("refused", "gz-mum", "global")]


# ------------------------------------------------------------------ flask mpr verify-audit


def test_verify_audit_passes_on_an_untouched_chain(scratch, app):
    code, output = verify_cli(scratch)
    assert code == 0 and "0 problem(s)" in output
    assert verify_cli(app)[0] == 0  # and on the chain the whole suite has been appending to


OFFICE = "office:CGST-MUM-E"
CHAINS = ["global", OFFICE]


def _middle(rows: list[dict]) -> dict:
    return rows[len(rows) // 2]


def forged_after(rows: list[dict]) -> dict:
    """A well-formed event appended after the chain's last one, without moving the head."""
    last = rows[-1]
    forged = {**last, "id": last["id"] + 100000, "seq": last["seq"] + 1, "actor": "forger"}
    return rehash_from([*rows, forged], len(rows))[0]


def _at(events, row: dict):
    return events.c.id == row["id"]


TAMPERS = {
    "altered-actor": lambda events, rows: [
        update(events).where(_at(events, _middle(rows))).values(actor="someone-else")
    ],
    "altered-figures": lambda events, rows: [
        update(events)
        .where(_at(events, _middle(rows)))
        .values(after=(_middle(rows)["after"] or "{}").replace("5", "6", 1) + " ")
    ],
    "altered-reason": lambda events, rows: [
        update(events).where(_at(events, _middle(rows))).values(reason="approved after all")
    ],
    "moved-to-another-chain": lambda events, rows: [
        update(events).where(_at(events, rows[-1])).values(chain="office:ELSEWHERE", seq=1)
    ],
    "deleted-middle": lambda events, rows: [delete(events).where(_at(events, _middle(rows)))],
    "deleted-last": lambda events, rows: [delete(events).where(_at(events, rows[-1]))],
    "inserted-forged": lambda events, rows: [insert(events).values(**forged_after(rows))],
}
PROBLEMS = {
    "altered-actor": "content altered (hash mismatch)",
    "altered-figures": "content altered (hash mismatch)",
    "altered-reason": "content altered (hash mismatch)",
    "moved-to-another-chain": "content altered (hash mismatch)",
    "deleted-middle": "events deleted or inserted",
    "deleted-last": "the chain's head does not match its last event",
    "inserted-forged": "the chain's head does not match its last event",
}


@pytest.mark.parametrize("chain", CHAINS)
@pytest.mark.parametrize("how", list(TAMPERS))
def test_verify_audit_fails_after_tampering_and_passes_once_restored(scratch, how, chain):
    events, _head = tables()
    with tampered(scratch) as (rows, _tops):
        mine = of_chain(rows, chain)
        assert len(mine) >= 3, f"the scratch trail has too few {chain} events to tamper with"
        change(scratch, *TAMPERS[how](events, mine))
        code, output = verify_cli(scratch)
        assert code == 1, output
        assert PROBLEMS[how] in output
    assert verify_cli(scratch)[0] == 0


@pytest.mark.parametrize("chain", CHAINS)
def test_back_dating_is_found_even_when_the_forger_rehashes_the_chain(scratch, chain):
    events, head = tables()
    with tampered(scratch) as (rows, _tops):
        mine = of_chain(rows, chain)
        target_index = len(mine) // 2
        earlier = mine[target_index - 1]["at"] - dt.timedelta(days=3)
        forged = [*mine[:target_index], {**mine[target_index], "at": earlier}, *mine[target_index + 1 :]]
        change(scratch, *rewritten(events, head, forged, target_index))
        code, output = verify_cli(scratch)
        assert code == 1 and f"{chain} event {mine[target_index]['seq']}: back-dated" in output
        assert (
            "hash mismatch" not in output
        )  # the hashes themselves are consistent: only the date gives it away
        if chain == OFFICE:  # rehashing reached the anchored last event: its anchor tells too
            assert f"anchor: {OFFICE} event {mine[-1]['seq']} no longer has the anchored hash" in output


# ------------------------------------------------------------------ anchors


def test_a_removed_tail_and_rewound_head_of_an_office_chain_is_found_by_its_anchor(scratch):
    _events, head = tables()
    with tampered(scratch) as (rows, _tops):
        mine = of_chain(rows, OFFICE)
        keep = mine[: len(mine) // 2]
        cut = [row["id"] for row in mine[len(keep) :]]
        change(
            scratch,
            delete(_events).where(_events.c.id.in_(cut)),
            update(head).where(head.c.chain == OFFICE).values(seq=keep[-1]["seq"], hash=keep[-1]["hash"]),
        )
        code, output = verify_cli(scratch)
        assert code == 1 and f"anchor: {OFFICE} event {mine[-1]['seq']} is gone" in output, output
        assert "head does not match" not in output  # the head alone would not tell


def test_an_office_chain_deleted_with_its_head_is_found_by_its_anchor(scratch):
    events, head = tables()
    with tampered(scratch) as (_rows, _tops):
        change(
            scratch,
            delete(events).where(events.c.chain == OFFICE),
            delete(head).where(head.c.chain == OFFICE),
        )
        code, output = verify_cli(scratch)
        assert code == 1 and f"anchor: {OFFICE} event" in output and "is gone" in output


def test_a_rewritten_office_chain_no_longer_matches_its_anchor(scratch):
    events, head = tables()
    with tampered(scratch) as (rows, _tops):
        mine = of_chain(rows, OFFICE)
        forged = [*mine[:-1], {**mine[-1], "after": (mine[-1]["after"] or "{}") + " "}]
        change(scratch, *rewritten(events, head, forged, len(mine) - 1))
        code, output = verify_cli(scratch)
        assert (
            code == 1
            and f"anchor: {OFFICE} event {mine[-1]['seq']} no longer has the anchored hash" in output
        )
        assert "hash mismatch" not in output and "head does not match" not in output


def test_an_altered_anchor_is_found_even_when_the_global_chain_is_rehashed(scratch):
    events, head = tables()
    with tampered(scratch) as (rows, _tops):
        mine = of_chain(rows, "global")
        index = next(i for i, row in enumerate(mine) if row["action"] == "anchor" and OFFICE in row["after"])
        anchor = json.loads(mine[index]["after"])
        forged = [
            *mine[:index],
            {**mine[index], "after": json.dumps({**anchor, "hash": "f" * 64})},
            *mine[index + 1 :],
        ]
        change(scratch, *rewritten(events, head, forged, index))
        code, output = verify_cli(scratch)
        assert (
            code == 1 and f"anchor: {OFFICE} event {anchor['seq']} no longer has the anchored hash" in output
        )


# ------------------------------------------------------------------ chains


def heads(application) -> dict[str, int]:
    from app.extensions import db

    _events, head = tables()
    with application.app_context():
        return dict(db.session.execute(select(head.c.chain, head.c.seq)).all())


def test_office_chains_progress_independently_of_each_other_and_of_the_global_chain(scratch):
    before = heads(scratch)
    with scratch.test_request_context():
        save("cgst-mum-w", "GI-GST-2", "CGST-MUM-W", JAN, {"_": {"RECEIPT_NO": "4"}})
    after = heads(scratch)
    assert after.pop("office:CGST-MUM-W") == before.pop("office:CGST-MUM-W") + 1
    assert after == before  # CGST-MUM-E's chain and the global chain did not move
    assert verify_cli(scratch)[0] == 0


def test_anchor_audit_anchors_only_the_chains_that_moved(scratch):
    with scratch.test_request_context():
        save("cgst-mum-w", "GI-GST-2", "CGST-MUM-W", JAN, {"_": {"RECEIPT_NO": "5"}})
    run = scratch.test_cli_runner()
    assert run.invoke(args=["mpr", "anchor-audit"]).output.strip() == "1 chain(s) anchored"
    assert run.invoke(args=["mpr", "anchor-audit"]).output.strip() == "0 chain(s) anchored"
    code, output = verify_cli(scratch)
    assert code == 0 and "office:CGST-MUM-W: " in output and "0 problem(s)" in output
