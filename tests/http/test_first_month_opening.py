"""An office's first month: the opening balance is typed by hand until the return is submitted.

Issue 7 (a): the opening stays editable through every draft save (a refused save included),
is fixed for good at submission (a later change is refused, never silently ignored), and
can be changed again only through a correction of that month.
"""

from __future__ import annotations

from tests.http.conftest import get_grid, stored
from tests.http.test_cycle import (
    CGST,
    DATA,
    JAN,
    correction_form,
    correction_number,
    decide_form,
    file_and_validate,
    follow,
    signed_in,
    slug,
    submit_page,
)

GI2 = "GI-GST-2"
OFFICE = "CGST-MUM-E"
RETURN = f"/api/v1/mpr/returns/{GI2}/{OFFICE}/{JAN}"


def test_a_refused_submission_leaves_the_opening_editable(app):
    office = signed_in(app, "cgst-mum-e")
    failing = {"_": {**DATA[GI2]["_"], "LESS_THAN_2_NO": "9"}}  # break-up no longer sums to the closing
    refused = submit_page(office, GI2, OFFICE, JAN, failing)
    assert refused.status_code == 422
    page = get_grid(office, slug(GI2), OFFICE, JAN)
    assert page.inputs[("_", "OPENING_BALANCE_NO")] == "5"  # the draft was kept, the opening not locked
    assert "First month for this office" in page.text
    corrected = {"_": {**DATA[GI2]["_"], "OPENING_BALANCE_NO": "10", "LESS_THAN_2_NO": "9"}}
    assert "submitted" in follow(office, submit_page(office, GI2, OFFICE, JAN, corrected))
    assert stored(app, GI2, OFFICE, JAN)["_"]["OPENING_BALANCE_NO"] == 10


def test_a_submitted_first_month_refuses_a_changed_opening_instead_of_ignoring_it(app, client, api_token):
    office = signed_in(app, "cgst-mum-e")
    assert "submitted" in follow(office, submit_page(office, GI2, OFFICE, JAN, DATA[GI2]))
    page = get_grid(office, slug(GI2), OFFICE, JAN)
    assert ("_", "OPENING_BALANCE_NO") not in page.inputs  # fixed at submission
    assert "First month for this office" not in page.text

    headers = api_token("cgst-mum-e")
    version = client.get(RETURN, headers=headers).get_json()["version"]
    changed = client.put(
        RETURN, headers=headers, json={"version": version, "rows": {"_": {"OPENING_BALANCE_NO": 9}}}
    )
    assert changed.status_code == 422
    (error,) = changed.get_json()["errors"]
    assert (error["row"], error["column"], error["code"]) == ("_", "OPENING_BALANCE_NO", "opening_fixed")
    assert stored(app, GI2, OFFICE, JAN)["_"]["OPENING_BALANCE_NO"] == 5

    same = client.put(
        RETURN, headers=headers, json={"version": version, "rows": {"_": {"OPENING_BALANCE_NO": 5}}}
    )
    assert same.status_code == 200  # sending back the value it holds is no change


def test_a_correction_of_the_first_month_may_change_its_opening(app):
    file_and_validate(app, CGST)
    office = signed_in(app, "cgst-mum-e")
    form = office.get(f"/mpr/f/{slug(GI2)}/{OFFICE}/{JAN}/correct").get_data(as_text=True)
    assert 'name="cell|_|OPENING_BALANCE_NO"' in form
    change = {"_": {"OPENING_BALANCE_NO": "6", "LESS_THAN_2_NO": "5"}}  # closing 6 -> 7
    number = correction_number(
        follow(office, correction_form(office, GI2, OFFICE, JAN, change, "opening mistyped"))
    )
    owner = signed_in(app, CGST.owner_user)
    assert "approved" in follow(owner, decide_form(owner, number, "approve")).lower()
    cells = stored(app, GI2, OFFICE, JAN)["_"]
    assert cells["OPENING_BALANCE_NO"] == 6 and cells["CLOSING_BALANCE_NO"] == 7
