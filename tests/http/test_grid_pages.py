"""The grid pages over real HTTP: fill, save, carry, cascade, refuse, and versions of formats.

Every test drives the Flask test client like a browser (login form, CSRF token from the
page, every input posted back) against a real database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), then checks both the page and what was stored.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from app.definitions.months import Month
from app.presenters.display import month_name
from tests.http.conftest import (
    ADJ2_FIRST_MONTH,
    count_returns,
    flashed,
    form_data,
    get_grid,
    grid_url,
    parse_grid,
    post_grid,
    return_header,
    save_grid,
    single,
    stored,
)

ADJ2 = "dpm_gst_adj_2"
OFFICE = "CGST-MUM-E"
CARRIED = ("OPENING_NO", "OPENING_AMT")
COMPUTED = ("DISPOSAL_TOTAL_NO", "DISPOSAL_TOTAL_AMT", "CLOSING_NO", "CLOSING_AMT")

# Jan 2024, the office's first month: opening entered once.
JAN = dict(ADJ2_FIRST_MONTH)
# Feb 2024: opening carried from Jan's closing (11, 500.25).
FEB = {
    "RECEIPT_NO": "2",
    "RECEIPT_AMT": "10.00",
    "DISPOSAL_REVENUE_NO": "1",
    "DISPOSAL_REVENUE_AMT": "5.00",
    "DISPOSAL_TAXPAYER_NO": "0",
    "DISPOSAL_TAXPAYER_AMT": "0",
    "AGE_UPTO_6M_NO": "6",
    "AGE_6_12M_NO": "4",
    "AGE_GT_1Y_NO": "2",
}


def _save_jan(client) -> None:
    save_grid(client, ADJ2, OFFICE, "2024-01", single(JAN))


def _save_feb(client) -> None:
    save_grid(client, ADJ2, OFFICE, "2024-02", single(FEB))


# ------------------------------------------------------------------ first month and carry


def test_first_month_opening_is_entered_once_and_closing_is_computed(app, office_client):
    page = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    assert page.version == 0
    assert "First month for this office: enter the opening balance." in page.text
    for code in CARRIED:
        assert ("_", code) in page.inputs, f"{code} must be enterable in the first month"
    for code in COMPUTED:
        assert ("_", code) not in page.inputs, f"computed {code} must not be an input"

    tampered = single({**JAN, "CLOSING_NO": "999", "CLOSING_AMT": "999.99", "DISPOSAL_TOTAL_NO": "77"})
    response = post_grid(office_client, ADJ2, OFFICE, "2024-01", tampered, page=page)
    assert response.status_code == 302

    cells = stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")["_"]
    assert cells["OPENING_NO"] == 10
    assert cells["OPENING_AMT"] == Decimal("500.00")
    assert cells["DISPOSAL_TOTAL_NO"] == 3
    assert cells["DISPOSAL_TOTAL_AMT"] == Decimal("120.25")
    assert cells["CLOSING_NO"] == 11  # 10 + 4 - 3, not the posted 999
    assert cells["CLOSING_AMT"] == Decimal("500.25")

    reloaded = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    assert reloaded.version == 1
    assert "Draft saved." in flashed(reloaded.html)
    assert reloaded.value("_", "RECEIPT_AMT") == "120.50"
    assert reloaded.value("_", "CLOSING_NO") == "11"
    assert reloaded.value("_", "CLOSING_AMT") == "500.25"
    assert reloaded.value("_", "OPENING_NO") == "10"
    # a draft of the first month keeps its opening editable: a mistyped opening can be fixed
    assert reloaded.inputs[("_", "OPENING_NO")] == "10"
    assert reloaded.inputs[("_", "OPENING_AMT")] == "500.00"
    assert 'id="mpr-status">draft<' in reloaded.html
    assert reloaded.messages == {}


def test_second_save_of_first_month_changes_the_opening(app, office_client):
    _save_jan(office_client)
    page = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    response = post_grid(office_client, ADJ2, OFFICE, "2024-01", single({"OPENING_NO": "50"}), page=page)
    assert response.status_code == 302
    cells = stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")["_"]
    assert cells["OPENING_NO"] == 50 and cells["CLOSING_NO"] == 51  # 50 + 4 - 3


def test_a_save_that_changes_no_entered_cell_keeps_the_version(app, office_client):
    _save_jan(office_client)
    page = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    assert page.version == 1
    again = post_grid(office_client, ADJ2, OFFICE, "2024-01", single({"RECEIPT_NO": "4"}), page=page)
    assert again.status_code == 302
    reloaded = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    assert reloaded.version == 1 and return_header(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")["version"] == 1
    assert "No figure changed, so nothing was saved" in flashed(reloaded.html)
    save_grid(office_client, ADJ2, OFFICE, "2024-01", single({"RECEIPT_NO": "5"}), page=reloaded)
    assert return_header(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")["version"] == 2


def test_a_refused_first_save_leaves_the_opening_editable(app, office_client):
    refused = post_grid(office_client, ADJ2, OFFICE, "2024-01", single({**JAN, "RECEIPT_NO": "four"}))
    assert refused.status_code == 422
    shown = parse_grid(refused)
    assert shown.inputs[("_", "OPENING_NO")] == "10"  # typed text comes back, still an input
    assert stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-01") is None
    page = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    assert ("_", "OPENING_NO") in page.inputs and ("_", "OPENING_AMT") in page.inputs
    save_grid(office_client, ADJ2, OFFICE, "2024-01", single({**JAN, "OPENING_NO": "12"}), page=page)
    assert stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")["_"]["OPENING_NO"] == 12


def test_next_month_opening_is_carried_and_not_editable(app, office_client):
    _save_jan(office_client)
    page = get_grid(office_client, ADJ2, OFFICE, "2024-02")
    assert "First month for this office" not in page.text
    assert page.value("_", "OPENING_NO") == "11"
    assert page.value("_", "OPENING_AMT") == "500.25"
    for code in CARRIED + COMPUTED:
        assert ("_", code) not in page.inputs
        assert f'name="cell|_|{code}"' not in page.html

    tampered = single({**FEB, "OPENING_NO": "99", "OPENING_AMT": "1.00", "CLOSING_NO": "5"})
    response = post_grid(office_client, ADJ2, OFFICE, "2024-02", tampered, page=page)
    assert response.status_code == 302

    cells = stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-02")["_"]
    assert cells["OPENING_NO"] == 11
    assert cells["OPENING_AMT"] == Decimal("500.25")
    assert cells["CLOSING_NO"] == 12  # 11 + 2 - 1
    assert cells["CLOSING_AMT"] == Decimal("505.25")
    reloaded = get_grid(office_client, ADJ2, OFFICE, "2024-02")
    assert reloaded.value("_", "OPENING_NO") == "11"
    assert reloaded.value("_", "CLOSING_AMT") == "505.25"


def test_saving_a_month_again_changes_the_opening_of_the_next_draft(app, office_client):
    _save_jan(office_client)
    _save_feb(office_client)
    feb_version = return_header(app, "DPM-GST-ADJ-2", OFFICE, "2024-02")["version"]

    save_grid(office_client, ADJ2, OFFICE, "2024-01", single({"RECEIPT_NO": "6", "RECEIPT_AMT": "130.50"}))

    assert stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")["_"]["CLOSING_NO"] == 13
    feb = stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-02")["_"]
    assert feb["OPENING_NO"] == 13
    assert feb["OPENING_AMT"] == Decimal("510.25")
    assert feb["CLOSING_NO"] == 14
    assert feb["CLOSING_AMT"] == Decimal("515.25")
    assert feb["RECEIPT_NO"] == 2  # what February entered is kept
    # February changed under anyone who has it open: their version is now stale
    assert return_header(app, "DPM-GST-ADJ-2", OFFICE, "2024-02")["version"] > feb_version

    page = get_grid(office_client, ADJ2, OFFICE, "2024-02")
    assert page.value("_", "OPENING_NO") == "13"
    assert page.value("_", "CLOSING_NO") == "14"
    # February's age break-up (12) no longer matches its closing (14): the check says so
    assert page.messages[("_", "AGE_UPTO_6M_NO")] == [
        "Sum of age-wise break-up must equal the closing balance (No.)"
    ]


def test_month_after_a_gap_is_refused(app, office_client):
    _save_jan(office_client)
    response = office_client.get(grid_url(ADJ2, OFFICE, "2024-03"))
    assert response.status_code == 302
    assert response.location.endswith("/mpr/?period=2024-03")
    index = office_client.get(response.location)
    assert "Fill February 2024 first: its closing balance is this month's opening." in flashed(
        index.get_data(as_text=True)
    )

    # posting straight to the closed month stores nothing either
    own = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    response = office_client.post(
        grid_url(ADJ2, OFFICE, "2024-03"),
        data={"csrf_token": own.csrf, "version": "0", "cell|_|RECEIPT_NO": "1", "cell|_|OPENING_NO": "1"},
    )
    assert response.status_code == 302
    assert stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-03") is None
    assert count_returns(app) == 1


@pytest.mark.parametrize("months_ahead", [0, 1])
def test_month_that_has_not_ended_is_refused(app, office_client, months_ahead):
    month = Month.of(dt.date.today()).shift(months_ahead)
    response = office_client.get(grid_url(ADJ2, OFFICE, str(month)))
    assert response.status_code == 302
    index = office_client.get(response.location)
    assert f"{month_name(month, locale='en')} has not ended yet; it cannot be filed." in flashed(
        index.get_data(as_text=True)
    )

    own = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    response = office_client.post(
        grid_url(ADJ2, OFFICE, str(month)),
        data={"csrf_token": own.csrf, "version": "0", "cell|_|RECEIPT_NO": "1"},
    )
    assert response.status_code == 302
    assert count_returns(app) == 0


def test_month_before_the_format_is_in_force_is_refused(office_client):
    response = office_client.get(grid_url(ADJ2, OFFICE, "2022-03"), follow_redirects=True)
    assert "DPM-GST-ADJ-2 is not in force for March 2022." in flashed(response.get_data(as_text=True))


# ------------------------------------------------------------------ conflicts and bad input


def test_stale_version_is_a_conflict_and_keeps_what_was_typed(app, office_client):
    _save_jan(office_client)
    stale = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    save_grid(office_client, ADJ2, OFFICE, "2024-01", single({"RECEIPT_NO": "5"}))  # someone else
    before = stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")

    response = post_grid(office_client, ADJ2, OFFICE, "2024-01", single({"RECEIPT_NO": "42"}), page=stale)

    assert response.status_code == 409
    page = parse_grid(response)
    assert "This return was saved by someone else" in flashed(page.html)
    assert "Your changes were not saved: reload the page, then enter them again." in flashed(page.html)
    assert page.inputs[("_", "RECEIPT_NO")] == "42"
    assert page.inputs[("_", "AGE_GT_1Y_NO")] == "2"
    assert page.version == 2  # the form now carries the current version
    assert stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-01") == before
    assert before["_"]["RECEIPT_NO"] == 5


def test_submit_from_a_stale_page_is_a_conflict_and_keeps_what_was_typed(app, office_client):
    _save_jan(office_client)
    stale = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    save_grid(office_client, ADJ2, OFFICE, "2024-01", single({"RECEIPT_NO": "5"}))  # someone else
    before = stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")

    response = office_client.post(
        grid_url(ADJ2, OFFICE, "2024-01") + "/submit", data=form_data(stale, single({"RECEIPT_NO": "42"}))
    )

    assert response.status_code == 409
    page = parse_grid(response)
    assert "This return was saved by someone else" in flashed(page.html)
    assert page.inputs[("_", "RECEIPT_NO")] == "42"
    assert page.version == 2
    assert stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-01") == before
    assert return_header(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")["status"] == "draft"


def test_the_address_of_a_refused_submit_opened_again_is_the_grid(app, office_client):
    response = office_client.get(grid_url(ADJ2, OFFICE, "2024-01") + "/submit")
    assert response.status_code == 302
    assert response.location.endswith(grid_url(ADJ2, OFFICE, "2024-01"))
    assert count_returns(app) == 0


def test_tampered_version_is_a_conflict(app, office_client):
    response = post_grid(office_client, ADJ2, OFFICE, "2024-01", single(JAN), version="abc")
    assert response.status_code == 409
    assert count_returns(app) == 0


@pytest.mark.parametrize(
    ("column", "typed", "message"),
    [
        ("RECEIPT_NO", "12a", "'12a' is not a whole number"),
        ("RECEIPT_NO", "2.5", "Enter a whole number (no decimals)"),
        ("RECEIPT_NO", "-1", "Must be at least 0"),
        ("RECEIPT_AMT", "1.234", "At most 2 decimal places"),
        ("RECEIPT_AMT", "lots", "'lots' is not a number"),
    ],
)
def test_bad_number_is_refused_at_its_cell_and_nothing_is_saved(app, office_client, column, typed, message):
    _save_jan(office_client)
    before = stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")
    version = return_header(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")["version"]

    cells = single({column: typed, "AGE_UPTO_6M_NO": "7"})  # a valid change in the same post
    response = post_grid(office_client, ADJ2, OFFICE, "2024-01", cells)

    assert response.status_code == 422
    page = parse_grid(response)
    assert page.messages == {("_", column): [message]}
    assert page.inputs[("_", column)] == typed  # the typed text is kept for correction
    assert page.inputs[("_", "AGE_UPTO_6M_NO")] == "7"  # the other typed change stays on screen ...
    assert "Not saved: 1 cell(s) need attention." in flashed(page.html)
    assert stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-01") == before  # ... but nothing was saved
    assert before["_"]["AGE_UPTO_6M_NO"] == 5
    assert return_header(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")["version"] == version


def test_bad_input_on_first_save_stores_no_return(app, office_client):
    response = post_grid(office_client, ADJ2, OFFICE, "2024-01", single({**JAN, "OPENING_NO": "ten"}))
    assert response.status_code == 422
    page = parse_grid(response)
    assert page.messages[("_", "OPENING_NO")] == ["'ten' is not a whole number"]
    assert page.inputs[("_", "OPENING_NO")] == "ten"
    assert page.inputs[("_", "RECEIPT_AMT")] == "120.50"  # what was typed is kept on screen
    assert count_returns(app) == 0


GI5 = "gi_gst_5"
ARREST = {
    "PERSON_NAME": "Ramesh Kumar",
    "PAN": "ABCDE1234F",
    "ARREST_DATE": "2024-01-10",
    "OFFENCE": "132(1)(b) - invoice without supply",
    "BAIL_STATUS": "Produced before Magistrate - judicial custody",
    "TAX_EVASION_AMT": "250.75",
}


@pytest.mark.parametrize(
    ("column", "typed", "message"),
    [
        ("ARREST_DATE", "2999-01-01", "The date cannot be in the future"),
        ("ARREST_DATE", "31/02/2024", "'31/02/2024' is not a date (dd-mm-yyyy)"),
        ("PAN", "abcde1234f", "Not in the expected form"),
        ("PERSON_NAME", "1st accused", "Not in the expected form"),
        ("PAN", "ABCDE1234FX", "At most 10 characters"),
        ("OFFENCE", "murder", "Choose one of: 132(1)(a) - supply without invoice, "),
    ],
)
def test_bad_cell_in_a_new_free_row_is_shown_there_and_nothing_is_saved(
    app, office_client, column, typed, message
):
    save_grid(office_client, GI5, OFFICE, "2024-01", {("new-1", c): v for c, v in ARREST.items()})
    before = stored(app, "GI-GST-5", OFFICE, "2024-01")

    second = {**ARREST, "PERSON_NAME": "Suresh Patil", column: typed}
    cells = {("R1", "TAX_EVASION_AMT"): "1.00"} | {("new-1", c): v for c, v in second.items()}
    response = post_grid(office_client, GI5, OFFICE, "2024-01", cells)

    assert response.status_code == 422
    page = parse_grid(response)
    # the new row comes back with everything typed into it and the message at the bad cell
    assert page.rows == ["R1", "new-1"]
    assert list(page.messages) == [("new-1", column)]  # one message, at the bad cell only
    [shown] = page.messages[("new-1", column)]
    assert shown.startswith(message)
    # a select cannot show a value that is not one of its choices
    assert page.inputs[("new-1", column)] == ("" if column == "OFFENCE" else typed)
    assert page.inputs[("new-1", "PERSON_NAME")] == second["PERSON_NAME"]
    assert page.inputs[("R1", "TAX_EVASION_AMT")] == "1.00"  # the user's other change is kept on screen
    assert stored(app, "GI-GST-5", OFFICE, "2024-01") == before
    assert before["R1"]["TAX_EVASION_AMT"] == Decimal("250.75")


def test_bad_cell_in_a_saved_free_row_is_shown_at_that_cell(app, office_client):
    save_grid(office_client, GI5, OFFICE, "2024-01", {("new-1", c): v for c, v in ARREST.items()})
    response = post_grid(office_client, GI5, OFFICE, "2024-01", {("R1", "ARREST_DATE"): "2999-12-31"})
    assert response.status_code == 422
    page = parse_grid(response)
    assert page.messages == {("R1", "ARREST_DATE"): ["The date cannot be in the future"]}
    assert page.inputs[("R1", "ARREST_DATE")] == "2999-12-31"
    assert stored(app, "GI-GST-5", OFFICE, "2024-01")["R1"]["ARREST_DATE"] == dt.date(2024, 1, 10)


def test_failing_checks_still_save_the_draft_and_show_at_the_cell(app, office_client):
    cells = single({**JAN, "DISPOSAL_REVENUE_NO": "20", "AGE_UPTO_6M_NO": "1", "AGE_6_12M_NO": "0"})
    save_grid(office_client, ADJ2, OFFICE, "2024-01", cells)

    saved = stored(app, "DPM-GST-ADJ-2", OFFICE, "2024-01")["_"]
    assert saved["CLOSING_NO"] == -7  # 10 + 4 - 21: a draft may be saved while checks fail
    page = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    assert page.messages[("_", "CLOSING_NO")] == ["Closing balance can not be negative"]
    age = ["Sum of age-wise break-up must equal the closing balance (No.)"]
    for code in ("AGE_UPTO_6M_NO", "AGE_6_12M_NO", "AGE_GT_1Y_NO"):
        assert page.messages[("_", code)] == age
    assert ("_", "RECEIPT_NO") not in page.messages


def test_blank_required_cells_are_flagged_after_a_save_not_before(app, office_client):
    page = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    assert page.messages == {}  # a grid nobody saved is not nagged
    save_grid(office_client, ADJ2, OFFICE, "2024-01", single({"RECEIPT_NO": "3"}), page=page)
    page = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    assert page.messages[("_", "RECEIPT_AMT")] == ["Required"]
    assert ("_", "RECEIPT_NO") not in page.messages
    assert ("_", "CLOSING_NO") not in page.messages  # computed cells are never "required"


def test_post_without_csrf_token_is_refused(app, office_client):
    page = get_grid(office_client, ADJ2, OFFICE, "2024-01")
    response = office_client.post(
        grid_url(ADJ2, OFFICE, "2024-01"), data={"version": "0", "cell|_|RECEIPT_NO": "1"}
    )
    assert response.status_code == 400
    response = post_grid(office_client, ADJ2, OFFICE, "2024-01", single(JAN), page=page, csrf="forged")
    assert response.status_code == 400
    assert count_returns(app) == 0


# ------------------------------------------------------------------ row kinds


def test_free_rows_are_added_saved_deleted_and_reloaded(app, office_client):
    page = get_grid(office_client, GI5, OFFICE, "2024-01")
    assert page.rows == []
    assert 'id="mpr-add-row"' in page.html
    second = {**ARREST, "PERSON_NAME": "Suresh Patil", "PAN": "PQRSX6789K", "TAX_EVASION_AMT": "99.50"}
    cells = {("new-1", c): v for c, v in ARREST.items()} | {("new-2", c): v for c, v in second.items()}
    save_grid(office_client, GI5, OFFICE, "2024-01", cells, page=page)

    rows = stored(app, "GI-GST-5", OFFICE, "2024-01")
    assert set(rows) == {"R1", "R2"}
    assert rows["R1"]["PERSON_NAME"] == "Ramesh Kumar"
    assert rows["R2"]["PERSON_NAME"] == "Suresh Patil"
    assert rows["R1"]["ARREST_DATE"] == dt.date(2024, 1, 10)
    assert rows["R2"]["GSTIN"] is None

    page = get_grid(office_client, GI5, OFFICE, "2024-01")
    assert page.rows == ["R1", "R2"]
    assert page.labels == {"R1": "Arrest 1", "R2": "Arrest 2"}
    assert page.inputs[("R2", "PAN")] == "PQRSX6789K"
    assert page.inputs[("R1", "OFFENCE")] == "132(1)(b) - invoice without supply"

    save_grid(office_client, GI5, OFFICE, "2024-01", {}, page=page, extra={"delete|R1": "1"})
    assert set(stored(app, "GI-GST-5", OFFICE, "2024-01")) == {"R2"}
    page = get_grid(office_client, GI5, OFFICE, "2024-01")
    assert page.rows == ["R2"]
    assert page.labels == {"R2": "Arrest 1"}
    assert page.inputs[("R2", "PERSON_NAME")] == "Suresh Patil"
    assert page.inputs[("R2", "TAX_EVASION_AMT")] == "99.50"

    # a new row after a deletion never reuses a key still in use
    save_grid(office_client, GI5, OFFICE, "2024-01", {("new-1", c): v for c, v in ARREST.items()})
    assert set(stored(app, "GI-GST-5", OFFICE, "2024-01")) == {"R2", "R3"}


def test_unknown_row_is_refused(app, office_client):
    response = post_grid(office_client, ADJ2, OFFICE, "2024-01", {("NOPE", "RECEIPT_NO"): "1"})
    assert response.status_code == 422
    assert "Not saved: There is no row 'NOPE'." in flashed(response.get_data(as_text=True))
    assert count_returns(app) == 0


def test_master_rows_come_from_the_master_list(app, office_client):
    page = get_grid(office_client, "dpm_gst_adj_3", OFFICE, "2024-01")
    assert page.rows == ["DEPT_APPEAL", "COURT_INJUNCTION", "BOARD_ORDER", "TOTAL"]
    assert (
        page.labels["COURT_INJUNCTION"]
        == "Injunction / stay issued by the Supreme Court / High Court / Tribunal"
    )
    assert page.labels["TOTAL"] == "Total"
    assert page.totals == {"TOTAL"}
    assert "AUDIT_OBJECTION" not in page.html  # rescinded in 2016 ("until"), not shown in 2024

    cells = {}
    for key, (opening, receipt) in {
        "DEPT_APPEAL": (3, 1),
        "COURT_INJUNCTION": (2, 2),
        "BOARD_ORDER": (1, 0),
    }.items():
        cells |= {
            (key, "ADC_OPENING_NO"): opening,
            (key, "ADC_RECEIPT_NO"): receipt,
            (key, "ADC_DISPOSAL_NO"): 1,
        }
    save_grid(office_client, "dpm_gst_adj_3", OFFICE, "2024-01", cells, page=page)
    page = get_grid(office_client, "dpm_gst_adj_3", OFFICE, "2024-01")
    assert page.value("DEPT_APPEAL", "ADC_CLOSING_NO") == "3"
    assert page.value("TOTAL", "ADC_OPENING_NO") == "6"
    assert page.value("TOTAL", "ADC_CLOSING_NO") == "6"  # 6 + 3 - 3
    assert not any(key == "TOTAL" for key, _ in page.inputs)


def test_totals_are_summed_and_a_percent_is_recomputed_not_summed(app, office_client):
    slug = "dpm_gst_adj_1"
    page = get_grid(office_client, slug, OFFICE, "2024-01")
    assert "ADC.COMMISSIONERATE" in page.rows
    assert {"ADC.TOTAL", "DC.TOTAL", "TOTAL"} <= page.totals
    assert "OIO_PCT" in page.columns
    cells = {
        ("ADC.COMMISSIONERATE", "DISPOSAL_NO"): "2",
        ("ADC.COMMISSIONERATE", "OIO_NO"): "1",  # 50 %
        ("ADC.AUDIT", "DISPOSAL_NO"): "4",
        ("ADC.AUDIT", "OIO_NO"): "3",  # 75 %
        ("DC.AUDIT", "DISPOSAL_NO"): "3",
        ("DC.AUDIT", "OIO_NO"): "1",  # 33.33 %
        ("ADC.COMMISSIONERATE", "OPENING_AMT"): "10.10",
        ("DC.AUDIT", "OPENING_AMT"): "0.20",
        ("ADC.COMMISSIONERATE", "OIO_PCT"): "99",  # computed: ignored
    }
    save_grid(office_client, slug, OFFICE, "2024-01", cells, page=page)
    page = get_grid(office_client, slug, OFFICE, "2024-01")

    assert page.value("ADC.COMMISSIONERATE", "OIO_PCT") == "50.00"
    assert page.value("ADC.AUDIT", "OIO_PCT") == "75.00"
    assert page.value("DC.AUDIT", "OIO_PCT") == "33.33"
    assert page.value("ADC.TOTAL", "DISPOSAL_NO") == "6"
    assert page.value("ADC.TOTAL", "OIO_NO") == "4"
    assert page.value("ADC.TOTAL", "OIO_PCT") == "66.67"  # 4 / 6, not 50 + 75
    assert page.value("TOTAL", "DISPOSAL_NO") == "9"
    assert page.value("TOTAL", "OIO_PCT") == "55.56"  # 5 / 9
    assert page.value("TOTAL", "OPENING_AMT") == "10.30"
    assert page.value("DC.TOTAL", "OIO_PCT") == "33.33"
    assert page.value("ADC.INVESTIGATION", "OIO_PCT") == ""  # nothing entered: blank, not 0
    assert stored(app, "DPM-GST-ADJ-1", OFFICE, "2024-01")["ADC.COMMISSIONERATE"]["OIO_PCT"] == Decimal(
        "50.00"
    )


# ------------------------------------------------------------------ versions of formats


def test_column_group_appears_from_its_month_dri_cus_7(app, login_as):
    client = login_as("dri-mzu")
    before = get_grid(client, "dri_cus_7", "DRI-MZU", "2017-12")
    after = get_grid(client, "dri_cus_7", "DRI-MZU", "2018-01")
    assert "RDG_R_DUTY" not in before.columns
    assert "Recovery by way of disposal of goods" not in before.html
    assert "TOTAL_RECOVERY" in before.columns and "TOTAL_RECOVERY_2018" not in before.columns
    assert "RDG_R_DUTY" in after.columns
    assert "Recovery by way of disposal of goods" in after.html
    assert "TOTAL_RECOVERY_2018" in after.columns and "TOTAL_RECOVERY" not in after.columns

    amounts = {"DUTY_DUTY": "1.00", "DURING_DUTY": "2.00", "FINE_DUTY": "3.00", "PENALTY_DUTY": "4.00"}
    amounts |= {"INTEREST_DUTY": "5.00", "DBK_D_DUTY": "6.00", "DBK_R_DUTY": "7.00"}
    # RDG_R_DUTY posted for Dec 2017 is not in force there: it is ignored, not stored
    save_grid(client, "dri_cus_7", "DRI-MZU", "2017-12", single({**amounts, "RDG_R_DUTY": "100.00"}))
    save_grid(client, "dri_cus_7", "DRI-MZU", "2018-01", single({**amounts, "RDG_R_DUTY": "100.00"}))
    dec = stored(app, "DRI-CUS-7", "DRI-MZU", "2017-12")["_"]
    jan = stored(app, "DRI-CUS-7", "DRI-MZU", "2018-01")["_"]
    assert dec["TOTAL_RECOVERY"] == Decimal("28.00")
    assert dec["RDG_R_DUTY"] is None
    assert jan["TOTAL_RECOVERY_2018"] == Decimal("128.00")
    assert get_grid(client, "dri_cus_7", "DRI-MZU", "2018-01").value("_", "TOTAL_RECOVERY_2018") == "128.00"


def test_column_appears_from_its_month_ddm_cus_1_igst_refund(login_as):
    client = login_as("mum-nch-imp1")
    before = get_grid(client, "ddm_cus_1", "MUM-NCH-IMP1", "2017-06")
    after = get_grid(client, "ddm_cus_1", "MUM-NCH-IMP1", "2017-07")
    assert "IGST_REFUND" not in before.columns
    assert ("_", "IGST_REFUND") not in before.inputs
    assert "IGST_REFUND" in after.columns
    assert ("_", "IGST_REFUND") in after.inputs
    assert before.columns == [c for c in after.columns if c != "IGST_REFUND"]


def test_replacement_format_takes_over_from_its_month(app, login_as):
    client = login_as("mum-nch-imp1")

    def listed(period: str) -> set[str]:
        html = client.get(f"/mpr/?period={period}").get_data(as_text=True)
        return {code for code in ("DDM-CUS-1", "DDM-CUS-1A") if f'data-format="{code}"' in html}

    assert listed("2018-03") == {"DDM-CUS-1"}
    assert listed("2018-04") == {"DDM-CUS-1A"}

    # The YAML gives neither DDM-CUS-1 nor DDM-CUS-1A a carried column, so the first
    # month of the replacement opens on its own, whether or not March was filed.
    response = client.get(grid_url("ddm_cus_1", "MUM-NCH-IMP1", "2018-04"), follow_redirects=True)
    assert "DDM-CUS-1 is not in force for April 2018." in flashed(response.get_data(as_text=True))
    april = get_grid(client, "ddm_cus_1a", "MUM-NCH-IMP1", "2018-04")
    assert "First month for this office" not in april.text
    assert ("_", "CUSTOM_DUTY_NONGST_POL") in april.inputs
    save_grid(client, "ddm_cus_1", "MUM-NCH-IMP1", "2018-03", single({"REVENUE_POL": "12.00"}))
    save_grid(client, "ddm_cus_1a", "MUM-NCH-IMP1", "2018-04", single({"CUSTOM_DUTY_NONGST_POL": "3.00"}))
    assert stored(app, "DDM-CUS-1", "MUM-NCH-IMP1", "2018-03")["_"]["TOTAL_GROSS"] == Decimal("12.00")
    assert stored(app, "DDM-CUS-1A", "MUM-NCH-IMP1", "2018-04")["_"]["TOTAL_GROSS"] == Decimal("3.00")
    assert listed("2018-03") == {"DDM-CUS-1"}


def test_index_lists_the_offices_formats_with_status(app, office_client):
    _save_jan(office_client)
    html = office_client.get("/mpr/?period=2024-01").get_data(as_text=True)
    assert 'data-format="DPM-GST-ADJ-2"' in html
    assert 'data-format="DDM-CUS-1A"' not in html  # a customs format: not filed by a CGST office
    assert 'data-format="DGA-GST-ADT-2"' not in html  # audit commissionerates only
    row = html.split('data-format="DPM-GST-ADJ-2"', 1)[1].split("</tr>", 1)[0]
    assert "mpr-status-draft" in row
    assert grid_url(ADJ2, OFFICE, "2024-01") in row


@pytest.mark.parametrize(
    ("username", "office", "code"),
    [("dri-mzu", "DRI-MZU", "DRI-CUS-7"), ("dggi-mzu", "DGGI-MZU", "GI-GST-5")],
)
def test_an_adg_unit_fills_its_formats(app, login_as, username, office, code):
    # DG zonal units have no commissionerate "function": `functions:` must not shut them out
    client = login_as(username)
    html = client.get("/mpr/?period=2024-01").get_data(as_text=True)
    row = html.split(f'data-format="{code}"', 1)[1].split("</tr>", 1)[0]
    link = re.search(r'<a class="btn btn-xs ([\w-]+)"[^>]*>\s*(\w+)', row)
    assert link and link.groups() == ("btn-primary", "Fill")
    slug = code.lower().replace("-", "_")
    page = get_grid(client, slug, office, "2024-01")
    assert page.inputs or 'id="mpr-add-row"' in page.html
    assert 'id="mpr-save"' in page.html


def test_a_result_too_large_to_store_is_shown_at_the_computed_cell(app, office_client):
    cells = {("ADC.AUDIT", "OIO_NO"): "200000000", ("ADC.AUDIT", "DISPOSAL_NO"): "1"}
    response = post_grid(office_client, "dpm_gst_adj_1", OFFICE, "2024-01", cells)
    assert response.status_code == 422
    page = parse_grid(response)
    assert page.messages == {("ADC.AUDIT", "OIO_PCT"): ["The result is too large to store"]}
    assert page.inputs[("ADC.AUDIT", "OIO_NO")] == "200000000"
    assert count_returns(app) == 0


def test_row_group_labels_stand_beside_their_rows_when_the_format_says_so(office_client):
    """DPM-GST-ADJ-1 (`groups: beside`): each authority spans its four categories and its subtotal."""
    html = office_client.get(grid_url("dpm_gst_adj_1", OFFICE, "2024-01")).get_data(as_text=True)
    sides = re.findall(r'<th scope="rowgroup" rowspan="(\d+)" class="mpr-rowgroup-side">([^<]+)</th>', html)
    assert sides == [("5", "ADC/JC"), ("5", "DC/AC"), ("5", "Superintendent")]
    assert 'class="mpr-rowgroup"' not in html  # no heading rows above the groups
    assert re.search(r'<th rowspan="\d+" colspan="2" scope="col" class="mpr-rowhead">', html)
    subtotal = re.search(r'<tr data-row="ADC.TOTAL".*?<th scope="row"[^>]*>([^<]+)</th>', html, re.S)
    assert subtotal.group(1) == "Total"
    grand = re.search(r'<tr data-row="TOTAL".*?<th scope="row"[^>]*colspan="2"[^>]*>([^<]+)</th>', html, re.S)
    assert grand.group(1) == "Grand total"
