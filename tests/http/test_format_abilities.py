"""What each caller may do with each format (issue 7 e, h): the formats page and the API say it.

A format the office does not file says so instead of opening an empty grid; a handed-in
return is offered for viewing, not filling.
"""

from __future__ import annotations

import re

from tests.http.conftest import flashed
from tests.http.test_cycle import DATA, JAN, follow, signed_in, submit_page


def _index_row(client, code: str, office: str | None = None) -> str:
    query = f"/mpr/?period={JAN}" + (f"&office={office}" if office else "")
    html = client.get(query).get_data(as_text=True)
    return html.split(f'data-format="{code}"', 1)[1].split("</tr>", 1)[0]


def _may(row: str) -> str:
    return re.search(r'data-may="([^"]*)"', row).group(1)


def _link(row: str) -> str:
    return re.search(r'<a class="btn btn-xs [\w-]+"[^>]*>\s*(\w+)', row).group(1)


def test_the_formats_page_says_what_each_role_may_do(app):
    office = signed_in(app, "cgst-mum-e")
    row = _index_row(office, "GI-GST-2")
    assert _may(row) == "enter read" and "enter, read" in row and _link(row) == "Fill"
    zone = _index_row(signed_in(app, "gz-mum"), "GI-GST-2", "CGST-MUM-E")
    assert _may(zone) == "validate read" and "Figures not yet shown to you" in zone  # not submitted yet
    owner = _index_row(signed_in(app, "dgcei-fo"), "GI-GST-2", "CGST-MUM-E")
    assert _may(owner) == "own read" and "own (decide corrections)" in owner
    board = _index_row(signed_in(app, "member-customs"), "GI-GST-2", "CGST-MUM-E")
    assert _may(board) == "read"


def test_a_submitted_return_is_offered_for_viewing_not_filling(app):
    office = signed_in(app, "cgst-mum-e")
    assert "submitted" in follow(office, submit_page(office, "GI-GST-2", "CGST-MUM-E", JAN, DATA["GI-GST-2"]))
    assert _link(_index_row(office, "GI-GST-2")) == "View"
    assert _link(_index_row(office, "GI-GST-4")) == "Fill"


def test_the_formats_api_says_what_the_caller_may_do(app, client, api_token):
    def may(username: str) -> dict[str, list[str]]:
        response = client.get(f"/api/v1/mpr/formats?period={JAN}", headers=api_token(username))
        assert response.status_code == 200
        return {f["code"]: f["may"] for f in response.get_json()["result"]}

    office = may("cgst-mum-e")
    assert office["GI-GST-2"] == ["enter", "read"] and office["DPM-GST-ADJ-2"] == ["enter", "read"]
    assert all(found == ["read"] for code, found in office.items() if code.startswith("DRI-"))
    assert may("gz-mum")["GI-GST-2"] == ["validate", "read"]
    assert may("dgri-validator")["DRI-CUS-7"] == ["validate", "read"]
    owner = may("dgcei-fo")
    assert owner["GI-GST-2"] == ["own", "read"]
    assert may("member-customs")["GI-GST-2"] == ["read"]


def test_a_format_the_office_does_not_file_says_so(app, client, api_token):
    office = signed_in(app, "cgst-mum-e")
    response = office.get(f"/mpr/f/dri_cus_7/CGST-MUM-E/{JAN}")
    assert response.status_code == 302
    message = flashed(office.get(response.location).get_data(as_text=True))
    assert "CGST-MUM-E does not file DRI-CUS-7" in message and "no return is expected" in message
    api = client.get(f"/api/v1/mpr/returns/DRI-CUS-7/CGST-MUM-E/{JAN}", headers=api_token("cgst-mum-e"))
    assert api.status_code == 409 and "does not file DRI-CUS-7" in api.get_json()["message"]


def test_dg_units_are_told_that_dgri_validates_not_your_zone(app):
    unit = signed_in(app, "dri-mzu")
    message = follow(unit, submit_page(unit, "DRI-CUS-7", "DRI-MZU", JAN, DATA["DRI-CUS-7"]))
    assert "DRI-CUS-7 for January 2024 submitted. DGRI can validate it" in message and "Zone" not in message
    page = unit.get(f"/mpr/f/dri_cus_7/DRI-MZU/{JAN}").get_data(as_text=True)
    assert "You may still correct it until DGRI validates it." in page and "your Zone" not in page

    office = signed_in(app, "cgst-mum-e")
    message = follow(office, submit_page(office, "GI-GST-2", "CGST-MUM-E", JAN, DATA["GI-GST-2"]))
    assert "submitted. Your Zone (GZ-MUM) can validate it" in message
