"""Races: real threads, each with its own app context and database session, released together.

PostgreSQL (READ COMMITTED, row locks) is where they truly overlap; SQLite serialises writers
with BEGIN IMMEDIATE, and must give the same answers. Whatever the interleaving: no update is
lost silently (every attempt either lands or is told it did not), nothing surfaces as an
internal error, and the data agree with the decisions taken. Figures: each test's output, and
cycle_race_stats.txt in the session's pytest base temporary directory (one per run and worker).
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.conftest import clear_returns
from tests.http.test_cycle import CGST, DATA, GI2_FEB, JAN, audit_mark
from tests.http.test_status_todo import actor, file_all, submit, target

EXPECTED = ("SaveConflict", "ConcurrentChange", "WorkflowRefused", "ReturnLocked")
THREADS = 8
ROUNDS = 6


def race(app, *calls) -> list[tuple[str, object]]:
    """Run each call in a thread of its own, all released at once; (outcome, result) per call."""
    from app.extensions import db

    with app.app_context():
        db.session.remove()
    gate, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index: int, call) -> None:
        with app.app_context():
            try:
                gate.wait(timeout=30)
                results[index] = ("ok", call())
            except Exception as error:  # noqa: BLE001 - every outcome is examined by the test
                db.session.rollback()
                results[index] = (type(error).__name__, error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    unexpected = [r for r in results if r is None or r[0] not in ("ok", *EXPECTED)]
    assert not unexpected, f"a race surfaced as an internal error: {unexpected}"
    return results


def record(request, line: str) -> None:
    """One line of figures: in the test's output and in the session's own temporary directory."""
    backend = request.getfixturevalue("backend").split(":", 1)[0]
    folder = request.getfixturevalue("tmp_path_factory").getbasetemp()
    with (folder / "cycle_race_stats.txt").open("a") as out:
        out.write(f"{backend} {line}\n")
    print(f"{backend} {line}")


def tally(request, name: str, results) -> None:
    figures = Counter(outcome for outcome, _ in results)
    record(request, f"{name}: {len(results)} attempts, {dict(figures)}")


def in_app(app, call):
    with app.test_request_context():
        return call()


def return_of(code: str, period: str = JAN):
    from app.definitions.months import Month
    from app.services.accounts.organisation import office_by_code
    from app.services.engine.grid import find_return

    return find_return(code, office_by_code("CGST-MUM-E"), Month.parse(period))


def cells(code: str, period: str = JAN) -> dict:
    from app.services.engine import catalogue, rowstore

    ret = return_of(code, period)
    return {k: c for k, (_p, c) in rowstore.read(catalogue.definitions().format(code), ret.id).items()}


def saver(code: str, rows: dict, version: int | None = None, period: str = JAN):
    """A call that saves `rows` as the office, at `version` (default: the one it reads)."""

    def call():
        from app.services.cycle.saving import save_draft
        from app.services.engine.grid import open_grid

        fmt, office, month = target(code, "CGST-MUM-E", period)
        at = open_grid(fmt, office, month).version if version is None else version
        return save_draft(actor("cgst-mum-e"), fmt, office, month, at, rows)

    return call


def count_events(app, action: str, key: str, since: int) -> int:
    from app.extensions import db
    from app.models.audit import AuditEvent

    with app.app_context():
        query = select(func.count(AuditEvent.id)).where(
            AuditEvent.id > since, AuditEvent.action == action, AuditEvent.object_key == key
        )
        return db.session.execute(query).scalar_one()


KEY4 = f"return:GI-GST-4:CGST-MUM-E:{JAN}"


# ------------------------------------------------------------------ saves


@pytest.mark.parametrize("first_save", [True, False], ids=["new-return", "existing-return"])
def test_parallel_saves_at_one_version_store_exactly_one(app, request, first_save):
    version = 0
    if not first_save:
        in_app(app, lambda: submit("cgst-mum-e", "GI-GST-4", "CGST-MUM-E", JAN, DATA["GI-GST-4"]))
        version = in_app(app, lambda: return_of("GI-GST-4").version)
    since = audit_mark(app)
    calls = [saver("GI-GST-4", {"AE_1_NO": {"FOR_MONTH": str(100 + i)}}, version) for i in range(THREADS)]
    results = race(app, *calls)
    tally(request, f"parallel saves ({'new' if first_save else 'existing'} return)", results)
    winners = [i for i, (outcome, _) in enumerate(results) if outcome == "ok"]
    assert len(winners) == 1 and {o for o, _ in results} <= {"ok", "SaveConflict"}, results
    stored = in_app(app, lambda: (cells("GI-GST-4")["AE_1_NO"]["FOR_MONTH"], return_of("GI-GST-4").version))
    assert stored == (100 + winners[0], version + 1)  # the one told "saved" is the one stored
    assert count_events(app, "save", KEY4, since) == 1


def test_concurrent_read_modify_write_loses_no_increment(app, request):
    in_app(
        app,
        lambda: submit(
            "cgst-mum-e", "GI-GST-4", "CGST-MUM-E", JAN, {r: {"FOR_MONTH": "0"} for r in DATA["GI-GST-4"]}
        ),
    )
    since, per_thread, conflicts = audit_mark(app), 5, Counter()

    def worker(name: int):
        def call():
            from app.services.cycle.saving import SaveConflict

            done = 0
            while done < per_thread:
                # the version first: figures read after it are never older than it (PostgreSQL reads
                # each statement afresh), so a save built on them is refused if anyone saved between
                version = return_of("GI-GST-4").version
                current = cells("GI-GST-4")["AE_1_NO"]["FOR_MONTH"]
                try:
                    saver("GI-GST-4", {"AE_1_NO": {"FOR_MONTH": str(current + 1)}}, version)()
                    done += 1
                except SaveConflict:
                    conflicts[name] += 1
                from app.extensions import db

                db.session.rollback()  # read afresh
            return done

        return call

    results = race(app, *[worker(i) for i in range(6)])
    assert all(outcome == "ok" for outcome, _ in results), results
    total = 6 * per_thread
    assert in_app(app, lambda: cells("GI-GST-4")["AE_1_NO"]["FOR_MONTH"]) == total
    assert count_events(app, "save", KEY4, since) == total
    record(request, f"increments: 6 threads x {per_thread}, {sum(conflicts.values())} conflicts retried")


def test_concurrent_api_puts_with_versions_lose_no_increment(app, request):
    in_app(
        app,
        lambda: submit(
            "cgst-mum-e", "GI-GST-4", "CGST-MUM-E", JAN, {r: {"FOR_MONTH": "0"} for r in DATA["GI-GST-4"]}
        ),
    )
    url = f"/api/v1/mpr/returns/GI-GST-4/CGST-MUM-E/{JAN}"
    login = {"username": "cgst-mum-e", "password": app.config["MPR_DEMO_PASSWORD"], "provider": "db"}
    token = app.test_client().post("/api/v1/security/login", json=login).get_json()["access_token"]
    headers, per_thread, refused = {"Authorization": f"Bearer {token}"}, 4, Counter()

    def worker(name: int):
        def call():
            client, done = app.test_client(), 0
            while done < per_thread:
                body = client.get(url, headers=headers).get_json()
                value = next(r["cells"]["FOR_MONTH"] for r in body["rows"] if r["key"] == "AE_1_NO")
                put = {"version": body["version"], "rows": {"AE_1_NO": {"FOR_MONTH": value + 1}}}
                status = client.put(url, headers=headers, json=put).status_code
                assert status in (200, 409), status  # a race: saved, or refused as stale; both are right
                done, refused[name] = done + (status == 200), refused[name] + (status == 409)
            return done

        return call

    results = race(app, *[worker(i) for i in range(4)])
    assert all(outcome == "ok" for outcome, _ in results), results
    assert in_app(app, lambda: cells("GI-GST-4")["AE_1_NO"]["FOR_MONTH"]) == 4 * per_thread
    record(
        request, f"API increments: 4 threads x {per_thread}, {sum(refused.values())} answered 409, retried"
    )


# ------------------------------------------------------------------ validation and correction


def validator(period: str = JAN):
    def call():
        from app.services.cycle.workflow import validate_owner

        _fmt, office, month = target("GI-GST-2", "CGST-MUM-E", period)
        return validate_owner(actor("gz-mum"), "DGCEI", office, month)

    return call


def test_double_validation_validates_once(app, request):
    in_app(app, lambda: file_all(validated=False))
    since = audit_mark(app)
    results = race(app, *[validator() for _ in range(4)])
    tally(request, "double validation", results)
    assert [o for o, _ in results].count("ok") == 1, results
    for code in CGST.formats:
        assert count_events(app, "validate", f"return:{code}:CGST-MUM-E:{JAN}", since) == 1


def test_validation_racing_an_office_save(app, request):
    outcomes = []
    for _round in range(ROUNDS):
        in_app(app, lambda: clear_returns(app))
        in_app(app, lambda: file_all(validated=False))
        change = {"_": {"RECEIPT_NO": "3", "LESS_THAN_2_NO": "5"}}  # still passes every check
        results = race(app, saver("GI-GST-2", change), validator())
        outcomes += results
        (saved, _), (validated, _) = results
        assert "ok" in (saved, validated), results
        final = in_app(app, lambda: (return_of("GI-GST-2").status, cells("GI-GST-2")["_"]["RECEIPT_NO"]))
        if saved == "ok":
            assert final[1] == 3  # told "saved": it is stored, and validated only if the Zone saw it
        else:
            assert saved in ("SaveConflict", "ReturnLocked") and final == ("validated", 2)
        assert final[0] == ("validated" if validated == "ok" else "submitted")
    tally(request, "validate vs save", outcomes)


def raise_request(app, code: str = "GI-GST-2", rows: dict | None = None) -> int:
    def call():
        from app.services.cycle import corrections

        fmt, office, month = target(code, "CGST-MUM-E", JAN)
        return corrections.raise_correction(
            actor("cgst-mum-e"), fmt, office, [(month, rows or CGST.change)], "x"
        ).number

    return in_app(app, call)


def find_request(number: int):
    from app.services.cycle import corrections

    return corrections.find_request(number)


def decider(number: int, approve: bool):
    def call():
        from app.services.cycle import corrections

        if approve:
            return corrections.approve(actor("dgcei-fo"), number).status
        return corrections.reject(actor("dgcei-fo"), number, "no").status

    return call


def test_approval_racing_rejection_decides_once(app, request):
    outcomes = []
    for _round in range(ROUNDS):
        in_app(app, lambda: clear_returns(app))
        in_app(app, lambda: file_all())
        number = raise_request(app)
        results = race(app, decider(number, True), decider(number, False))
        outcomes += results
        assert [o for o, _ in results].count("ok") == 1, results
        approved = results[0][0] == "ok"
        state = in_app(app, lambda n=number: find_request(n).status)
        value = in_app(app, lambda: cells("GI-GST-2")["_"]["RECEIPT_NO"])
        assert (state, value) == (("approved", 3) if approved else ("rejected", 2)), (results, state, value)
    tally(request, "approve vs reject", outcomes)


def test_double_approval_applies_once(app, request):
    from app.models.corrections import ReturnRevision

    in_app(app, lambda: file_all())
    number = raise_request(app)
    results = race(app, *[decider(number, True) for _ in range(4)])
    tally(request, "double approval", results)
    assert [o for o, _ in results].count("ok") == 1, results

    def kept():
        from app.extensions import db

        ret = return_of("GI-GST-2")
        found = (
            db.session.execute(select(ReturnRevision).where(ReturnRevision.return_id == ret.id))
            .scalars()
            .all()
        )
        return ret.revision, len(found)

    assert in_app(app, kept) == (2, 1)


@pytest.mark.parametrize("same_token", [True, False], ids=["same-token", "different-tokens"])
def test_parallel_correction_requests_leave_one_pending(app, request, same_token):
    from app.models.corrections import CorrectionRequest

    in_app(app, lambda: file_all())

    def raiser(i: int):
        def call():
            from app.services.cycle import corrections

            fmt, office, month = target("GI-GST-2", "CGST-MUM-E", JAN)
            token = "one-click" if same_token else f"click-{i}"
            made = corrections.raise_correction(
                actor("cgst-mum-e"), fmt, office, [(month, CGST.change)], "x", token
            )
            return made.number

        return call

    results = race(app, *[raiser(i) for i in range(4)])
    tally(request, f"parallel correction requests ({'same' if same_token else 'different'} token)", results)

    def pending():
        from app.extensions import db

        return (
            db.session.execute(select(CorrectionRequest.number).where(CorrectionRequest.status == "pending"))
            .scalars()
            .all()
        )

    numbers = in_app(app, pending)
    assert len(numbers) == 1, (numbers, results)
    oks = [r for o, r in results if o == "ok"]
    assert oks and set(oks) == set(numbers)  # a repeated click is told the number of the one request
    if same_token:
        assert len(oks) == len(results), results


def test_approval_racing_validation_of_the_next_month(app, request):
    outcomes = []
    for _round in range(ROUNDS):
        in_app(app, lambda: clear_returns(app))
        in_app(app, lambda: file_all())
        in_app(app, lambda: file_all("2024-02", {**DATA, "GI-GST-2": GI2_FEB}, validated=False))
        number = raise_request(app)  # Jan closing 6 -> 7: February's opening must follow or be flagged
        results = race(app, decider(number, True), validator("2024-02"))
        outcomes += results

        def state():
            feb = return_of("GI-GST-2", "2024-02")
            opening = cells("GI-GST-2", "2024-02")["_"]["OPENING_BALANCE_NO"]
            return feb.status, feb.inconsistent, opening, cells("GI-GST-2")["_"]["CLOSING_BALANCE_NO"]

        status, flagged, opening, closing = in_app(app, state)
        assert results[0][0] == "ok" or results[1][0] == "ok", results
        if status == "validated":
            assert opening == closing or flagged, (results, status, flagged, opening, closing)
        else:
            assert opening == closing and not flagged
    tally(request, "approve Jan vs validate Feb", outcomes)


def test_approval_racing_an_office_save_of_the_next_month(app, request):
    outcomes = []
    feb_saver = saver("GI-GST-2", {"_": {"RECEIPT_NO": "2"}}, period="2024-02")
    for _round in range(ROUNDS):
        in_app(app, lambda: clear_returns(app))
        in_app(app, lambda: file_all())
        in_app(app, lambda: submit("cgst-mum-e", "GI-GST-2", "CGST-MUM-E", "2024-02", GI2_FEB))
        number = raise_request(app)  # Jan closing 6 -> 7: the February draft must follow
        results = race(app, decider(number, True), feb_saver)
        outcomes += results
        assert "ok" in (results[0][0], results[1][0]), results
        feb = in_app(app, lambda: cells("GI-GST-2", "2024-02")["_"])
        jan = in_app(app, lambda: cells("GI-GST-2")["_"])
        assert feb["OPENING_BALANCE_NO"] == jan["CLOSING_BALANCE_NO"]  # never left on the old closing
        assert jan["CLOSING_BALANCE_NO"] == (7 if results[0][0] == "ok" else 6)
        assert feb["RECEIPT_NO"] == (2 if results[1][0] == "ok" else 1)  # told "saved": it is stored
    tally(request, "approve Jan vs save Feb", outcomes)
