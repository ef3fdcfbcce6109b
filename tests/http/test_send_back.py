"""Sending a submitted return back to its office with remarks (API and pages).

Only the validating unit may; only a submitted return can be sent back; the remarks are
kept and shown at the return, at the cells and on the office's to-do list; submitting
again clears them, and the history keeps them.
"""

from __future__ import annotations

import re

import pytest

from tests.http.conftest import get_grid
from tests.http.test_cycle import (
    CGST,
    DATA,
    DGRI,
    JAN,
    audit_mark,
    events,
    follow,
    post_form,
    refusal_page,
    signed_in,
    statuses,
    submit_page,
    validate_page,
)
from tests.http.test_cycle_api import API, file

REMARK_CELL = {"row": "_", "column": "RECEIPT_NO", "remark": "Receipts do not match the register (3 cases)"}
SEND_BACK = {"remarks": "Please re-check the receipts", "cells": [REMARK_CELL]}


@pytest.fixture
def since(app) -> int:
    """The latest audit event id when the test started."""
    return audit_mark(app)


@pytest.fixture
def call(client, api_token):
    """call(user, method, path, body) -> response, with a JWT per user (cached)."""
    tokens: dict[str, dict] = {}

    def _call(user: str, method: str, url: str, body: dict | None = None):
        if user not in tokens:
            tokens[user] = api_token(user)
        return client.open(f"{API}{url}", method=method, headers=tokens[user], json=body or {})

    return _call


def cell_html(page: str, row: str, column: str) -> str:
    """The <td> of one cell of a rendered grid."""
    tr = re.search(rf'<tr data-row="{re.escape(row)}".*?</tr>', page, re.S).group(0)
    return re.search(rf'<td data-col="{re.escape(column)}".*?</td>', tr, re.S).group(0)


def path(code: str, office: str, period: str = JAN) -> str:
    return f"/returns/{code}/{office}/{period}"


@pytest.mark.parametrize("case", [CGST, DGRI], ids=lambda c: c.name)
def test_the_validating_unit_sends_back_and_resubmission_clears_the_remarks(app, call, case, since):
    code, (row, column, _old, _new) = case.corrected, case.changed_cell
    file(call, case.office_user, code, case.office, JAN, DATA[code])
    body = {"remarks": "Please re-check", "cells": [{"row": row, "column": column, "remark": "Wrong"}]}
    response = call(case.zone_user, "POST", path(code, case.office) + "/send-back", body)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["status"] == "draft"
    assert answer["sent_back"]["remarks"] == "Please re-check"
    assert answer["sent_back"]["cells"] == [{"row": row, "column": column, "remark": "Wrong"}]
    shown = call(case.office_user, "GET", path(code, case.office)).get_json()
    assert shown["status"] == "draft" and shown["sent_back"]["by"] == case.zone_user
    assert statuses(app, case.office, JAN)[code] == "draft"
    again = call(case.zone_user, "POST", path(code, case.office) + "/send-back", body)
    assert again.status_code == 409 and "only a submitted return" in again.get_json()["message"]

    resubmitted = call(case.office_user, "POST", path(code, case.office) + "/submit")
    assert resubmitted.status_code == 200, resubmitted.get_json()
    assert call(case.office_user, "GET", path(code, case.office)).get_json()["sent_back"] is None
    actions = [a for a, _who, _why in events(app, f"return:{code}:{case.office}:{JAN}", since)]
    assert actions[-3:] == ["send-back", "submit", "remarks-cleared"]


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("cgst-mum-e", 403),  # the office itself
        ("gz-del", 404),  # another Zone
        ("dgcei-validator", 403),  # DGCEI HQ sees its own formats everywhere, validates only its ADGs
        ("dgcei-fo", 403),  # the format's owner sees the return but does not validate
        ("member-customs", 403),  # the Board
    ],
)
def test_only_the_validating_unit_may_send_back(app, call, user, status):
    file(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, DATA["GI-GST-2"])
    response = call(user, "POST", path("GI-GST-2", "CGST-MUM-E") + "/send-back", SEND_BACK)
    assert response.status_code == status, response.get_json()
    assert statuses(app, "CGST-MUM-E", JAN)["GI-GST-2"] == "submitted"
    assert call("cgst-mum-e", "GET", path("GI-GST-2", "CGST-MUM-E")).get_json()["sent_back"] is None


def test_only_a_submitted_return_and_only_cells_that_exist(app, call):
    draft = call("cgst-mum-e", "GET", path("GI-GST-2", "CGST-MUM-E")).get_json()["version"]
    call("cgst-mum-e", "PUT", path("GI-GST-2", "CGST-MUM-E"), {"version": draft, "rows": DATA["GI-GST-2"]})
    refused = call("gz-mum", "POST", path("GI-GST-2", "CGST-MUM-E") + "/send-back", SEND_BACK)
    assert refused.status_code == 409 and "it is draft" in refused.get_json()["message"]
    call("cgst-mum-e", "POST", path("GI-GST-2", "CGST-MUM-E") + "/submit")
    bad = {
        "remarks": " ",
        "cells": [
            {"row": "NO_SUCH_ROW", "column": "RECEIPT_NO", "remark": "x"},
            {"row": "_", "column": "NO_SUCH_COLUMN", "remark": "x"},
            {"row": "_", "column": "SCN_NO", "remark": ""},
        ],
    }
    response = call("gz-mum", "POST", path("GI-GST-2", "CGST-MUM-E") + "/send-back", bad)
    assert response.status_code == 422
    codes = [(e["row"], e["column"], e["code"]) for e in response.get_json()["errors"]]
    assert codes == [
        ("", "", "required"),
        ("NO_SUCH_ROW", "RECEIPT_NO", "unknown_row"),
        ("_", "NO_SUCH_COLUMN", "unknown_column"),
        ("_", "SCN_NO", "required"),
    ]
    assert statuses(app, "CGST-MUM-E", JAN)["GI-GST-2"] == "submitted"  # nothing happened


def send_back_page(zone, code: str, office: str, remarks: str, cell: tuple[str, str, str] | None = None):
    """Open the send-back page from the validation page's link and send the return back."""
    url = f"/mpr/validation/{code}/{office}/{JAN}/send-back"
    assert url in zone.get(f"/mpr/validation/?period={JAN}").get_data(as_text=True)
    form = zone.get(url)
    assert form.status_code == 200, form.get_data(as_text=True)[:500]
    data = {"remarks": remarks}
    if cell:
        data.update(row_1=cell[0], column_1=cell[1], remark_1=cell[2])
    return post_form(zone, url, data)


def test_a_return_sent_back_through_the_pages_shows_the_remarks_to_the_office(app, since):
    office, zone = signed_in(app, "cgst-mum-e"), signed_in(app, "gz-mum")
    for code in CGST.formats:
        follow(office, submit_page(office, code, "CGST-MUM-E", JAN, DATA[code]))
    remark = ("_", "RECEIPT_NO", "Receipts: the register shows 3")
    message = follow(zone, send_back_page(zone, "GI-GST-2", "CGST-MUM-E", "Re-check receipts", remark))
    assert "GI-GST-2 of CGST-MUM-E for January 2024 sent back" in message
    listing = zone.get(f"/mpr/validation/?period={JAN}").get_data(as_text=True)
    assert "mpr-sent-back" in listing
    refused = refusal_page(validate_page(zone, "DGCEI", "CGST-MUM-E", JAN))  # no Validate button offered
    assert "Not every DGCEI format is submitted" in refused

    home = office.get("/").get_data(as_text=True)
    assert "mpr-todo-sent-back" in home and "sent back by gz-mum: Re-check receipts" in home
    grid = get_grid(office, "gi_gst_2", "CGST-MUM-E", JAN)
    assert 'id="mpr-remarks"' in grid.html
    assert "Receipts: the register shows 3" in grid.html
    assert "Receipt during the month — No.:" in grid.html  # the cell named in words
    cell = cell_html(grid.html, "_", "RECEIPT_NO")
    assert "mpr-has-remark" in cell and "the register shows 3" in cell
    assert grid.inputs[("_", "RECEIPT_NO")] == DATA["GI-GST-2"]["_"]["RECEIPT_NO"]  # editable again

    fixed = {"_": {**DATA["GI-GST-2"]["_"], "RECEIPT_NO": "3", "LESS_THAN_2_NO": "5"}}
    assert "submitted" in follow(office, submit_page(office, "GI-GST-2", "CGST-MUM-E", JAN, fixed))
    grid = get_grid(office, "gi_gst_2", "CGST-MUM-E", JAN)
    assert 'id="mpr-remarks"' not in grid.html and "mpr-has-remark" not in grid.html
    assert "mpr-todo-sent-back" not in office.get("/").get_data(as_text=True)
    assert "Validated" in follow(zone, validate_page(zone, "DGCEI", "CGST-MUM-E", JAN))
    history = office.get("/mpr/f/gi_gst_2/CGST-MUM-E/2024-01/history").get_data(as_text=True)
    assert "Re-check receipts" in history and "Receipts: the register shows 3" in history


def test_the_send_back_page_is_the_validating_units_only(app):
    office = signed_in(app, "cgst-mum-e")
    follow(office, submit_page(office, "GI-GST-2", "CGST-MUM-E", JAN, DATA["GI-GST-2"]))
    url = f"/mpr/validation/GI-GST-2/CGST-MUM-E/{JAN}/send-back"
    assert office.get(url).status_code == 403
    assert signed_in(app, "gz-del").get(url).status_code == 404
    refused = post_form(signed_in(app, "gz-del"), url, {"remarks": "x"})
    assert refused.status_code == 404
    assert statuses(app, "CGST-MUM-E", JAN)["GI-GST-2"] == "submitted"


def test_the_office_that_submitted_hears_of_the_send_back_in_its_mailbox_and_by_e_mail(app, call):
    from sqlalchemy import select

    from app.extensions import db
    from app.models.messaging import OutboxItem

    file(call, "cgst-mum-e", "GI-GST-2", "CGST-MUM-E", JAN, DATA["GI-GST-2"])
    assert call("gz-mum", "POST", path("GI-GST-2", "CGST-MUM-E") + "/send-back", SEND_BACK).status_code == 200
    inbox = call("cgst-mum-e", "GET", "/messages?unread=1").get_json()["result"]
    notice = next(m for m in inbox if "GI-GST-2" in m["subject"] and "sent back" in m["subject"])
    assert "Please re-check the receipts" in notice["body"]
    assert REMARK_CELL["remark"] in notice["body"]
    assert all(
        "sent back" not in m["subject"] for m in call("cgst-mum-w", "GET", "/messages").get_json()["result"]
    )
    with app.app_context():
        subjects = db.session.execute(select(OutboxItem.subject)).scalars().all()
    assert any("GI-GST-2" in s and "sent back" in s for s in subjects)
