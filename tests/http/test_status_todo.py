"""Deadlines, status pages and to-do lists.

Deadline states are computed against a fixed `today` (the services take one), and
"validated on time / late" from a set `validated_at`, so nothing depends on the date
the suite runs. Pages use the real date: every 2024 month is long past its due day.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from tests.http.test_cycle import CGST, DATA, FEB, GI2_FEB, JAN, signed_in

BEFORE_DUE, AFTER_DUE = dt.date(2024, 2, 10), dt.date(2024, 2, 16)  # Jan 2024 is due on 15 Feb 2024


@pytest.fixture
def ctx(app):
    """An app and request context (url_for works) for calling the services directly."""
    with app.test_request_context():
        yield


def actor(username: str):
    """The policy Actor of a demo user."""
    from flask_appbuilder.security.sqla.models import User

    from app.extensions import db
    from app.security.actor import actor_for

    return actor_for(db.session.execute(select(User).where(User.username == username)).scalar_one())


def target(code: str, office: str, period: str):
    from app.definitions.months import Month
    from app.services.accounts.organisation import office_by_code
    from app.services.engine import catalogue

    return catalogue.definitions().format(code), office_by_code(office), Month.parse(period)


def save(user: str, code: str, office: str, period: str, rows: dict) -> None:
    from app.services.cycle.saving import save_draft
    from app.services.engine.grid import open_grid

    fmt, where, month = target(code, office, period)
    result = save_draft(actor(user), fmt, where, month, open_grid(fmt, where, month).version, rows)
    assert result.saved, result.errors


def submit(user: str, code: str, office: str, period: str, rows: dict) -> None:
    from app.services.cycle.workflow import submit as submit_return
    from app.services.engine.grid import open_grid

    save(user, code, office, period, rows)
    fmt, where, month = target(code, office, period)
    submit_return(actor(user), fmt, where, month, open_grid(fmt, where, month).version)


def validate(period: str = JAN) -> None:
    """GZ-MUM validates CGST-MUM-E's DGCEI formats."""
    from app.services.cycle.workflow import validate_owner

    _fmt, office, month = target(CGST.formats[0], "CGST-MUM-E", period)
    validate_owner(actor("gz-mum"), "DGCEI", office, month)


def file_all(period: str = JAN, data: dict | None = None, validated: bool = True) -> None:
    """CGST-MUM-E submits its DGCEI formats; GZ-MUM validates them."""
    for code in CGST.formats:
        submit("cgst-mum-e", code, "CGST-MUM-E", period, (data or DATA)[code])
    if validated:
        validate(period)


def set_validated_at(code: str, when: dt.datetime) -> None:
    from app.extensions import db
    from app.models.returns import MprReturn

    db.session.execute(update(MprReturn).where(MprReturn.format_code == code).values(validated_at=when))
    db.session.commit()


def set_submitted_at(code: str, when: dt.datetime) -> None:
    from app.extensions import db
    from app.models.returns import MprReturn

    db.session.execute(update(MprReturn).where(MprReturn.format_code == code).values(submitted_at=when))
    db.session.commit()


def states(user: str, today: dt.date, office: str = "CGST-MUM-E", period: str = JAN) -> dict[str, str]:
    from app.definitions.months import Month
    from app.services.cycle import status

    found = status.return_states(actor(user), Month.parse(period), "DGCEI", office, today)
    return {s.fmt.code: s.state for s in found}


def correct(code: str, period: str, rows: dict, reason: str | None = None) -> int:
    """Raise a correction as the office; approve it, or reject it with `reason`."""
    from app.services.cycle import corrections

    fmt, office, month = target(code, "CGST-MUM-E", period)
    request = corrections.raise_correction(actor("cgst-mum-e"), fmt, office, [(month, rows)], "re-checked")
    if reason is None:
        corrections.approve(actor("dgcei-fo"), request.number)
    else:
        corrections.reject(actor("dgcei-fo"), request.number, reason)
    return request.number


def todo(user: str, today: dt.date | None = None) -> list[tuple[str, str]]:
    from app.services.cycle.todo import todo_for

    return [(item.kind, item.text) for item in todo_for(actor(user), today)]


# ------------------------------------------------------------------ deadline states


def test_deadline_states_from_not_started_to_validated_on_time_or_late(app, ctx):
    assert set(states("cgst-mum-e", BEFORE_DUE).values()) == {"not started"}
    assert set(states("cgst-mum-e", AFTER_DUE).values()) == {"not reported"}
    save("cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, DATA["GI-GST-2"])
    submit("cgst-mum-e", "GI-GST-4", "CGST-MUM-E", JAN, DATA["GI-GST-4"])
    assert states("cgst-mum-e", BEFORE_DUE) == {
        "GI-GST-2": "draft",
        "GI-GST-4": "submitted",
        "GI-GST-5": "not started",
    }
    # once the due date has passed: a return submitted after it is "submitted late", not "not reported"
    assert states("cgst-mum-e", AFTER_DUE) == {
        "GI-GST-2": "not reported",
        "GI-GST-4": "submitted late",
        "GI-GST-5": "not reported",
    }
    set_submitted_at("GI-GST-4", dt.datetime(2024, 2, 14, 12, 0))  # in time, still awaiting validation
    assert states("cgst-mum-e", AFTER_DUE)["GI-GST-4"] == "submitted"
    submit("cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, {})
    submit("cgst-mum-e", "GI-GST-5", "CGST-MUM-E", JAN, {})
    validate()
    set_validated_at("GI-GST-2", dt.datetime(2024, 2, 15, 23, 59, 59))  # the last second of the due day
    set_validated_at("GI-GST-4", dt.datetime(2024, 2, 16, 0, 0, 1))
    set_validated_at("GI-GST-5", dt.datetime(2024, 2, 1, 10, 0))
    for today in (BEFORE_DUE, AFTER_DUE, dt.date(2025, 1, 1)):
        assert states("cgst-mum-e", today) == {
            "GI-GST-2": "validated on time",
            "GI-GST-4": "validated late",
            "GI-GST-5": "validated on time",
        }
    # the Zone, the owner and the Board see the same states; another office sees none of them
    for user in ("gz-mum", "dgcei-fo", "member-customs"):
        assert states(user, AFTER_DUE)["GI-GST-4"] == "validated late"
    assert states("cgst-mum-w", AFTER_DUE) == {}
    assert states("gz-del", AFTER_DUE) == {}


def _zone_lines(user: str, owner: str, today: dt.date) -> dict:
    from app.definitions.months import Month
    from app.services.cycle.status_summary import Scope, StatusFilter, zone_summary

    who = actor(user)
    lines = zone_summary(who, Month.parse(JAN), StatusFilter(owner), Scope.of(who), today)
    return {line.zone.code: line for line in lines}


def test_completeness_per_office_owner_and_zone(app, ctx):
    from app.definitions.months import Month
    from app.services.cycle import status

    file_all(validated=False)
    board = status.return_states(actor("member-customs"), Month.parse(JAN), "DGCEI", today=BEFORE_DUE)
    rows = {row.office.code: row.by_owner["DGCEI"] for row in status.by_office_and_owner(board)}
    mine = rows["CGST-MUM-E"]
    assert (mine.expected, mine.submitted, mine.validated, mine.pending_validation) == (3, 3, 0, 3)
    assert mine.all_submitted and not mine.complete
    assert not rows["CGST-DEL-N"].all_submitted and rows["CGST-DEL-N"].submitted == 0
    zones = _zone_lines("member-customs", "DGCEI", BEFORE_DUE)
    assert {"GZ-MUM", "GZ-DEL", "DGCEI"} <= set(zones)
    assert zones["GZ-MUM"].counts.submitted == 3 and zones["GZ-MUM"].offices_validated == 0
    validate()
    for code in CGST.formats:
        set_validated_at(code, dt.datetime(2024, 2, 14, 18, 0))
    zones = _zone_lines("member-customs", "DGCEI", BEFORE_DUE)
    mumbai = zones["GZ-MUM"]
    assert (mumbai.counts.validated, mumbai.counts.on_time, mumbai.offices_validated) == (3, 3, 1)
    assert mumbai.counts.late == 0 and mumbai.counts.not_reported == 0
    assert _zone_lines("member-customs", "DGCEI", AFTER_DUE)["GZ-DEL"].counts.not_reported > 0


# ------------------------------------------------------------------ status pages


def _status_page(app, user: str, query: str = "") -> str:
    response = signed_in(app, user).get(f"/mpr/status/?period={JAN}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_status_pages_for_office_zone_owner_and_board(app):
    with app.test_request_context():
        file_all()
        correct("GI-GST-2", JAN, CGST.change)
    office = _status_page(app, "cgst-mum-e")
    assert 'data-office="CGST-MUM-E" data-format="GI-GST-2"' in office
    assert 'data-office="CGST-MUM-W"' not in office and "mpr-status-zones" not in office
    assert "validated late" in office and "Amended</span>" in office  # validated now, due 15 Feb 2024

    zone = _status_page(app, "gz-mum")
    assert 'data-office="CGST-MUM-W"' in zone and 'data-office="CGST-DEL-N"' not in zone
    assert 'data-office="DRI-MZU"' not in zone

    owner = _status_page(app, "dgcei-fo")  # many Zones: the summary, one line each, no returns drawn
    assert 'class="table table-bordered table-condensed mpr-status-zones"' in owner
    for zone_code in ("GZ-MUM", "GZ-DEL", "DGCEI"):
        assert f'data-zone="{zone_code}"' in owner
    assert "data-format=" not in owner
    drill = _status_page(app, "dgcei-fo", "&zone=GZ-MUM")
    assert 'data-format="GI-GST-2"' in drill and 'data-format="DRI-CUS-7"' not in drill
    assert 'data-format="DPM-GST-ADJ-2"' not in drill  # only the owner's own formats

    board = _status_page(app, "member-customs", "&owner=DGRI")
    assert 'data-zone="DGRI"' in board and 'data-zone="GZ-MUM"' not in board
    drill = _status_page(app, "member-customs", "&owner=DGRI&zone=DGRI")
    assert 'data-format="GI-GST-2"' not in drill and 'data-office="DRI-MZU" data-format="DRI-CUS-7"' in drill
    everything = _status_page(app, "member-customs")
    for zone_code in ("GZ-MUM", "GZ-DEL", "CZ-MUM-I", "DGRI", "DGCEI"):
        assert f'data-zone="{zone_code}"' in everything


# ------------------------------------------------------------------ to-do lists


def test_office_todo_lists_what_is_due_and_drops_what_is_validated(app, ctx):
    items = todo("cgst-mum-e", BEFORE_DUE)
    due = [text for kind, text in items if kind == "due"]
    gi2 = "GI-GST-2 Investigation of cases (GST anti-evasion)"
    assert f"{gi2}, January 2024: not started — due 15-02-2024 (5 day(s) left)" in due
    late = [text for kind, text in items if kind == "late"]
    assert any(t.startswith(f"{gi2}, December 2023: not reported") and "day(s) late" in t for t in late)
    file_all(validated=False)  # submitted, not yet validated: handed in, so off the office's list
    after = [text for _kind, text in todo("cgst-mum-e", BEFORE_DUE)]
    assert not [
        t for t in after if t.startswith(("GI-GST-2 ", "GI-GST-4 ", "GI-GST-5 ")) and ", January 2024:" in t
    ]
    assert [
        t for t in after if t.startswith("DPM-GST-ADJ-2 ") and ", January 2024:" in t
    ]  # other owners' stay
    validate()
    assert not [
        t for _k, t in todo("cgst-mum-e", BEFORE_DUE) if t.startswith("GI-GST-4 ") and ", January 2024:" in t
    ]


def test_a_late_submission_reads_submitted_late_on_the_status_and_validation_pages(app):
    with app.test_request_context():
        file_all(validated=False)  # submitted today, long after 15 Feb 2024
    for user in ("cgst-mum-e", "gz-mum"):
        page = _status_page(app, user)
        row = page.split('data-office="CGST-MUM-E" data-format="GI-GST-2"')[1].split("</tr>")[0]
        assert "submitted late, awaiting validation" in row and "not reported" not in row
    validation = signed_in(app, "gz-mum").get(f"/mpr/validation/?period={JAN}").get_data(as_text=True)
    cell = validation.split('data-office="CGST-MUM-E"')[1].split("</tr>")[0]
    assert "3/3 submitted" in cell and "GI-GST-2</a>: submitted late, awaiting validation" in cell
    assert "not reported" not in cell.split('data-owner="DGCEI"')[1].split("</td>")[0]


def test_zone_and_owner_todo(app, ctx):
    file_all(validated=False)
    assert ("validate", "Validate DGCEI formats of CGST-MUM-E for January 2024") in todo("gz-mum", BEFORE_DUE)
    assert not [t for k, t in todo("gz-del", BEFORE_DUE) if k == "validate"]
    validate()
    assert not [t for k, t in todo("gz-mum", BEFORE_DUE) if k == "validate"]

    from app.services.cycle import corrections

    fmt, office, month = target("GI-GST-2", "CGST-MUM-E", JAN)
    request = corrections.raise_correction(actor("cgst-mum-e"), fmt, office, [(month, CGST.change)], "typo")
    decide = ("decide", f"Decide correction No. {request.number}: GI-GST-2 of CGST-MUM-E")
    assert decide in todo("dgcei-fo")
    for other in ("dgicce", "dgcei-validator", "gz-mum", "member-customs"):
        assert decide not in todo(other), other


def test_a_flagged_month_and_a_rejected_correction_reach_the_office_home_page(app):
    flagged = (
        "flagged",
        "GI-GST-2 for February 2024: opening changed by a correction of the month before"
        " — raise a correction",
    )
    with app.test_request_context():  # services here; the page below runs in its own contexts
        file_all()
        file_all(FEB, {**DATA, "GI-GST-2": GI2_FEB})
        correct("GI-GST-2", JAN, CGST.change)  # Jan closing 6 -> 7: validated Feb no longer fits
        number = correct("GI-GST-4", FEB, {"AE_1_NO": {"FOR_MONTH": "9"}}, reason="AE-1 is per the register")
        rejected = ("rejected", f"Correction No. {number} (GI-GST-4) rejected: AE-1 is per the register")
        assert flagged in todo("cgst-mum-e") and rejected in todo("cgst-mum-e")
        assert flagged not in todo("cgst-mum-w") and rejected not in todo("cgst-del-n")

    office = signed_in(app, "cgst-mum-e")
    first = office.get("/")  # the rejection's notice is unread: the mailbox opens first after login
    assert first.status_code == 302 and first.location.endswith("/mpr/mailbox/")
    home = office.get("/").get_data(as_text=True)
    assert "mpr-todo-flagged" in home and "opening changed by a correction of the month before" in home
    assert "mpr-todo-rejected" in home and "AE-1 is per the register" in home
    assert "/mpr/f/gi_gst_2/CGST-MUM-E/2024-02" in home and f"/mpr/corrections/{number}" in home

    with app.test_request_context():
        correct("GI-GST-2", FEB, {"_": {"LESS_THAN_2_NO": "6"}})  # Feb corrected to fit: the flag goes
        assert flagged not in todo("cgst-mum-e")
