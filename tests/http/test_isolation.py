"""Jurisdiction: nobody sees or touches what is outside their jurisdiction, by any path.

The table below reads like the privilege table of MISSION.md:

| Purpose              | Who                                                              |
|----------------------|------------------------------------------------------------------|
| Enter / save a return| the office that enters it, no one else (not even its Zone)       |
| See a return         | the office, its Zone, the FO of the format, Board users          |
| Reports              | Divisions / Ranges only from a notified date                      |

Status codes: pages answer 403 when the role may not do this at all (FAB's
has_access), 404 when the office is outside the user's jurisdiction; the API
answers as API.md says. Every refused request must also leave the database untouched.
"""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.http.conftest import ADJ2_FIRST_MONTH, count_returns, get_grid

PERIOD = "2024-01"
ADJ2 = "/mpr/f/dpm_gst_adj_2"
CUS1A = "/mpr/f/ddm_cus_1a"
API = "/api/v1/mpr/returns"

FORM = {"version": "0", "cell|_|RECEIPT_NO": "1", "cell|_|OPENING_NO": "3"}
BODY = {"version": 0, "rows": {"_": {"RECEIPT_NO": 1, "OPENING_NO": 3}}}
DRI_BODY = {"version": 0, "rows": {"_": {"DUTY_DUTY": "1.50"}}}

PRIVILEGES = [
    # --- enter data: the entering office itself, and nobody else -----------------------
    ("cgst-mum-e", "POST", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 302),  # saved, back to the grid
    ("cgst-mum-e", "PUT", f"{API}/DPM-GST-ADJ-2/CGST-MUM-E/{PERIOD}", 200),
    ("dri-mzu", "PUT", f"{API}/DRI-CUS-7/DRI-MZU/{PERIOD}", 200),  # an ADG enters like an office
    ("cgst-mum-e", "POST", f"{ADJ2}/CGST-DEL-N/{PERIOD}", 404),  # another zone's office
    ("cgst-mum-e", "PUT", f"{API}/DPM-GST-ADJ-2/CGST-DEL-N/{PERIOD}", 404),
    ("cgst-mum-w", "POST", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 404),  # a sibling in the same zone
    ("cgst-mum-w", "PUT", f"{API}/DPM-GST-ADJ-2/CGST-MUM-E/{PERIOD}", 404),
    ("gz-mum", "POST", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 403),  # not even its Zone
    ("gz-mum", "PUT", f"{API}/DPM-GST-ADJ-2/CGST-MUM-E/{PERIOD}", 403),
    ("gz-mum", "POST", f"{ADJ2}/CGST-DEL-N/{PERIOD}", 403),
    ("dgicce", "POST", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 403),  # nor the format's owner
    ("dgicce", "PUT", f"{API}/DPM-GST-ADJ-2/CGST-MUM-E/{PERIOD}", 403),
    ("member-customs", "POST", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 403),  # nor the Board
    ("member-customs", "PUT", f"{API}/DPM-GST-ADJ-2/CGST-MUM-E/{PERIOD}", 403),
    ("cgst-mum-w-d2", "POST", f"{ADJ2}/CGST-MUM-W/{PERIOD}", 403),  # nor its Division
    ("admin", "POST", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 404),  # administrators never enter data
    ("cgst-mum-e", "POST", f"{CUS1A}/CGST-MUM-E/{PERIOD}", 404),  # a format it does not file
    ("dri-mzu", "POST", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 404),
    # --- see a return: the office, its Zone, the format's FO, the Board ------------------
    # (nobody has saved these returns: the others see their status, not figures: 403)
    ("cgst-mum-e", "GET", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 200),
    ("cgst-mum-e", "GET", f"{ADJ2}/CGST-DEL-N/{PERIOD}", 404),
    ("cgst-mum-e", "GET", f"{API}/DPM-GST-ADJ-2/CGST-DEL-N/{PERIOD}", 404),
    ("cgst-mum-e", "GET", f"{ADJ2}/CGST-MUM-W/{PERIOD}", 404),
    ("cgst-mum-e", "GET", f"{ADJ2}/GZ-MUM/{PERIOD}", 404),  # not even its own Zone's page
    ("gz-mum", "GET", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 403),
    ("gz-mum", "GET", f"{API}/DPM-GST-ADJ-2/CGST-MUM-E/{PERIOD}", 403),
    ("gz-mum", "GET", f"{ADJ2}/CGST-DEL-N/{PERIOD}", 404),
    ("gz-mum", "GET", f"{API}/DPM-GST-ADJ-2/CGST-DEL-N/{PERIOD}", 404),
    ("gz-del", "GET", f"{ADJ2}/CGST-DEL-N/{PERIOD}", 403),
    ("gz-del", "GET", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 404),
    ("dgicce", "GET", f"{ADJ2}/CGST-DEL-N/{PERIOD}", 403),  # the FO sees its formats everywhere
    ("dgicce", "GET", f"{API}/DPM-GST-ADJ-2/CGST-MUM-E/{PERIOD}", 403),
    ("ddm", "GET", f"{CUS1A}/MUM-NCH-IMP1/{PERIOD}", 403),
    ("ddm", "GET", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 403),  # ... but only its own formats
    ("ddm", "GET", f"{API}/DPM-GST-ADJ-2/CGST-MUM-E/{PERIOD}", 404),
    ("member-customs", "GET", f"{ADJ2}/CGST-DEL-N/{PERIOD}", 403),
    ("member-customs", "GET", f"{API}/DPM-GST-ADJ-2/CGST-MUM-E/{PERIOD}", 403),
    ("cgst-mum-w-d2", "GET", f"{ADJ2}/CGST-MUM-W/{PERIOD}", 404),  # Division: nothing (no date set)
    ("cgst-mum-w-d2-r1", "GET", f"{ADJ2}/CGST-MUM-W/{PERIOD}", 404),  # Range: nothing
    ("cgst-mum-w-d2", "GET", f"{API}/DPM-GST-ADJ-2/CGST-MUM-W/{PERIOD}", 404),
    (None, "GET", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 302),  # not logged in: to the login page
    (None, "POST", f"{ADJ2}/CGST-MUM-E/{PERIOD}", 400),  # no session, so no valid CSRF token
    (None, "GET", f"{API}/DPM-GST-ADJ-2/CGST-MUM-E/{PERIOD}", 401),
    (None, "PUT", f"{API}/DPM-GST-ADJ-2/CGST-MUM-E/{PERIOD}", 401),
]


def session_csrf(app, client) -> str:
    """A valid CSRF token for the client's own session (what any of its pages would carry)."""
    with client.session_transaction() as session:  # the secret a page with a form would seed
        raw = session.setdefault("csrf_token", secrets.token_hex(20))
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


@pytest.mark.parametrize(
    ("username", "method", "path", "status"),
    PRIVILEGES,
    ids=[f"{u}-{m}-{p.split('/')[-3]}/{p.split('/')[-2]}-{s}" for u, m, p, s in PRIVILEGES],
)
def test_privilege_table(app, client, login_as, api_token, username, method, path, status):
    headers = api_token(username) if username and path.startswith("/api/") else {}
    if username and not path.startswith("/api/"):
        login_as(username)
    if path.startswith("/api/"):
        body = DRI_BODY if "/DRI-CUS-7/" in path else BODY
        response = client.open(path, method=method, headers=headers, json=body)
    elif method == "POST":
        token = session_csrf(app, client) if username else "none"
        response = client.post(path, data={**FORM, "csrf_token": token})
    else:
        response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    if method in {"POST", "PUT"}:
        assert count_returns(app) == (1 if status in {200, 302} and username else 0)
    if username is None and status == 302:
        assert "/login/" in response.location


def test_a_valid_csrf_token_from_its_own_page_does_not_open_another_office(app, login_as):
    client = login_as("cgst-mum-e")
    own = get_grid(client, "dpm_gst_adj_2", "CGST-MUM-E", PERIOD)
    for office in ("CGST-DEL-N", "CGST-MUM-W", "GZ-MUM"):
        response = client.post(
            f"{ADJ2}/{office}/{PERIOD}", data={**FORM, "csrf_token": own.csrf, "version": str(own.version)}
        )
        assert response.status_code == 404
    assert count_returns(app) == 0
    # the same token does work on its own page: the refusals above were about jurisdiction
    response = client.post(f"{ADJ2}/CGST-MUM-E/{PERIOD}", data={**FORM, "csrf_token": own.csrf})
    assert response.status_code == 302
    assert count_returns(app) == 1


def test_other_offices_data_never_appears_on_a_page(app, login_as, api_token, client):
    del_n = api_token("cgst-del-n")
    body = {"version": 0, "rows": {"_": {"RECEIPT_NO": 777, "OPENING_NO": 5, "RECEIPT_AMT": "31415.92"}}}
    assert client.put(f"{API}/DPM-GST-ADJ-2/CGST-DEL-N/{PERIOD}", headers=del_n, json=body).status_code == 200

    client = login_as("cgst-mum-e")
    for path in (f"/mpr/?period={PERIOD}&office=CGST-DEL-N", f"{ADJ2}/CGST-DEL-N/{PERIOD}"):
        html = client.get(path).get_data(as_text=True)
        assert "31415.92" not in html and "CGST-DEL-N" not in html and "Delhi North" not in html


def _index(client, query: str = "") -> str:
    response = client.get(f"/mpr/?period={PERIOD}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_office_index_shows_only_its_own_office_whatever_office_is_asked(login_as):
    client = login_as("cgst-mum-e")
    html = _index(client, "&office=CGST-DEL-N")
    assert "CGST-DEL-N" not in html
    assert f"{ADJ2}/CGST-MUM-E/{PERIOD}" in html
    assert "/CGST-DEL-N/" not in html


def test_a_zone_index_offers_its_offices_only(login_as):
    client = login_as("gz-mum")
    html = _index(client)
    for code in ("CGST-MUM-E", "CGST-MUM-W", "LTU-MUM", "CGST-MUM-AUD1"):
        assert f'value="{code}"' in html
    assert "CGST-DEL" not in html
    html = _index(client, "&office=CGST-DEL-N")
    assert "CGST-DEL-N" not in html
    html = _index(client, "&office=CGST-MUM-W")
    assert 'data-format="DPM-GST-ADJ-2"' in html  # its formats are listed; the grid opens once submitted
    assert f"{ADJ2}/CGST-MUM-W/{PERIOD}" not in html


def test_a_zone_sees_its_offices_submitted_grids_read_only(app, login_as, api_token, client):
    office = api_token("cgst-mum-e")
    body = {"version": 0, "rows": {"_": ADJ2_FIRST_MONTH}}
    path = f"{API}/DPM-GST-ADJ-2/CGST-MUM-E/{PERIOD}"
    assert client.put(path, headers=office, json=body).status_code == 200

    zone = login_as("gz-mum")
    assert zone.get(f"{ADJ2}/CGST-MUM-E/{PERIOD}").status_code == 403  # a draft is the office's alone
    assert client.post(f"{path}/submit", headers=office, json={}).status_code == 200
    page = get_grid(zone, "dpm_gst_adj_2", "CGST-MUM-E", PERIOD)
    assert page.inputs == {}
    assert 'id="mpr-save"' not in page.html
    assert page.value("_", "RECEIPT_AMT") == "120.50"
    assert page.value("_", "CLOSING_NO") == "11"


def test_an_owner_index_lists_only_its_own_formats(app, login_as):
    from app.definitions import load_definitions

    client = login_as("ddm")
    html = _index(client, "&office=MUM-NCH-IMP1")
    listed = {
        code
        for code in load_definitions(app.config["MPR_DEFINITIONS"]).formats
        if f'data-format="{code}"' in html
    }
    assert listed == {"DDM-CUS-1A"}  # DDM's only customs format in force in 2024
    html = _index(client, "&office=CGST-MUM-E")
    assert 'data-format="DPM-GST-ADJ-2"' not in html


@pytest.mark.parametrize("username", ["cgst-mum-w-d2", "cgst-mum-w-d2-r1"])
def test_division_and_range_see_nothing_before_the_notified_date(app, login_as, username):
    client = login_as(username)
    html = _index(client, "&office=CGST-MUM-W")
    assert "There is no office in your jurisdiction that files returns." in html
    assert "data-format=" not in html


def test_field_reports_switch_opens_only_the_own_commissionerate_from_its_date(app):
    from sqlalchemy import select

    from app.extensions import db
    from app.models.org import Office
    from app.security.policy import Action, Actor, may

    with app.app_context():
        offices = {o.code: o for o in db.session.execute(select(Office)).scalars()}
        division = Actor(0, "cgst-mum-w-d2", frozenset({"Division/Range"}), offices["CGST-MUM-W-D2"])
        own, other = offices["CGST-MUM-W"], offices["CGST-MUM-E"]
        notified = dt.date(2025, 4, 1)
        assert app.config["MPR_FIELD_REPORTS_FROM"] is None
        assert not may(division, Action.REPORT, own, today=notified)
        app.config["MPR_FIELD_REPORTS_FROM"] = notified
        try:
            assert not may(division, Action.REPORT, own, today=notified - dt.timedelta(days=1))
            assert may(division, Action.REPORT, own, today=notified)
            assert not may(division, Action.REPORT, other, today=notified)
            assert not may(division, Action.VIEW, own, today=notified)  # reports, never returns
            assert not may(division, Action.ENTER, own, today=notified)
        finally:
            app.config["MPR_FIELD_REPORTS_FROM"] = None
