"""The monthly cycle through the JSON API (/work/shared/API.md): status codes, idempotency, chains.

401 not logged in, 403 the role may not do this at all, 404 outside jurisdiction or absent,
409 wrong state, 422 input errors; every refusal leaves the data as it was.
"""

from __future__ import annotations

import pytest

from tests.http.conftest import stored
from tests.http.test_cycle import (
    ARREST,
    CASES,
    CGST,
    DATA,
    FEB,
    GI2_FEB,
    JAN,
    MAR,
    audit_mark,
    count_corrections,
    events,
    statuses,
)

API = "/api/v1/mpr"


@pytest.fixture
def since(app) -> int:
    """The latest audit event id when the test started."""
    return audit_mark(app)


@pytest.fixture
def call(app, client, api_token):
    """call(user, method, path, body) -> response, with a JWT per user (cached)."""
    tokens: dict[str, dict] = {}

    def _call(user: str, method: str, path: str, body: dict | None = None):
        if user not in tokens:
            tokens[user] = api_token(user)
        return client.open(f"{API}{path}", method=method, headers=tokens[user], json=body or {})

    return _call


def put(call, user: str, code: str, office: str, period: str, rows: dict):
    """GET the version, then PUT the rows; the response."""
    version = call(user, "GET", f"/returns/{code}/{office}/{period}").get_json()["version"]
    return call(user, "PUT", f"/returns/{code}/{office}/{period}", {"version": version, "rows": rows})


def file(call, user: str, code: str, office: str, period: str, rows: dict) -> None:
    """Save and submit one return; both must succeed."""
    assert put(call, user, code, office, period, rows).status_code == 200
    response = call(user, "POST", f"/returns/{code}/{office}/{period}/submit")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "submitted"


def file_all(call, case, period: str = JAN, data: dict | None = None) -> None:
    """Submit every format of the case's owner and validate them."""
    for code in case.formats:
        file(call, case.office_user, code, case.office, period, (data or DATA)[code])
    response = call(case.zone_user, "POST", f"/validations/{case.owner}/{case.office}/{period}")
    assert response.status_code == 200, response.get_json()


def cell(call, user: str, code: str, office: str, period: str, row: str, column: str):
    """One cell of a return as the API shows it, and the return's revision."""
    body = call(user, "GET", f"/returns/{code}/{office}/{period}").get_json()
    return next(r["cells"][column] for r in body["rows"] if r["key"] == row), body["revision"]


def raise_(call, user: str, code: str, office: str, period: str, rows: dict, why: str = "typo", **extra):
    body = {"format": code, "office": office, "period": period, "rows": rows, "justification": why, **extra}
    return call(user, "POST", "/corrections", body)


# ------------------------------------------------------------------ the whole cycle


@CASES
def test_whole_cycle_through_the_api(app, call, case):
    *first, last = case.formats
    for code in first:
        file(call, case.office_user, code, case.office, JAN, DATA[code])
    refused = call(case.zone_user, "POST", f"/validations/{case.owner}/{case.office}/{JAN}")
    assert refused.status_code == 409 and refused.get_json()["missing"] == [last]
    assert set(statuses(app, case.office, JAN).values()) == {"submitted"}
    file(call, case.office_user, last, case.office, JAN, DATA[last])
    done = call(case.zone_user, "POST", f"/validations/{case.owner}/{case.office}/{JAN}")
    assert done.status_code == 200 and done.get_json()["validated"] == sorted(case.formats)
    again = call(case.zone_user, "POST", f"/validations/{case.owner}/{case.office}/{JAN}")
    assert again.status_code == 409 and "already validated" in again.get_json()["message"]

    code, (row, col, old, new) = case.corrected, case.changed_cell
    before = stored(app, code, case.office, JAN)
    assert put(call, case.office_user, code, case.office, JAN, case.change).status_code == 409
    assert call(case.office_user, "POST", f"/returns/{code}/{case.office}/{JAN}/submit").status_code == 409
    assert stored(app, code, case.office, JAN) == before

    raised = raise_(call, case.office_user, code, case.office, JAN, case.change)
    assert raised.status_code == 201 and raised.get_json()["status"] == "pending"
    number = raised.get_json()["number"]
    assert str(cell(call, case.zone_user, code, case.office, JAN, row, col)[0]) in (old, str(int(float(old))))
    decided = call(case.owner_user, "POST", f"/corrections/{number}/approve")
    assert decided.status_code == 200 and decided.get_json() == {"number": number, "status": "approved"}
    value, revision = cell(call, "member-customs", code, case.office, JAN, row, col)
    assert revision == 2 and str(value) in (new, str(int(float(new))))

    status = call(case.office_user, "GET", f"/status?period={JAN}&owner={case.owner}").get_json()["result"]
    assert {s["format"] for s in status} == set(case.formats) and {s["office"] for s in status} == {
        case.office
    }
    mine = next(s for s in status if s["format"] == code)
    assert mine["status"] == "validated" and mine["amended"] is True and mine["revision"] == 2
    assert mine["deadline_status"] == "validated late"  # validated today, long after 15 Feb 2024
    assert mine["due"] == "2024-02-15" and mine["submitted_at"] and mine["validated_at"]


# ------------------------------------------------------------------ submit and validate


def test_submit_answers_422_with_the_failing_checks_and_409_when_not_a_draft(app, call):
    url = f"/returns/GI-GST-2/CGST-MUM-E/{JAN}"
    assert call("cgst-mum-e", "POST", f"{url}/submit").status_code == 409  # never saved
    failing = {"_": {**DATA["GI-GST-2"]["_"], "LESS_THAN_2_NO": "1"}}
    assert put(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, failing).status_code == 200
    refused = call("cgst-mum-e", "POST", f"{url}/submit")
    assert refused.status_code == 422
    assert {(e["row"], e["column"]) for e in refused.get_json()["errors"]} >= {("_", "LESS_THAN_2_NO")}
    assert statuses(app, "CGST-MUM-E", JAN) == {"GI-GST-2": "draft"}
    file(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, DATA["GI-GST-2"])
    assert call("cgst-mum-e", "POST", f"{url}/submit").status_code == 409  # already submitted
    stale = call("cgst-mum-e", "POST", f"{url}/submit", {"version": 1})
    assert stale.status_code == 409


@pytest.mark.parametrize(
    ("user", "owner", "office", "code"),
    [
        ("cgst-mum-e", "DGCEI", "CGST-MUM-E", 403),  # an office never validates
        ("dgcei-fo", "DGCEI", "CGST-MUM-E", 403),  # nor the owner
        ("member-customs", "DGCEI", "CGST-MUM-E", 403),  # nor the Board
        ("gz-del", "DGCEI", "CGST-MUM-E", 404),  # another Zone's office
        ("dgri-validator", "DGCEI", "CGST-MUM-E", 403),  # DGRI HQ sees every office, validates its ADGs
        ("gz-mum", "NOSUCH", "CGST-MUM-E", 404),
        ("gz-mum", "DGCEI", "NOWHERE", 404),
        ("gz-mum", "DGRI", "CGST-MUM-E", 409),  # the office files no DGRI format
        ("dgcei-validator", "DGRI", "DRI-MZU", 403),
        ("dri-mzu", "DGRI", "DRI-MZU", 403),
    ],
)
def test_who_may_validate(app, call, user, owner, office, code):
    for case_user, case_office, formats in (
        ("cgst-mum-e", "CGST-MUM-E", CGST.formats),
        ("dri-mzu", "DRI-MZU", ("DRI-CUS-7", "DRI-CUS-3A")),
    ):
        for fmt in formats:
            file(call, case_user, fmt, case_office, JAN, DATA[fmt])
    assert call(user, "POST", f"/validations/{owner}/{office}/{JAN}").status_code == code
    assert "validated" not in set(statuses(app, "CGST-MUM-E", JAN).values()) | set(
        statuses(app, "DRI-MZU", JAN).values()
    )


# ------------------------------------------------------------------ corrections


def test_a_repeated_post_with_the_same_client_token_creates_one_request(app, call, since):
    file_all(call, CGST)
    numbers = [
        raise_(
            call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, CGST.change, client_token="tok-1"
        ).get_json()["number"]
        for _retry in range(3)
    ]
    assert len(set(numbers)) == 1 and count_corrections(app) == 1
    raised = [e for e in events(app, f"correction:{numbers[0]}", since) if e[0] == "correction-raised"]
    assert len(raised) == 1


@pytest.mark.parametrize(
    ("user", "body", "code"),
    [
        ("cgst-mum-e", {"justification": ""}, 409),
        ("cgst-mum-e", {"rows": {"_": {"RECEIPT_NO": "many"}}}, 422),
        ("cgst-mum-e", {"rows": {"_": {"RECEIPT_NO": "3"}}}, 422),  # the age check would fail
        ("cgst-mum-e", {"period": FEB}, 409),  # Feb was never filed
        ("cgst-mum-e", {"period": "2024-13"}, 400),
        ("cgst-mum-w", {}, 404),  # a sibling office
        ("cgst-del-n", {}, 404),
        ("gz-mum", {}, 403),  # its Zone sees the return but may not correct it
        ("dgcei-fo", {}, 403),  # the owner decides, it does not raise
        ("member-customs", {}, 403),
        ("dgicce", {}, 404),  # another owner does not even see DGCEI formats
    ],
)
def test_correction_refusals(app, call, user, body, code):
    file_all(call, CGST)
    before = stored(app, "GI-GST-2", "CGST-MUM-E", JAN)
    request = {"format": "GI-GST-2", "office": "CGST-MUM-E", "period": JAN, "rows": CGST.change}
    response = call(user, "POST", "/corrections", {**request, "justification": "typo", **body})
    assert response.status_code == code, response.get_json()
    if code == 422:
        assert all({"row", "column", "code", "message"} <= set(e) for e in response.get_json()["errors"])
    assert count_corrections(app) == 0 and stored(app, "GI-GST-2", "CGST-MUM-E", JAN) == before


def test_a_draft_cannot_be_corrected_and_a_second_request_waits_for_the_first(app, call):
    file(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, DATA["GI-GST-2"])
    assert raise_(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, CGST.change).status_code == 409
    for code in CGST.formats[1:]:
        file(call, "cgst-mum-e", code, "CGST-MUM-E", JAN, DATA[code])
    call("gz-mum", "POST", f"/validations/DGCEI/CGST-MUM-E/{JAN}")
    assert raise_(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, CGST.change).status_code == 201
    second = raise_(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, CGST.change, "again")
    assert second.status_code == 409 and "pending correction request" in second.get_json()["message"]


# `absent`: the answer for a request number that does not exist. API.md: 404 for absent (never
# revealing whether a number exists) — except the Board, whose role holds no write permission on
# the API at all (403 before any look-up).
@pytest.mark.parametrize(
    ("user", "code", "absent"),
    [
        ("cgst-mum-e", 403, 404),  # the office that raised it
        ("gz-mum", 403, 404),  # the Zone
        ("dgcei-validator", 403, 404),  # DGCEI's validator (Zone role) is not its Functional Owner
        ("member-customs", 403, 403),
        ("dgicce", 404, 404),  # another owner: not its format
        ("dgri-fo", 404, 404),
        ("cgst-del-n", 404, 404),
    ],
)
def test_only_the_formats_owner_approves_or_rejects(app, call, user, code, absent):
    file_all(call, CGST)
    number = raise_(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, CGST.change).get_json()["number"]
    before = stored(app, "GI-GST-2", "CGST-MUM-E", JAN)
    assert call(user, "POST", f"/corrections/{number}/approve").status_code == code
    assert call(user, "POST", f"/corrections/{number}/reject", {"reason": "no"}).status_code == code
    assert stored(app, "GI-GST-2", "CGST-MUM-E", JAN) == before
    assert call("dgcei-fo", "POST", f"/corrections/{number}/reject", {"reason": "no"}).status_code == 200
    assert call(user, "POST", "/corrections/999999/approve").status_code == absent


def test_reject_needs_a_reason_and_a_decided_request_stays_decided(app, call):
    file_all(call, CGST)
    number = raise_(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, CGST.change).get_json()["number"]
    before = stored(app, "GI-GST-2", "CGST-MUM-E", JAN)
    assert call("dgcei-fo", "POST", f"/corrections/{number}/reject", {"reason": "  "}).status_code == 409
    assert call("dgcei-fo", "POST", f"/corrections/{number}/reject").status_code == 409
    rejected = call("dgcei-fo", "POST", f"/corrections/{number}/reject", {"reason": "Register says 2"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert call("dgcei-fo", "POST", f"/corrections/{number}/approve").status_code == 409
    assert call("dgcei-fo", "POST", f"/corrections/{number}/reject", {"reason": "x"}).status_code == 409
    assert stored(app, "GI-GST-2", "CGST-MUM-E", JAN) == before
    # after a rejection the office may ask again
    assert raise_(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, CGST.change, "better").status_code == 201


def test_a_chain_of_months_is_corrected_together_and_later_drafts_follow(app, call):
    file_all(call, CGST)
    file_all(call, CGST, FEB, {**DATA, "GI-GST-2": GI2_FEB})
    march = {"_": {**GI2_FEB["_"], "LESS_THAN_2_NO": "6"}}  # opening 7 + 1 = 8
    assert put(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", MAR, march).status_code == 200
    body = {
        "format": "GI-GST-2",
        "office": "CGST-MUM-E",
        "justification": "two months mis-keyed",
        "months": [
            {"period": FEB, "rows": {"_": {"LESS_THAN_2_NO": "7", "RECEIPT_NO": "2"}}},  # opening 7 + 2 = 9
            {"period": JAN, "rows": CGST.change},  # closing 6 -> 7
        ],
    }
    raised = call("cgst-mum-e", "POST", "/corrections", body)
    assert raised.status_code == 201, raised.get_json()
    number = raised.get_json()["number"]
    assert call("dgcei-fo", "POST", f"/corrections/{number}/approve").status_code == 200
    assert cell(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, "_", "CLOSING_BALANCE_NO") == (7, 2)
    assert cell(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", FEB, "_", "OPENING_BALANCE_NO") == (7, 2)
    assert cell(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", FEB, "_", "CLOSING_BALANCE_NO") == (9, 2)
    opening, _ = cell(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", MAR, "_", "OPENING_BALANCE_NO")
    assert opening == 9 and stored(app, "GI-GST-2", "CGST-MUM-E", MAR)["_"]["OPENING_BALANCE_NO"] == 9
    gap = {**body, "months": [{"period": JAN, "rows": CGST.change}, {"period": MAR, "rows": march}]}
    assert call("cgst-mum-e", "POST", "/corrections", gap).status_code == 409


def test_status_lists_each_expected_return_within_the_callers_jurisdiction(app, call):
    file(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, DATA["GI-GST-2"])
    assert put(call, "cgst-mum-e", "GI-GST-4", "CGST-MUM-E", JAN, {}).status_code == 200
    for user, offices in (
        ("cgst-mum-e", {"CGST-MUM-E"}),
        ("gz-mum", {"CGST-MUM-E", "CGST-MUM-W", "LTU-MUM"}),
        ("dgcei-fo", {"CGST-MUM-E", "CGST-DEL-N", "DGGI-MZU"}),
        ("member-customs", {"CGST-MUM-E", "CGST-DEL-N", "DRI-MZU"}),
    ):
        result = call(user, "GET", f"/status?period={JAN}").get_json()["result"]
        seen = {s["office"] for s in result}
        assert offices <= seen, user
        if user == "cgst-mum-e":
            assert seen == offices
        if user == "gz-mum":
            assert not any(o.startswith(("CGST-DEL", "DRI", "DGGI")) for o in seen)
        if user == "dgcei-fo":
            assert {s["owner"] for s in result} == {"DGCEI"}
    mine = {
        s["format"]: s
        for s in call("cgst-mum-e", "GET", f"/status?period={JAN}&owner=DGCEI").get_json()["result"]
    }
    assert mine["GI-GST-2"]["status"] == "submitted" and mine["GI-GST-4"]["status"] == "draft"
    assert mine["GI-GST-5"]["status"] == "not started"
    deadline = {code: s["deadline_status"] for code, s in mine.items()}  # 15 Feb 2024 has passed
    assert deadline == {"GI-GST-2": "submitted late", "GI-GST-4": "not reported", "GI-GST-5": "not reported"}
    assert call("cgst-mum-e", "GET", "/status?period=Jan").status_code == 400


def test_status_comes_in_pages_when_asked_and_every_page_together_is_the_whole_list(app, call, client):
    whole = call("member-customs", "GET", f"/status?period={JAN}").get_json()
    assert whole["count"] == len(whole["result"]) > 5 and "next" not in whole
    seen, path = [], f"/status?period={JAN}&page_size=4"
    while path:
        page = call("member-customs", "GET", path).get_json()
        assert page["count"] == whole["count"] and page["page_size"] == 4 and len(page["result"]) <= 4
        seen += page["result"]
        path = page["next"] and page["next"].removeprefix(API)
    assert seen == whole["result"]
    past = call("member-customs", "GET", f"/status?period={JAN}&page=999&page_size=4").get_json()
    assert past["result"] == [] and past["next"] is None
    for bad in ("page=0", "page_size=0", "page_size=5000", "page=x"):
        assert call("member-customs", "GET", f"/status?period={JAN}&{bad}").status_code == 400, bad


def test_a_correction_of_free_rows_removes_and_adds_rows_exactly_as_requested(app, call):
    file_all(call, CGST, data={**DATA, "GI-GST-5": {"new-1": ARREST}})

    def names() -> dict:
        return {k: c["PERSON_NAME"] for k, c in stored(app, "GI-GST-5", "CGST-MUM-E", JAN).items()}

    def approve(rows: dict) -> None:
        number = raise_(call, "cgst-mum-e", "GI-GST-5", "CGST-MUM-E", JAN, rows).get_json()["number"]
        assert call("dgcei-fo", "POST", f"/corrections/{number}/approve").status_code == 200

    assert names() == {"R1": "Ravi Kumar"}
    approve({"R1": None, "new-1": {**ARREST, "PERSON_NAME": "Mohan Lal"}})  # wrong person: replace the row
    assert names() == {"R1": "Mohan Lal"}
    approve({"new-1": {**ARREST, "PERSON_NAME": "Third Person"}})  # a missed arrest: add a row
    assert names() == {"R1": "Mohan Lal", "R2": "Third Person"}
    approve({"new-1": {**ARREST, "PERSON_NAME": "Fourth Person"}})  # never overwrites an earlier addition
    assert names() == {"R1": "Mohan Lal", "R2": "Third Person", "R3": "Fourth Person"}
    approve({"R1": None, "R2": None, "R3": None})  # nothing to report after all
    assert names() == {}


def test_editing_a_draft_month_flags_a_later_month_already_validated(app, call):
    file_all(call, CGST)
    assert put(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", FEB, GI2_FEB).status_code == 200  # Feb: a draft
    march = {"_": {**GI2_FEB["_"], "LESS_THAN_2_NO": "6", "LESS_THAN_2_TAX": "108.00"}}  # opens on Feb's 7
    file_all(call, CGST, MAR, {**DATA, "GI-GST-2": march})  # the Zone validates March before February
    before = stored(app, "GI-GST-2", "CGST-MUM-E", MAR)
    later = {"_": {"RECEIPT_NO": "3", "LESS_THAN_2_NO": "7"}}  # Feb closing 7 -> 9
    assert put(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", FEB, later).status_code == 200
    assert stored(app, "GI-GST-2", "CGST-MUM-E", MAR) == before  # validated: never changed in place ...
    status = call("cgst-mum-e", "GET", f"/status?period={MAR}&owner=DGCEI").get_json()["result"]
    assert next(s for s in status if s["format"] == "GI-GST-2")["status"] == "validated"
    from app.definitions.months import Month
    from app.services.accounts.organisation import office_by_code
    from app.services.engine.grid import find_return

    with app.app_context():  # ... but flagged, so the office is told to correct it
        assert find_return("GI-GST-2", office_by_code("CGST-MUM-E"), Month.parse(MAR)).inconsistent


def test_a_correction_that_changes_nothing_is_refused(app, call):
    """No. 70: `"rows": {}` (or every figure as it stands) is not a correction."""
    file_all(call, CGST)
    same = {
        "_": {"RECEIPT_NO": cell(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, "_", "RECEIPT_NO")[0]}
    }
    for rows in ({}, same):
        response = raise_(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, rows)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["code"] == "nothing_to_correct"
        assert "changes no figure" in response.get_json()["message"]
    assert count_corrections(app) == 0
    assert raise_(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, CGST.change).status_code == 201
