"""The demo's two financial years of history, written on the first start (run.py).

The suite's seed has no history (tests assume no returns); this test writes it, checks
the story through the real engine and audit trail, and the autouse clean-up removes it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from tests.http.test_cycle import signed_in

OFFICE = "CGST-MUM-E"


def _count(model) -> int:
    from app.extensions import db

    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _returns_by_format(office) -> dict[str, dict]:
    from app.definitions.months import Month
    from app.extensions import db
    from app.models.returns import MprReturn

    found: dict[str, dict] = {}
    for ret in db.session.execute(select(MprReturn).where(MprReturn.office_id == office.id)).scalars():
        found.setdefault(ret.format_code, {})[Month.of(ret.period)] = ret
    return found


def _assert_carry_forward_consistent(fmt, returns: dict) -> None:
    from app.services.engine import rowstore

    carried = [c for c in fmt.columns if c.carry]
    months = sorted(returns)
    for earlier, later in zip(months, months[1:], strict=False):
        assert later == earlier.next(), f"{fmt.code}: a carried chain skips {earlier.next()}"
        before = rowstore.read(fmt, returns[earlier].id)
        after = rowstore.read(fmt, returns[later].id)
        for key, (_pos, cells) in after.items():
            for column in carried:
                closing = before[key][1].get(column.carry)
                assert cells.get(column.code) == closing, f"{fmt.code} {later} {key} {column.code}"


def _assert_office_story(office, months) -> None:
    from app.models.returns import ReturnStatus
    from app.security.policy import applies_to
    from app.services.engine import catalogue
    from app.services.engine.grid import open_grid

    by_format = _returns_by_format(office)
    history = months[:-2]  # before the month before last: validated, or (rarely) never reported
    for fmt in catalogue.definitions().formats.values():
        if not applies_to(fmt, office) or not fmt.in_force(months[-1]):
            continue
        returns = by_format.get(fmt.code, {})
        filed = [m for m in history if fmt.keyed_in(m) and m in returns]  # annual: Aprils only
        assert all(returns[m].status == ReturnStatus.VALIDATED for m in filed), fmt.code
        assert len(filed) >= 0.8 * len([m for m in history if fmt.keyed_in(m)]), fmt.code
        assert set(returns) <= {m for m in months if fmt.keyed_in(m)}, fmt.code  # one a year
        if fmt.set_by_owner:  # targets: set by the owner for every year, the one under way too
            assert set(returns) == {m for m in months if fmt.keyed_in(m)}, fmt.code
            assert all(r.status == ReturnStatus.VALIDATED for r in returns.values()), fmt.code
        if fmt.has_carry:
            _assert_carry_forward_consistent(fmt, returns)
        for month in filed[-3:]:  # the real grid finds every cell filled and every check passing
            assert open_grid(fmt, office, month).messages == [], f"{fmt.code} {month}"


def test_demo_history_tells_a_consistent_story_and_is_written_once(app):
    from app.definitions.months import Month
    from app.demo.history import history_months, seed_demo_history
    from app.extensions import db
    from app.models.audit import AuditEvent
    from app.models.corrections import CorrectionRequest, CorrectionStatus, ReturnRevision
    from app.models.returns import MprReturn, ReturnStatus
    from app.services import audit
    from app.services.accounts.organisation import office_by_code
    from app.services.cycle.deadlines import NOT_REPORTED, VALIDATED_LATE, deadline_status
    from app.services.cycle.workflow import return_key

    with app.test_request_context():
        counts = seed_demo_history()
        months = history_months()
        assert months[0] == Month(months[-1].fy_start.year - 2, 4) and len(months) >= 24
        assert counts["entering offices"] == 24 and counts["corrections approved"] == 1

        office = office_by_code(OFFICE)
        _assert_office_story(office, months)

        returns = list(db.session.execute(select(MprReturn)).scalars())
        statuses = {ret.status for ret in returns if ret.period == months[-1].first_day}
        assert statuses == {ReturnStatus.DRAFT, ReturnStatus.SUBMITTED, ReturnStatus.VALIDATED}
        late = [r for r in returns if deadline_status(r, Month.of(r.period)) == VALIDATED_LATE]
        assert 0.05 * len(returns) < len(late) < 0.25 * len(returns)
        filed = {(r.format_code, r.office_id, r.period) for r in returns}
        before_last = months[-2]
        silent = {r.office_id for r in returns} - {
            r.office_id for r in returns if r.period == before_last.first_day
        }
        assert silent, "some office has not reported the month before last"
        assert deadline_status(None, before_last, dt.date.today()) == NOT_REPORTED
        assert len(filed) == len(returns)

        from app.models.feeds import ReturnFeed

        fed = [r for r in returns if r.format_code == "DPM-GST-15A"]  # fed from GSTN
        assert fed and _count(ReturnFeed) == len(fed)
        first = min(fed, key=lambda r: r.period)
        first_key = return_key(first.format_code, first.office, Month.of(first.period))
        assert [e.action for e in audit.history(first_key)][:3] == ["feed", "save", "submit"]

        approved = db.session.execute(
            select(CorrectionRequest).where(CorrectionRequest.status == CorrectionStatus.APPROVED)
        ).scalar_one()
        corrected = db.session.get(MprReturn, approved.items[0].return_id)
        assert corrected.amended and corrected.revision == 2 and _count(ReturnRevision) == 1
        key = return_key(corrected.format_code, corrected.office, Month.of(corrected.period))
        actions = [event.action for event in audit.history(key)]
        assert actions == ["save", "submit", "validate", "correction-applied"]

        _assert_targets_set_by_their_owner(office, months)

        checked, problems = audit.verify()
        assert problems == [] and checked >= counts["audit events"]

        totals = (_count(MprReturn), _count(AuditEvent), _count(CorrectionRequest))
        assert seed_demo_history() == {}
        assert (_count(MprReturn), _count(AuditEvent), _count(CorrectionRequest)) == totals

    board = signed_in(app, "member-customs").get(f"/mpr/status/?period={months[-3]}&zone=GZ-MUM")
    assert board.status_code == 200 and "validated on time" in board.get_data(as_text=True)


def _assert_targets_set_by_their_owner(office, months) -> None:
    """The demo's targets (DDM-GST-1-TARGET) were set by DDM, audited as such, and give the % achievement."""
    from app.definitions.months import Month
    from app.services import audit
    from app.services.cycle.workflow import return_key
    from app.services.engine import catalogue
    from app.services.reports.report import build_report
    from app.services.reports.scope import resolve_unit

    year = months[-1].fy_start
    ret = _returns_by_format(office)["DDM-GST-1-TARGET"][year]
    events = list(audit.history(return_key("DDM-GST-1-TARGET", office, Month.of(ret.period))))
    # (the audit trail is append-only and outlives other tests' returns on a shared database: every
    # event of that return, the demo's among them, is a target set by DDM)
    assert events and {(e.action, e.actor) for e in events} == {("target-set", "ddm")}
    assert ret.validated_by_id in {e.actor_id for e in events}
    report = build_report(catalogue.definitions().format("DDM-GST-1"), resolve_unit("INDIA"), months[-2])
    total = next(row for row in report.rows if row.key == "TOTAL")
    assert total.cells["TOTAL_TARGET_PCT"] is not None and 0 < total.cells["TOTAL_TARGET_PCT"] < 200
