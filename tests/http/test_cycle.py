"""The monthly cycle through the pages: fill, submit, validate per owner, correct, approve or reject.

Both pairs of MISSION.md run the same script: a Commissionerate and its Zone (CGST-MUM-E,
GZ-MUM, DGCEI formats) and a DGRI ADG unit and DGRI (DRI-MZU, DGRI HQ, DGRI formats).
The data and helpers at the top are shared by the other cycle test modules.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.definitions.months import Month
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.corrections import CorrectionRequest
from app.models.returns import MprReturn
from app.services import audit
from app.services.accounts.organisation import office_by_code
from tests.conftest import csrf_token
from tests.http.conftest import flashed, get_grid, grid_url, hidden_fields, parse_grid, stored

JAN, FEB, MAR = "2024-01", "2024-02", "2024-03"


def words(text: str) -> list[str]:
    return text.split()


def typed(text: str) -> dict[str, str]:
    """'A=1 B=2.50' -> {'A': '1', 'B': '2.50'}: cells as a user types them."""
    return dict(pair.split("=") for pair in text.split())


GI4_ROWS = words(
    "AE_1_NO AE_2_NO INSPECTION_PERMISES_NO SEARCHES_NO INSPECTION_GOODS_NO SUMMONS_NO SEIZUR67_GOODS "
    "SEIZUR67_VEHICLES SEIZUR67_CURRENCY SEIZUR129_GOODS SEIZUR129_VEHICLES ATTACHMENT_GOODS "
    "ATTACHMENT_PROPERTY ATTACHMENT_ACCOUNT_NO INCIDENT"
)
DRI3A_ROWS = [
    f"{side}_{item}" for side in ("IMPORT", "EXPORT") for item in words("GOLD NARCO FICN WILD ODS IPR OTHERS")
]
ZERO_GI2 = "VOLUNTARY_NO=0 VOLUNTARY_TAX=0 MERIT_NO=0 MERIT_TAX=0 TRANSFER_NO=0 TRANSFER_TAX=0 "

DRI3A_CELLS = (
    "OPENING_NOC=3 OPENING_DUTY=30.00 RECEIPT_NOC=1 RECEIPT_DUTY=5.00 DISPOSAL_NOC=1 DISPOSAL_DUTY=2.00"
)
DRI3A_CELLS += " PENDING_2Y_NOC=1"

# Jan 2024 is every office's first month: carried openings are entered once.
DATA = {
    "GI-GST-2": {  # closing 6 cases, 105.00
        "_": typed(
            ZERO_GI2
            + "OPENING_BALANCE_NO=5 OPENING_BALANCE_TAX=100.00 RECEIPT_NO=2 RECEIPT_TAX=10.00 SCN_NO=1 "
            "SCN_TAX=5.00 LESS_THAN_2_NO=4 MORE_THAN_2_NO=2 LESS_THAN_2_TAX=100.00 MORE_THAN_2_TAX=5.00"
        )
    },
    "GI-GST-4": {key: {"FOR_MONTH": str(i)} for i, key in enumerate(GI4_ROWS)},
    "GI-GST-5": {},  # free rows: no arrest this month is a valid "nothing to report"
    "DRI-CUS-7": {
        "_": typed(
            "DUTY_DUTY=10.00 DURING_DUTY=2.00 FINE_DUTY=1.00 PENALTY_DUTY=0.50 INTEREST_DUTY=0.25 "
            "DBK_D_DUTY=0 DBK_R_DUTY=0 RDG_R_DUTY=0"
        )
    },
    "DRI-CUS-3A": {key: typed(DRI3A_CELLS) for key in DRI3A_ROWS},
}
ARREST = {  # one row of GI-GST-5 (arrests)
    "PERSON_NAME": "Ravi Kumar",
    "PAN": "ABCDE1234F",
    "ARREST_DATE": "2024-01-15",
    "OFFENCE": "132(1)(a) - supply without invoice",
    "BAIL_STATUS": "Released on bail by the arresting officer (s.69(3)(a))",
    "TAX_EVASION_AMT": "5.00",
}
# Feb 2024 of GI-GST-2: opening carried from Jan's closing (6, 105.00); closing 7, 109.00.
GI2_FEB = {
    "_": typed(
        ZERO_GI2 + "RECEIPT_NO=1 RECEIPT_TAX=4.00 SCN_NO=0 SCN_TAX=0 LESS_THAN_2_NO=5 MORE_THAN_2_NO=2 "
        "LESS_THAN_2_TAX=104.00 MORE_THAN_2_TAX=5.00"
    )
}


@dataclass(frozen=True)
class Case:
    """One entering office, the office that validates it, and the owner of its formats."""

    name: str
    office: str
    office_user: str
    zone_user: str
    other_zone_user: str  # a validator with no jurisdiction over the office
    owner: str
    owner_user: str
    formats: tuple[str, ...]
    corrected: str  # the format the correction targets
    change: dict  # the corrected cells
    changed_cell: tuple[str, str, str, str]  # row, column, old shown value, new shown value


CGST = Case(
    "commissionerate-zone",
    "CGST-MUM-E",
    "cgst-mum-e",
    "gz-mum",
    "gz-del",
    "DGCEI",
    "dgcei-fo",
    ("GI-GST-2", "GI-GST-4", "GI-GST-5"),
    "GI-GST-2",
    {"_": {"RECEIPT_NO": "3", "LESS_THAN_2_NO": "5"}},  # closing 6 -> 7
    ("_", "RECEIPT_NO", "2", "3"),
)
DGRI = Case(
    "adg-dgri",
    "DRI-MZU",
    "dri-mzu",
    "dgri-validator",
    "dgcei-validator",
    "DGRI",
    "dgri-fo",
    ("DRI-CUS-7", "DRI-CUS-3A"),
    "DRI-CUS-7",
    {"_": {"DUTY_DUTY": "12.50"}},
    ("_", "DUTY_DUTY", "10.00", "12.50"),
)
CASES = pytest.mark.parametrize("case", [CGST, DGRI], ids=lambda c: c.name)


def slug(code: str) -> str:
    """The URL slug of a format."""
    return code.lower().replace("-", "_")


def cells_of(rows: dict) -> dict:
    """API-style rows as the form's {(row, column): value}."""
    return {(row, col): value for row, cells in rows.items() for col, value in cells.items()}


def signed_in(app, username: str):
    """A fresh test client logged in through the login form."""
    client = app.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    response = client.post(
        "/login/",
        data={"username": username, "password": app.config["MPR_DEMO_PASSWORD"], "csrf_token": token},
    )
    assert response.status_code == 302, f"login of {username} failed"
    return client


def follow(client, response) -> str:
    """The flashed messages of the page a POST redirected to."""
    assert response.status_code == 302, flashed(response.get_data(as_text=True))
    return flashed(client.get(response.location).get_data(as_text=True))


def refusal_page(response) -> str:
    """The text of the page a refused POST answers with when its page offers no such form."""
    assert response.status_code in (409, 422), response.status_code
    return html.unescape(response.get_data(as_text=True))


def post_form(client, url: str, data: dict | None = None, on: str | None = None):
    """POST like a form of the app: the hidden fields of the form on page `on` that posts to `url`
    (else only the session's CSRF token), then `data`."""
    fields = hidden_fields(client, on, url) if on is not None else None
    if fields is not None:
        return client.post(url, data={**fields, **(data or {})})
    token = csrf_token(client.get("/account/password").get_data(as_text=True))  # a request crafted by hand
    return client.post(url, data={**(data or {}), "csrf_token": token})


def decide_form(client, number: int, decision: str, data: dict | None = None):
    """Press Approve or Reject on the correction request's page."""
    return post_form(client, f"/mpr/corrections/{number}/{decision}", data, on=f"/mpr/corrections/{number}")


def submit_page(client, code: str, office: str, period: str, rows: dict):
    """Fill the grid and press "Save and submit"."""
    page = get_grid(client, slug(code), office, period)
    data = {f"cell|{r}|{c}": v for (r, c), v in page.inputs.items()}
    data.update({f"cell|{r}|{c}": v for (r, c), v in cells_of(rows).items()})
    data.update(page.hidden)  # version, CSRF token, where a refusal goes back to
    return client.post(grid_url(slug(code), office, period) + "/submit", data=data)


def validate_page(client, owner: str, office: str, period: str):
    """Press "Validate <owner>" on the validation page."""
    url = f"/mpr/validation/{owner}/{office}/{period}"
    return post_form(client, url, on=url)  # the confirmation page's form


def correction_form(
    client, code: str, office: str, period: str, rows: dict, why: str, token: str | None = None
):
    """Open the correction form, change `rows`, give a justification and send it."""
    response = client.get(grid_url(slug(code), office, period) + "/correct")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = parse_grid(response)
    data = {f"cell|{r}|{c}": v for (r, c), v in page.inputs.items()}
    data.update({f"cell|{r}|{c}": v for (r, c), v in cells_of(rows).items()})
    data.update(justification=why, csrf_token=page.csrf, request_token=token or page.hidden["request_token"])
    return client.post(grid_url(slug(code), office, period) + "/correct", data=data)


def correction_number(message: str) -> int:
    """The running number in "Correction request No. N sent ..."."""
    match = re.search(r"Correction request No\. (\d+) sent", message)
    assert match, message
    return int(match.group(1))


def statuses(app, office: str, period: str) -> dict[str, str]:
    """{format: status} of an office's returns for a month."""
    with app.app_context():
        found = db.session.execute(
            select(MprReturn).where(
                MprReturn.office_id == office_by_code(office).id,
                MprReturn.period == Month.parse(period).first_day,
            )
        ).scalars()
        return {ret.format_code: ret.status for ret in found}


def audit_mark(app) -> int:
    """The id of the latest audit event (ids grow across every chain; `seq` counts within one chain)."""
    with app.app_context():
        return db.session.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one()


@pytest.fixture
def since(app) -> int:
    """The latest audit event id when the test started."""
    return audit_mark(app)


def events(app, key: str, since: int = 0) -> list[tuple[str, str, str | None]]:
    """(action, actor, reason) of every audit event about `key` after `since`, oldest first."""
    with app.app_context():
        return [(e.action, e.actor, e.reason) for e in audit.history(key) if e.id > since]


def count_corrections(app) -> int:
    """How many correction requests exist."""
    with app.app_context():
        return db.session.execute(select(func.count(CorrectionRequest.id))).scalar_one()


def file_and_validate(app, case: Case, period: str = JAN, data: dict | None = None) -> None:
    """Through the pages: the office submits every format of the owner; the validator validates."""
    office = signed_in(app, case.office_user)
    for code in case.formats:
        response = submit_page(office, code, case.office, period, (data or DATA)[code])
        assert "submitted" in follow(office, response)
    zone = signed_in(app, case.zone_user)
    assert "Validated" in follow(zone, validate_page(zone, case.owner, case.office, period))
    assert set(statuses(app, case.office, period).values()) == {"validated"}


# ------------------------------------------------------------------ the whole cycle


@CASES
def test_whole_cycle_through_the_pages(app, since, case):
    office, zone, owner = (signed_in(app, u) for u in (case.office_user, case.zone_user, case.owner_user))
    *first, last = case.formats
    for code in first:
        message = follow(office, submit_page(office, code, case.office, JAN, DATA[code]))
        assert f"{code} for January 2024 submitted" in message
        page = get_grid(office, slug(code), case.office, JAN)
        assert "Temporary report" in page.text and 'id="mpr-status">submitted<' in page.html
    # the validator cannot validate the owner's set while one format is missing
    index = zone.get(f"/mpr/validation/?period={JAN}").get_data(as_text=True)
    assert f'data-office="{case.office}"' in index and f"{len(first)}/{len(case.formats)} submitted" in index
    message = refusal_page(validate_page(zone, case.owner, case.office, JAN))  # no Validate button offered
    assert f"Not every {case.owner} format is submitted" in message and f"Missing: {last}" in message
    assert set(statuses(app, case.office, JAN).values()) == {"submitted"}
    assert follow(office, submit_page(office, last, case.office, JAN, DATA[last]))
    message = follow(zone, validate_page(zone, case.owner, case.office, JAN))
    assert (
        f"Validated {len(case.formats)} {case.owner} format(s) of {case.office} for January 2024" in message
    )
    assert statuses(app, case.office, JAN) == dict.fromkeys(case.formats, "validated")

    # validated: read-only for everyone, even the office; a correction request instead
    code, (row, col, old, new) = case.corrected, case.changed_cell
    page = get_grid(office, slug(code), case.office, JAN)
    assert page.inputs == {} and 'id="mpr-correct"' in page.html and page.value(row, col) == old
    before = stored(app, code, case.office, JAN)
    number = correction_number(
        follow(office, correction_form(office, code, case.office, JAN, case.change, "typo"))
    )
    assert stored(app, code, case.office, JAN) == before  # nothing changes before approval

    # the owner sees old and new side by side and approves
    shown = owner.get(f"/mpr/corrections/{number}").get_data(as_text=True)
    assert f'data-row="{row}" data-col="{col}"' in shown and 'id="mpr-approve"' in shown
    assert "Justification:</strong> typo" in shown
    message = follow(owner, decide_form(owner, number, "approve"))
    assert f"Correction request No. {number} approved" in message

    for viewer in (office, zone, owner, signed_in(app, "member-customs")):
        page = get_grid(viewer, slug(code), case.office, JAN)
        assert page.value(row, col) == new
        assert 'class="label label-warning mpr-amended">Amended</span> (revision 2)' in page.html
    history = office.get(grid_url(slug(code), case.office, JAN) + "/history").get_data(as_text=True)
    assert "Revision 1</a>" in history and "<strong>Revision 2</strong> — current" in history
    actions = [a for a, _who, _why in events(app, f"return:{code}:{case.office}:{JAN}", since)]
    assert actions == ["save", "submit", "validate", "correction-applied"]
    for label in ("Saved", "Submitted", "Validated", "Correction applied"):  # events in words
        assert f"<td>{label}</td>" in history
    assert f"correction No. {number}" in history
    kept = office.get(grid_url(slug(code), case.office, JAN) + "/revision/1")
    assert kept.status_code == 200
    old_page = parse_grid(kept)
    assert old_page.value(row, col) == old and old_page.inputs == {} and "Revision 1:" in old_page.text


# ------------------------------------------------------------------ validation


@CASES
def test_only_the_jurisdictional_validator_validates(app, since, case):
    office = signed_in(app, case.office_user)
    for code in case.formats:
        follow(office, submit_page(office, code, case.office, JAN, DATA[code]))
    refusals = {
        case.other_zone_user: 404,  # a validator elsewhere: outside its jurisdiction
        case.office_user: 403,  # offices never validate, not even their own returns
        case.owner_user: 403,  # nor the owner
        "member-customs": 403,  # nor the Board
    }
    for user, code in refusals.items():
        response = validate_page(signed_in(app, user), case.owner, case.office, JAN)
        assert response.status_code == code, user
    assert set(statuses(app, case.office, JAN).values()) == {"submitted"}
    assert "validate" not in [
        a for a, _, _ in events(app, f"return:{case.formats[0]}:{case.office}:{JAN}", since)
    ]


def test_revalidating_is_refused_and_records_nothing_twice(app, since):
    file_and_validate(app, CGST)
    zone = signed_in(app, "gz-mum")
    message = refusal_page(validate_page(zone, "DGCEI", "CGST-MUM-E", JAN))
    assert "already validated" in message
    for code in CGST.formats:
        assert [a for a, _, _ in events(app, f"return:{code}:CGST-MUM-E:{JAN}", since)].count("validate") == 1


def test_validated_return_is_never_edited_in_place(app):
    file_and_validate(app, CGST)
    office = signed_in(app, "cgst-mum-e")
    before = stored(app, "GI-GST-2", "CGST-MUM-E", JAN)
    version = get_grid(office, "gi_gst_2", "CGST-MUM-E", JAN).version
    data = {"cell|_|RECEIPT_NO": "9", "version": str(version)}
    saved = post_form(office, grid_url("gi_gst_2", "CGST-MUM-E", JAN), data)
    assert saved.status_code == 409 and "raise a correction request" in flashed(saved.get_data(as_text=True))
    resubmitted = submit_page(office, "GI-GST-2", "CGST-MUM-E", JAN, {"_": {"RECEIPT_NO": "9"}})
    assert resubmitted.status_code == 409  # as the save: the grid again, with the reason
    assert "is validated; raise a correction request" in flashed(resubmitted.get_data(as_text=True))
    assert stored(app, "GI-GST-2", "CGST-MUM-E", JAN) == before
    assert statuses(app, "CGST-MUM-E", JAN)["GI-GST-2"] == "validated"


def test_submitted_return_may_be_corrected_by_the_office_and_falls_back_to_draft_if_it_fails(app):
    office = signed_in(app, "cgst-mum-e")
    follow(office, submit_page(office, "GI-GST-2", "CGST-MUM-E", JAN, DATA["GI-GST-2"]))
    page = get_grid(office, "gi_gst_2", "CGST-MUM-E", JAN)
    assert "You may still correct it" in page.text and ("_", "RECEIPT_NO") in page.inputs
    # a change that still passes every check keeps it submitted
    ok = {"cell|_|RECEIPT_NO": "3", "cell|_|LESS_THAN_2_NO": "5", "version": str(page.version)}
    follow(office, post_form(office, grid_url("gi_gst_2", "CGST-MUM-E", JAN), ok))
    assert statuses(app, "CGST-MUM-E", JAN)["GI-GST-2"] == "submitted"
    # one that breaks a check sends it back to draft, so it is never validated failing
    page = get_grid(office, "gi_gst_2", "CGST-MUM-E", JAN)
    bad = {"cell|_|RECEIPT_NO": "4", "version": str(page.version)}
    follow(office, post_form(office, grid_url("gi_gst_2", "CGST-MUM-E", JAN), bad))
    assert statuses(app, "CGST-MUM-E", JAN)["GI-GST-2"] == "draft"
    refused = submit_page(office, "GI-GST-2", "CGST-MUM-E", JAN, {})
    assert refused.status_code == 422
    assert "Sum of age-wise break-up must equal the closing balance" in refused.get_data(as_text=True)


# ------------------------------------------------------------------ corrections


def test_double_post_of_a_correction_creates_one_request(app):
    file_and_validate(app, CGST)
    office = signed_in(app, "cgst-mum-e")
    numbers = [
        correction_number(
            follow(
                office, correction_form(office, "GI-GST-2", "CGST-MUM-E", JAN, CGST.change, "typo", "once")
            )
        )
        for _click in range(2)
    ]
    assert numbers[0] == numbers[1]
    assert count_corrections(app) == 1


def test_a_correction_needs_a_justification_complete_figures_and_no_other_pending_request(app):
    file_and_validate(app, CGST)
    office = signed_in(app, "cgst-mum-e")
    blank = correction_form(office, "GI-GST-2", "CGST-MUM-E", JAN, CGST.change, "   ")
    assert blank.status_code == 422 and "justification is required" in flashed(blank.get_data(as_text=True))
    failing = correction_form(office, "GI-GST-2", "CGST-MUM-E", JAN, {"_": {"RECEIPT_NO": "3"}}, "typo")
    assert failing.status_code == 422
    assert parse_grid(failing).messages  # the failing check is shown at its cell
    assert count_corrections(app) == 0
    follow(office, correction_form(office, "GI-GST-2", "CGST-MUM-E", JAN, CGST.change, "typo"))
    second = correction_form(office, "GI-GST-2", "CGST-MUM-E", JAN, CGST.change, "again")
    assert second.status_code == 422 and "already has a pending correction request" in second.get_data(
        as_text=True
    )
    assert count_corrections(app) == 1


def test_rejection_needs_a_reason_and_keeps_the_validated_figures(app):
    file_and_validate(app, CGST)
    office, owner = signed_in(app, "cgst-mum-e"), signed_in(app, "dgcei-fo")
    before = stored(app, "GI-GST-2", "CGST-MUM-E", JAN)
    number = correction_number(
        follow(office, correction_form(office, "GI-GST-2", "CGST-MUM-E", JAN, CGST.change, "x"))
    )
    show = f"/mpr/corrections/{number}"
    assert "reason is required" in follow(owner, decide_form(owner, number, "reject", {"reason": " "}))
    assert 'id="mpr-correction-status">pending<' in owner.get(show).get_data(as_text=True)
    message = follow(
        owner, decide_form(owner, number, "reject", {"reason": "Figures agree with the register"})
    )
    assert f"No. {number} rejected" in message
    assert stored(app, "GI-GST-2", "CGST-MUM-E", JAN) == before
    listing = office.get("/mpr/corrections/").get_data(as_text=True)
    assert "Figures agree with the register" in listing
    assert "already rejected" in refusal_page(decide_form(owner, number, "approve"))
    assert stored(app, "GI-GST-2", "CGST-MUM-E", JAN) == before


@pytest.mark.parametrize(
    ("user", "code"),
    [
        ("cgst-mum-e", 403),
        ("gz-mum", 403),
        ("dgcei-validator", 403),
        ("dgicce", 404),
        ("member-customs", 403),
    ],
)
def test_only_the_owner_decides_a_correction(app, user, code):
    file_and_validate(app, CGST)
    office = signed_in(app, "cgst-mum-e")
    number = correction_number(
        follow(office, correction_form(office, "GI-GST-2", "CGST-MUM-E", JAN, CGST.change, "x"))
    )
    client = signed_in(app, user)
    for action in ("approve", "reject"):
        response = post_form(client, f"/mpr/corrections/{number}/{action}", {"reason": "no"})
        assert response.status_code == code, (user, action)
    owner = signed_in(app, "dgcei-fo")
    assert 'id="mpr-correction-status">pending<' in owner.get(f"/mpr/corrections/{number}").get_data(
        as_text=True
    )


def test_a_correction_moves_later_drafts_and_flags_later_validated_months(app, since):
    file_and_validate(app, CGST)
    office, owner = signed_in(app, "cgst-mum-e"), signed_in(app, "dgcei-fo")
    follow(
        office, submit_page(office, "GI-GST-2", "CGST-MUM-E", FEB, GI2_FEB)
    )  # Feb submitted, not validated

    def approve(period: str, change: dict) -> None:
        raised = correction_form(office, "GI-GST-2", "CGST-MUM-E", period, change, "register re-checked")
        number = correction_number(follow(office, raised))
        assert "approved" in follow(owner, decide_form(owner, number, "approve"))

    approve(JAN, CGST.change)  # Jan closing 6 -> 7
    feb = get_grid(office, "gi_gst_2", "CGST-MUM-E", FEB)
    assert feb.value("_", "OPENING_BALANCE_NO") == "7"  # the submitted month followed ...
    assert statuses(app, "CGST-MUM-E", FEB)["GI-GST-2"] == "draft"  # ... and its age check now fails
    assert "carry-forward" in [a for a, _, _ in events(app, f"return:GI-GST-2:CGST-MUM-E:{FEB}", since)]

    fixed = {"_": {"LESS_THAN_2_NO": "6"}}  # 7 + 1 = 8 = 6 + 2
    feb_data = {**DATA, "GI-GST-2": fixed}
    for code in CGST.formats:  # Feb: GI-GST-2 fixed and resubmitted, the others filed for the first time
        follow(office, submit_page(office, code, "CGST-MUM-E", FEB, feb_data[code]))
    follow(office, validate_page(signed_in(app, "gz-mum"), "DGCEI", "CGST-MUM-E", FEB))
    assert set(statuses(app, "CGST-MUM-E", FEB).values()) == {"validated"}

    approve(JAN, {"_": {"RECEIPT_NO": "2", "LESS_THAN_2_NO": "4"}})  # Jan back to closing 6
    feb = get_grid(office, "gi_gst_2", "CGST-MUM-E", FEB)
    assert feb.value("_", "OPENING_BALANCE_NO") == "7"  # validated: never changed in place ...
    assert "mpr-inconsistent" in feb.html  # ... but flagged, never silently wrong
    assert "flagged-inconsistent" in [
        a for a, _, _ in events(app, f"return:GI-GST-2:CGST-MUM-E:{FEB}", since)
    ]

    approve(FEB, {"_": {"LESS_THAN_2_NO": "5"}})  # Feb corrected: opening 6, closing 7
    feb = get_grid(office, "gi_gst_2", "CGST-MUM-E", FEB)
    assert feb.value("_", "OPENING_BALANCE_NO") == "6" and "mpr-inconsistent" not in feb.html
    assert stored(app, "GI-GST-2", "CGST-MUM-E", FEB)["_"]["CLOSING_BALANCE_NO"] == 7


def test_the_owner_sees_a_row_that_a_correction_adds(app):
    file_and_validate(app, CGST)
    office = signed_in(app, "cgst-mum-e")
    raised = correction_form(office, "GI-GST-5", "CGST-MUM-E", JAN, {"new-1": ARREST}, "an arrest was missed")
    number = correction_number(follow(office, raised))
    shown = signed_in(app, "dgcei-fo").get(f"/mpr/corrections/{number}").get_data(as_text=True)
    assert "Ravi Kumar" in shown and "ABCDE1234F" in shown


def test_an_incomplete_return_is_refused_with_the_number_of_cells_to_look_at(app):
    office = signed_in(app, "cgst-mum-e")
    rows = {"_": {"OPENING_BALANCE_NO": "5", "OPENING_BALANCE_TAX": "100.00", "RECEIPT_NO": ""}}
    refused = submit_page(office, "GI-GST-2", "CGST-MUM-E", JAN, rows)
    page = parse_grid(refused)
    marked = {cell for cell, texts in page.messages.items() if texts}
    assert refused.status_code == 422 and marked
    assert f"{len(marked)} cell(s) need attention, each marked in the grid." in flashed(page.html)
    assert statuses(app, "CGST-MUM-E", JAN)["GI-GST-2"] == "draft"
