"""A Hypothesis state machine over the monthly cycle: random users of every role save, submit,
validate, send back, correct, approve and reject, for three offices (two Commissionerates, one DGRI ADG)
and three months.

Checked after every step: validated figures equal what was validated, or what an approved
correction asked for; the opening of M+1 equals the closing of M for every draft and submitted
return (and validated ones unless flagged inconsistent); statuses only move along the cycle;
the audit chain verifies. At every action: it is refused as not permitted exactly when the
actor lacks the role or the jurisdiction (an oracle written here from MISSION.md, not the policy
module), and a refused action changes nothing. Once per sequence one random audit row is altered,
back-dated or deleted, and verification must fail. Figures (steps, distinct sequences, outcomes):
printed to the terminal and written to cycle_machine_stats.txt in the test's tmp_path.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, insert, select, update

from app.definitions.months import Month
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.corrections import CorrectionItem, CorrectionRequest, ReturnRevision
from app.models.returns import MprReturn
from app.services import audit
from app.services.accounts.organisation import office_by_code
from app.services.audit import to_json
from app.services.cycle import corrections, remarks, workflow
from app.services.cycle.corrections import NothingToCorrect
from app.services.cycle.remarks import RemarksRefused
from app.services.cycle.saving import ReturnLocked, entered_cells, save_draft
from app.services.cycle.workflow import NotPermitted, WorkflowRefused, submit, validate_owner
from app.services.engine import catalogue, rowstore
from app.services.engine.grid import GridClosed, find_return, open_grid
from tests.conftest import clear_returns
from tests.http.test_cycle import DRI3A_ROWS, GI4_ROWS
from tests.http.test_status_todo import actor

MONTHS = [Month(2024, 1), Month(2024, 2), Month(2024, 3)]
DGCEI = ("GI-GST-2", "GI-GST-4", "GI-GST-5")
OFFICES = {  # office -> (its user, its validating office, its formats)
    "CGST-MUM-E": ("cgst-mum-e", "GZ-MUM", DGCEI),
    "CGST-DEL-N": ("cgst-del-n", "GZ-DEL", DGCEI),
    "DRI-MZU": ("dri-mzu", "DGRI", ("DRI-CUS-7", "DRI-CUS-3A")),
}
USERS = {  # user -> (role, office): one or more of every role
    **{user: ("Office", office) for office, (user, _z, _f) in OFFICES.items()},
    "cgst-mum-w": ("Office", "CGST-MUM-W"),
    **{u: ("Zone", o) for u, o in (("gz-mum", "GZ-MUM"), ("gz-del", "GZ-DEL"), ("dgri-validator", "DGRI"))},
    "dgcei-validator": ("Zone", "DGCEI"),
    **{u: (f"Owner {o}", o) for u, o in (("dgcei-fo", "DGCEI"), ("dgri-fo", "DGRI"), ("dgicce", "DGICCE"))},
    "member-customs": ("Board", "CBIC"),
    "admin": ("Admin", "CBIC"),
    "cgst-mum-w-d2": ("Division/Range", "CGST-MUM-W-D2"),
}
VALIDATOR = {"GZ-MUM": "gz-mum", "GZ-DEL": "gz-del", "DGRI": "dgri-validator"}
OWNER = {**dict.fromkeys(DGCEI, "DGCEI"), "DRI-CUS-7": "DGRI", "DRI-CUS-3A": "DGRI"}
DECIDER = {"DGCEI": "dgcei-fo", "DGRI": "dgri-fo"}
CARRY = {  # format -> (rows, receipt column, disposal column, count suffix, amount suffix)
    "GI-GST-2": (["_"], "RECEIPT_NO", "SCN_NO", "BALANCE_NO", "BALANCE_TAX"),
    "DRI-CUS-3A": (DRI3A_ROWS, "RECEIPT_NOC", "DISPOSAL_NOC", "NOC", "DUTY"),
}
ALLOWED = {  # status moves within one step (saving and submitting all formats is one step)
    (None, "draft"),
    (None, "submitted"),
    ("draft", "submitted"),
    ("submitted", "draft"),
    ("submitted", "validated"),
}
ARREST = {
    "PERSON_NAME": "Ravi Kumar",
    "PAN": "ABCDE1234F",
    "ARREST_DATE": "2024-01-15",
    "OFFENCE": "132(1)(a) - supply without invoice",
    "BAIL_STATUS": "Released on bail by the arresting officer (s.69(3)(a))",
}
TOTALS: Counter = Counter()
SEQUENCES: set[tuple[str, ...]] = set()  # each run's distinct sequences of (action, outcome)


def may_enter(user, office, code):
    return USERS[user] == ("Office", office) and code in OFFICES[office][2]


def may_validate(user, office):
    return USERS[user] == ("Zone", OFFICES[office][1])


def may_decide(user, code):
    return USERS[user][0] == f"Owner {OWNER[code]}"


def users(right_user: str):
    """Mostly the user whose job it is, otherwise anyone at all."""
    return st.one_of(st.just(right_user), st.just(right_user), st.sampled_from(sorted(USERS)))


def figures(draw, code: str, openings: dict) -> tuple[dict, bool, dict]:
    """Typed cells for one month, whether they pass every check, and each row's closing.
    `openings`: row -> (count, amount) opening, None while it is still to be entered."""
    if code == "GI-GST-4":
        return {row: {"FOR_MONTH": str(draw(st.integers(0, 3)))} for row in GI4_ROWS}, True, {}
    if code == "GI-GST-5":  # replace the rows: one arrest, or nothing to report
        rows = dict.fromkeys(openings)
        if draw(st.booleans()):
            rows["new-1"] = {**ARREST, "TAX_EVASION_AMT": f"{draw(st.integers(1, 99))}.00"}
        return rows, True, {}
    if code == "DRI-CUS-7":
        zero = dict.fromkeys(["DURING_DUTY", "FINE_DUTY", "PENALTY_DUTY", "INTEREST_DUTY", "DBK_D_DUTY"], "0")
        duty = f"{draw(st.integers(0, 20))}.50"
        return {"_": {**zero, "DUTY_DUTY": duty, "DBK_R_DUTY": "0", "RDG_R_DUTY": "1.00"}}, True, {}
    rows, receipt_col, disposal_col, count, amount = CARRY[code]
    receipt, disposal = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    agree = draw(st.sampled_from([True, True, True, False]))  # sometimes a failing check
    typed, closings, valid = {}, {}, agree
    for row in rows:
        cells = {receipt_col: str(receipt), disposal_col: str(disposal)}
        opening = openings.get(row)
        if opening is None:  # first month: the opening is entered once
            opening = (draw(st.integers(0, 5)), Decimal(draw(st.integers(0, 50))))
            cells |= {f"OPENING_{count}": str(opening[0]), f"OPENING_{amount}": f"{opening[1]:.2f}"}
        closing = (opening[0] + receipt - disposal, opening[1] + 10 * receipt - 5 * disposal)
        closings[row], valid = closing, valid and closing[0] >= 0 and closing[1] >= 0
        if code == "GI-GST-2":
            cells |= {"RECEIPT_TAX": f"{10 * receipt}.00", "SCN_TAX": f"{5 * disposal}.00"}
            cells |= dict.fromkeys(["VOLUNTARY_NO", "VOLUNTARY_TAX", "MERIT_NO", "MERIT_TAX"], "0")
            cells |= dict.fromkeys(["TRANSFER_NO", "TRANSFER_TAX", "MORE_THAN_2_NO", "MORE_THAN_2_TAX"], "0")
            cells["LESS_THAN_2_NO"] = str(max(closing[0] + (0 if agree else 1), 0))
            cells["LESS_THAN_2_TAX"] = f"{max(closing[1], Decimal(0)):.2f}"
        else:
            cells |= {"RECEIPT_DUTY": f"{10 * receipt}.00", "DISPOSAL_DUTY": f"{5 * disposal}.00"}
            cells["PENDING_2Y_NOC"] = "0" if agree else str(max(closing[0], 0) + 1)
        typed[row] = cells
    return typed, valid, closings


def cells_of(ret) -> dict:
    return {
        k: c for k, (_p, c) in rowstore.read(catalogue.definitions().format(ret.format_code), ret.id).items()
    }


def same_figure(stored, typed: str) -> bool:
    return stored is not None and as_figure(stored) == as_figure(typed)


def as_figure(value) -> str:
    try:
        return str(Decimal(str(value)).normalize())
    except ArithmeticError:
        return str(value)


def free_row_differences(stored: dict, rows: dict) -> list:
    """Free rows are compared by content: the system assigns their keys, so a row removed and typed
    again with the same figures changes nothing."""
    after = [typed for typed in rows.values() if typed is not None] + [
        cells for key, cells in stored.items() if key not in rows
    ]
    columns = sorted({column for typed in after for column in typed})

    def content(cells: dict) -> tuple:
        return tuple(as_figure(cells.get(c)) for c in columns)

    kept, typed = Counter(map(content, stored.values())), Counter(map(content, after))
    return [] if kept == typed else [("rows", sorted(kept - typed), sorted(typed - kept))]


def differences(ret, rows: dict) -> list:
    """The typed cells that differ from the figures stored for `ret` (none: nothing would change)."""
    stored, found = cells_of(ret), []
    if any(typed is None or row.startswith("new-") for row, typed in rows.items()):
        return free_row_differences(stored, rows)
    for row, typed in rows.items():
        if typed is None:  # a free row the request removes
            found += [(row, "removed")] if row in stored else []
            continue
        have = stored.get(row, {})
        found += [(row, c, have.get(c), v) for c, v in typed.items() if not same_figure(have.get(c), v)]
    return found


def target(office: str, code: str):
    return catalogue.definitions().format(code), office_by_code(office)


def head() -> int:
    """The id of the latest audit event in any chain."""
    return db.session.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one()


class CycleMachine(RuleBasedStateMachine):
    """One random sequence of cycle actions on a cleared database."""

    app = None

    def __init__(self) -> None:
        super().__init__()
        clear_returns(self.app)
        self.actors: dict = {}
        self.start = head()
        self.snapshots: dict[int, dict] = {}  # validated return -> its stored cells
        self.statuses: dict[int, str] = {}
        self.revisions: Counter = Counter()  # approved corrections per return
        self.numbers: list[int] = []
        self.tampered = False
        self.trace: list[str] = []
        TOTALS["sequences"] += 1

    def who(self, user: str):
        if user not in self.actors:
            self.actors[user] = actor(user)
        return self.actors[user]

    def ret(self, office: str, code: str, month: Month):
        return find_return(code, office_by_code(office), month)

    def openings(self, office: str, code: str, month: Month) -> dict:
        """Each row's opening as the system carries it: last month's closing, else what is stored."""
        now = self.ret(office, code, month)
        if code not in CARRY:
            return dict.fromkeys(cells_of(now)) if now is not None else {}
        _rows, _r, _d, count, amount = CARRY[code]
        before = self.ret(office, code, month.prev())
        source, side = (before, "CLOSING") if before is not None else (now, "OPENING")
        stored = cells_of(source) if source is not None else {}
        return {
            r: (c[f"{side}_{count}"], c[f"{side}_{amount}"])
            for r, c in stored.items()
            if c[f"{side}_{count}"] is not None
        }

    def pick(self, data, status: str | None = None) -> tuple[str, str, Month]:
        """Usually an existing return (with `status`), otherwise any office, format and month."""
        found = db.session.execute(select(MprReturn).order_by(MprReturn.id)).scalars().all()
        found = [r for r in found if status in (None, r.status)]
        if found and data.draw(st.booleans()):
            ret = data.draw(st.sampled_from(found))
            return ret.office.code, ret.format_code, Month.of(ret.period)
        office = data.draw(st.sampled_from(sorted(OFFICES)))
        return office, data.draw(st.sampled_from(OFFICES[office][2])), data.draw(st.sampled_from(MONTHS))

    def attempt(self, name: str, permitted: bool, call, user: str):
        """Run one action: refused as not permitted exactly when the oracle says so; nothing
        written when refused; the success recorded in the audit trail under the actor's name."""
        TOTALS["steps"] += 1
        before, result = head(), None
        try:
            result = call(self.who(user))
        except NotPermitted:
            assert not permitted, f"{name} by {user} refused as not permitted, but role and office allow it"
            outcome = "not permitted"
        except (WorkflowRefused, GridClosed, ReturnLocked, RemarksRefused, NothingToCorrect) as refused:
            assert permitted, f"{name} by {user} must be refused as not permitted, not with: {refused}"
            outcome, result = "refused", refused
        else:
            assert permitted, f"{name} by {user} succeeded outside the user's role or jurisdiction"
            outcome = "ok"
        db.session.rollback()
        if outcome == "ok" and not getattr(result, "unchanged", False):
            found = db.session.execute(select(AuditEvent.actor).where(AuditEvent.id > before)).scalars()
            assert user in set(found), f"{name} by {user} left no audit event in the user's name"
        else:  # refused, or a save that changed no figure
            assert head() == before, f"a {name} that changed nothing ({outcome}) wrote to the audit trail"
        TOTALS[f"{name}: {outcome}"] += 1
        self.trace.append(f"{name}: {outcome}")
        return outcome, result

    # -------------------------------------------------------------- rules

    def save_one(self, data, office: str, code: str, month: Month, user: str) -> None:
        fmt, where = target(office, code)
        try:
            grid = open_grid(fmt, where, month)
            version, locked = grid.version, grid.locked
        except GridClosed:
            version, locked = 0, None
        rows, _valid, _closings = figures(data.draw, code, self.openings(office, code, month))
        call = lambda a: save_draft(a, fmt, where, month, version, rows)  # noqa: E731
        outcome, result = self.attempt("save", may_enter(user, office, code), call, user)
        if outcome == "refused":  # closed grids and validated returns only
            assert (isinstance(result, GridClosed), isinstance(result, ReturnLocked)) == (
                locked is None,
                bool(locked),
            )
        if outcome == "ok":
            assert locked is False and result.saved, result.errors
            if result.unchanged:
                assert not (diff := differences(self.ret(office, code, month), rows)), diff

    def submit_one(self, office: str, code: str, month: Month, user: str) -> None:
        fmt, where = target(office, code)
        try:
            grid = open_grid(fmt, where, month)
            ready, version = grid.status == "draft" and not grid.messages, grid.version
        except GridClosed:
            ready, version = False, 0
        call = lambda a: submit(a, fmt, where, month, version)  # noqa: E731
        outcome, _ = self.attempt("submit", may_enter(user, office, code), call, user)
        if outcome != "not permitted":
            assert (outcome == "ok") == ready, f"submit of {code} {month}: {outcome}, ready={ready}"

    @rule(data=st.data())
    def save(self, data):
        office, code, month = self.pick(data)
        self.save_one(data, office, code, month, data.draw(users(OFFICES[office][0])))

    @rule(data=st.data())
    def submit(self, data):
        office, code, month = self.pick(data, "draft")
        self.submit_one(office, code, month, data.draw(users(OFFICES[office][0])))

    @rule(data=st.data(), office=st.sampled_from(sorted(OFFICES)), month=st.sampled_from(MONTHS))
    def fill_and_submit_all(self, data, office, month):
        """What an office does at month end: save and submit each of its formats, in turn."""
        user = data.draw(users(OFFICES[office][0]))
        for code in OFFICES[office][2]:
            self.save_one(data, office, code, month, user)
            self.submit_one(office, code, month, user)

    def validate_one(self, office: str, owner: str, month: Month, user: str) -> None:
        states = [
            getattr(self.ret(office, c, month), "status", None)
            for c in OFFICES[office][2]
            if OWNER[c] == owner
        ]
        ready = bool(states) and set(states) <= {"submitted", "validated"} and "submitted" in states
        call = lambda a: validate_owner(a, owner, office_by_code(office), month)  # noqa: E731
        outcome, result = self.attempt("validate", may_validate(user, office), call, user)
        if outcome != "not permitted":
            assert (outcome == "ok") == ready, f"validate {owner} {office} {month}: {outcome}, {states}"
        for ret in result if outcome == "ok" else []:
            self.snapshots[ret.id] = cells_of(db.session.get(MprReturn, ret.id))

    @initialize(data=st.data(), office=st.sampled_from(sorted(OFFICES)))
    def a_month_through_the_cycle(self, data, office):
        """Each sequence starts with one office's January filed and, usually, validated."""
        user, zone, codes = OFFICES[office]
        for code in codes:
            self.save_one(data, office, code, MONTHS[0], user)
            self.submit_one(office, code, MONTHS[0], user)
        self.validated_data_changes_only_through_approved_corrections()  # statuses seen step by step
        if data.draw(st.sampled_from([True, True, True, False])):
            self.validate_one(office, OWNER[codes[0]], MONTHS[0], VALIDATOR[zone])

    @rule(data=st.data())
    def validate(self, data):
        office, code, month = self.pick(data, "submitted")
        other = "DGRI" if OWNER[code] == "DGCEI" else "DGCEI"
        owner = data.draw(st.sampled_from([OWNER[code], OWNER[code], other]))
        self.validate_one(office, owner, month, data.draw(users(VALIDATOR[OFFICES[office][1]])))

    @rule(data=st.data())
    def send_back(self, data):
        """The validating unit points out an error: a submitted return goes back to draft with remarks."""
        office, code, month = self.pick(data, "submitted")
        fmt, where = target(office, code)
        ret = self.ret(office, code, month)
        rows = sorted(cells_of(ret)) if ret is not None else []
        sound = bool(rows) and data.draw(st.sampled_from([True, True, True, False]))
        column = fmt.columns_in_force(month)[0].code if sound else "NO_SUCH_COLUMN"
        cells = [{"row": rows[0] if rows else "_", "column": column, "remark": "does not match the register"}]
        user = data.draw(users(VALIDATOR[OFFICES[office][1]]))
        submitted = ret is not None and ret.status == "submitted"
        call = lambda a: workflow.send_back(a, fmt, where, month, "Please re-check", cells)  # noqa: E731
        outcome, result = self.attempt("send back", may_validate(user, office), call, user)
        if outcome != "not permitted":
            assert (outcome == "ok") == (submitted and sound), f"send back {code} {month}: {outcome} {result}"
        if outcome == "ok":
            ret = self.ret(office, code, month)
            kept = remarks.in_force(ret)
            assert ret.status == "draft" and [(r.row_key, r.column_code) for r in kept] == [
                (None, None),
                (cells[0]["row"], column),
            ]

    @precondition(lambda self: self.snapshots)
    @rule(data=st.data())
    def correct(self, data):
        candidates = sorted(self.snapshots)
        free = [r for r in candidates if not self.pending(r)]  # mostly returns with no pending request
        first = db.session.get(
            MprReturn, data.draw(st.sampled_from(free if free and data.draw(st.booleans()) else candidates))
        )
        office, code, month = first.office.code, first.format_code, Month.of(first.period)
        months = [month]
        following = self.ret(office, code, month.next()) if code in CARRY else None
        if following is not None and following.status == "validated" and data.draw(st.booleans()):
            months.append(month.next())  # a chain of two months, the second opening on the first's closing
        user = data.draw(users(OFFICES[office][0]))
        chain, openings, valid = [], self.openings(office, code, month), True
        for each in months:
            rows, ok, openings = figures(data.draw, code, openings)
            chain.append((each, rows))
            valid = valid and ok
        pending = [self.pending(self.ret(office, code, m).id) for m in months]
        fmt, where = target(office, code)
        call = lambda a: corrections.raise_correction(a, fmt, where, chain, "re-checked")  # noqa: E731
        outcome, result = self.attempt("correct", may_enter(user, office, code), call, user)
        if outcome == "ok":
            assert not any(pending)
            self.numbers.append(result.number)
        unchanged = not any(differences(self.ret(office, code, m), rows) for m, rows in chain)
        if outcome == "refused":
            assert any(pending) or not valid or unchanged, f"a sound correction was refused: {result}"
        if isinstance(result, NothingToCorrect):
            assert unchanged, "a correction that changes figures was refused as changing nothing"

    def pending(self, ret_id: int) -> bool:
        found = db.session.execute(
            select(CorrectionRequest.number)
            .join(CorrectionItem, CorrectionItem.correction_id == CorrectionRequest.id)
            .where(CorrectionItem.return_id == ret_id, CorrectionRequest.status == "pending")
        ).all()
        assert len(found) <= 1, f"return {ret_id} has {len(found)} pending correction requests"
        return bool(found)

    @precondition(lambda self: self.numbers)
    @rule(data=st.data(), approve=st.booleans())
    def decide(self, data, approve):
        waiting = [n for n in self.numbers if corrections.find_request(n).status == "pending"]
        number = data.draw(st.sampled_from(waiting if waiting and data.draw(st.booleans()) else self.numbers))
        request = corrections.find_request(number)
        code, state = request.format_code, request.status
        items = [(i.return_id, i.base_revision, json.loads(i.cells)) for i in request.items]
        user = data.draw(users(DECIDER[OWNER[code]]))
        reason = data.draw(st.sampled_from(["Not supported by the register", " "]))
        if approve:
            call = lambda a: corrections.approve(a, number)  # noqa: E731
        else:
            call = lambda a: corrections.reject(a, number, reason)  # noqa: E731
        outcome, _ = self.attempt("approve" if approve else "reject", may_decide(user, code), call, user)
        assert outcome != "ok" or state == "pending"
        if outcome == "refused" and not approve:
            assert state != "pending" or not reason.strip()
        for ret_id, base, requested in items if outcome == "ok" and approve else []:
            ret = db.session.get(MprReturn, ret_id)
            fmt = catalogue.definitions().format(ret.format_code)
            typed = {c.code for c in fmt.columns if c.role == "entered"}  # openings follow the month before

            def entered(rows: dict, typed=typed, free=fmt.rows.kind == "free") -> object:
                kept = {k: {c: v for c, v in cells.items() if c in typed} for k, cells in rows.items()}
                return sorted(json.dumps(v, sort_keys=True) for v in kept.values()) if free else kept

            now = cells_of(ret)
            assert entered(json.loads(to_json(entered_cells(fmt, now)))) == entered(requested)
            kept = db.session.execute(
                select(ReturnRevision).where(
                    ReturnRevision.return_id == ret_id, ReturnRevision.revision == base
                )
            ).scalar_one()
            assert json.loads(kept.cells) == json.loads(
                to_json(self.snapshots[ret_id])
            )  # the old one on record
            self.snapshots[ret_id] = now
            self.revisions[ret_id] += 1

    @precondition(lambda self: not self.tampered and head() > self.start)
    @rule(data=st.data(), how=st.sampled_from(["actor", "after", "at", "delete"]))
    def tamper(self, data, how):
        """Alter, back-date or delete one audit row written in this sequence: verify must fail."""
        self.tampered, table = True, AuditEvent.__table__
        # the trail grows across sequences: draw a position, not a number, so replays agree
        written = db.session.execute(select(table.c.id).where(table.c.id > self.start).order_by(table.c.id))
        ids = list(written.scalars())
        seq = ids[data.draw(st.integers(0, 10**6)) % len(ids)]
        row = dict(db.session.execute(select(table).where(table.c.id == seq)).mappings().one())
        where = table.c.id == seq
        db.session.execute(
            {
                "actor": update(table).where(where).values(actor=row["actor"] + "x"),
                "after": update(table).where(where).values(after=(row["after"] or "") + " "),
                "at": update(table).where(where).values(at=row["at"] - dt.timedelta(days=1)),
                "delete": delete(table).where(where),
            }[how]
        )
        db.session.commit()
        try:
            assert audit.verify()[1], f"verification missed a tampered event ({how} of event {seq})"
        finally:
            db.session.execute(delete(table).where(where))
            db.session.execute(insert(table).values(**row))
            db.session.commit()
        TOTALS[f"tamper ({how}) detected"] += 1

    # -------------------------------------------------------------- invariants

    @invariant()
    def validated_data_changes_only_through_approved_corrections(self):
        found = db.session.execute(select(MprReturn)).scalars().all()
        for ret in found:
            old = self.statuses.get(ret.id)
            assert old == ret.status or (old, ret.status) in ALLOWED, (
                f"{ret.format_code}: {old} -> {ret.status}"
            )
            self.statuses[ret.id] = ret.status
            assert ret.revision == 1 + self.revisions[ret.id] and ret.amended == (ret.revision > 1)
            if ret.status == "validated":
                assert cells_of(ret) == self.snapshots[ret.id], f"validated {ret.format_code} changed"
            assert not ret.inconsistent or ret.status == "validated"
            assert not remarks.in_force(ret) or ret.status == "draft", "remarks outlived a resubmission"
            self.pending(ret.id)
        TOTALS["most returns in one sequence"] = max(TOTALS["most returns in one sequence"], len(found))
        TOTALS["most validated in one sequence"] = max(
            TOTALS["most validated in one sequence"], len(self.snapshots)
        )

    @invariant()
    def opening_of_each_month_is_the_closing_of_the_month_before(self):
        for office, code in ((o, c) for o, (_u, _z, codes) in OFFICES.items() for c in codes if c in CARRY):
            _rows, _r, _d, count, amount = CARRY[code]
            for month in MONTHS[1:]:
                before, now = self.ret(office, code, month.prev()), self.ret(office, code, month)
                if before is None or now is None or now.inconsistent:
                    continue
                TOTALS[f"carry checked on a {now.status} month"] += 1
                closing, opening = cells_of(before), cells_of(now)
                for row in set(closing) | set(opening):
                    for unit in (count, amount):
                        shut = closing.get(row, {}).get(f"CLOSING_{unit}")
                        assert opening.get(row, {}).get(f"OPENING_{unit}") == shut, (office, code, month, row)

    @invariant()
    def audit_chain_since_the_sequence_began_verifies(self):
        found = db.session.execute(
            select(AuditEvent).where(AuditEvent.id > self.start).order_by(AuditEvent.chain, AuditEvent.seq)
        )
        previous = None
        for event in found.scalars():
            assert event.hash == audit.event_hash(event), f"event {event.seq} does not match its hash"
            if previous is not None and previous.chain == event.chain:
                assert (event.seq, event.prev_hash) == (previous.seq + 1, previous.hash)
                assert event.at >= previous.at
            previous = event
        db.session.rollback()

    def teardown(self):
        SEQUENCES.add(tuple(self.trace))
        db.session.rollback()
        assert audit.verify()[1] == []


def test_random_cycles_keep_every_rule(app, capsys, tmp_path):
    TOTALS.clear()
    SEQUENCES.clear()
    CycleMachine.app = app
    began = time.monotonic()
    with app.app_context():
        run_state_machine_as_test(
            CycleMachine,
            settings=settings(
                max_examples=30,
                stateful_step_count=50,
                deadline=None,
                database=None,  # no health check is suppressed: none fires for this machine
            ),
        )
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    lines = [
        f"{backend}: {time.monotonic() - began:.1f}s, {TOTALS['steps']} steps, "
        f"{len(SEQUENCES)} distinct sequences of {TOTALS['sequences']} run",
        *(f"  {k}: {v}" for k, v in sorted(TOTALS.items())),
    ]
    stats = tmp_path / "cycle_machine_stats.txt"
    stats.write_text("\n".join(lines) + "\n")
    with capsys.disabled():
        print("\ncycle machine explored:\n" + "\n".join(lines) + f"\n(also in {stats})")
    assert len(SEQUENCES) > 1 and TOTALS["steps"] > TOTALS["sequences"]
