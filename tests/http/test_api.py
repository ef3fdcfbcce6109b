"""The public JSON API (/work/shared/API.md) over real HTTP with FAB's JWT login."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.definitions import Month, load_definitions
from tests.http.conftest import count_returns, stored

API = "/api/v1/mpr"
ADJ2 = f"{API}/returns/DPM-GST-ADJ-2/CGST-MUM-E"
JAN = {
    "OPENING_NO": 10,
    "OPENING_AMT": "500.00",
    "RECEIPT_NO": 4,
    "RECEIPT_AMT": 120.5,
    "DISPOSAL_REVENUE_NO": 2,
    "DISPOSAL_REVENUE_AMT": "100.25",
    "DISPOSAL_TAXPAYER_NO": "1",
    "DISPOSAL_TAXPAYER_AMT": 20,
    "AGE_UPTO_6M_NO": 5,
    "AGE_6_12M_NO": 4,
    "AGE_GT_1Y_NO": 2,
}


@pytest.fixture
def office(api_token):
    """JWT headers of the Mumbai East commissionerate."""
    return api_token("cgst-mum-e")


def _defs(app):
    return load_definitions(app.config["MPR_DEFINITIONS"])


def _cells(body: dict, key: str = "_") -> dict:
    return next(row["cells"] for row in body["rows"] if row["key"] == key)


def _put(client, url: str, headers: dict, rows: dict, version: int = 0):
    return client.put(url, headers=headers, json={"version": version, "rows": rows})


# ------------------------------------------------------------------ login


def test_login_gives_a_token_and_a_wrong_password_does_not(app, client):
    ok = client.post(
        "/api/v1/security/login",
        json={"username": "cgst-mum-e", "password": app.config["MPR_DEMO_PASSWORD"], "provider": "db"},
    )
    assert ok.status_code == 200
    assert ok.get_json()["access_token"].count(".") == 2
    bad = client.post(
        "/api/v1/security/login", json={"username": "cgst-mum-e", "password": "wrong", "provider": "db"}
    )
    assert bad.status_code == 401
    assert "access_token" not in (bad.get_json() or {})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{API}/formats"),
        ("GET", f"{API}/offices"),
        ("GET", f"{ADJ2}/2024-01"),
        ("PUT", f"{ADJ2}/2024-01"),
    ],
)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer a.b.c"}],
    ids=["no-token", "garbage", "forged"],
)
def test_without_a_valid_token_every_endpoint_is_401(app, client, method, path, headers):
    response = client.open(path, method=method, headers=headers, json={"version": 0, "rows": {}})
    assert response.status_code == 401
    assert count_returns(app) == 0


def test_a_browser_session_is_not_an_api_login(app, login_as):
    client = login_as("cgst-mum-e")  # session cookie, no JWT: the API is CSRF-exempt, so it must refuse
    assert client.get(f"{ADJ2}/2024-01").status_code == 401
    assert client.put(f"{ADJ2}/2024-01", json={"version": 0, "rows": {"_": JAN}}).status_code == 401
    assert count_returns(app) == 0


# ------------------------------------------------------------------ formats and offices


def test_formats_of_an_owner_are_only_its_own_and_only_those_in_force(app, client, api_token):
    headers = api_token("ddm")
    defs = _defs(app)
    for period in ("2017-06", "2018-03", "2018-04", "2024-01"):
        response = client.get(f"{API}/formats?period={period}", headers=headers)
        assert response.status_code == 200
        codes = [f["code"] for f in response.get_json()["result"]]
        expected = [f.code for f in defs.formats_of_owner("DDM") if f.in_force(Month.parse(period))]
        assert codes == expected
        assert all(f["owner"] == "DDM" for f in response.get_json()["result"])
    march = client.get(f"{API}/formats?period=2018-03", headers=headers).get_json()["result"]
    assert "DDM-CUS-1" in [f["code"] for f in march] and "DDM-CUS-1A" not in [f["code"] for f in march]


def test_formats_list_the_columns_in_force_for_the_period(client, api_token):
    headers = api_token("ddm")

    def columns(period: str) -> list[str]:
        result = client.get(f"{API}/formats?period={period}", headers=headers).get_json()["result"]
        cus1 = next(f for f in result if f["code"] == "DDM-CUS-1")
        return [c["code"] for c in cus1["columns"]]

    assert "IGST_REFUND" not in columns("2017-06")
    assert "IGST_REFUND" in columns("2017-07")
    fmt = next(
        f
        for f in client.get(f"{API}/formats?period=2017-07", headers=headers).get_json()["result"]
        if f["code"] == "DDM-CUS-1"
    )
    roles = {c["code"]: c["role"] for c in fmt["columns"]}
    assert roles["TOTAL_GROSS"] == "computed" and roles["REVENUE_POL"] == "entered"
    assert fmt["unit"] == "Rs. crore" and fmt["part"] == "I" and fmt["until"] == "2018-03"


def test_formats_for_an_office_and_a_bad_period(client, office):
    result = client.get(f"{API}/formats?period=2024-01", headers=office).get_json()["result"]
    adj2 = next(f for f in result if f["code"] == "DPM-GST-ADJ-2")
    roles = {c["code"]: c["role"] for c in adj2["columns"]}
    assert roles["OPENING_NO"] == "carried" and roles["CLOSING_NO"] == "computed"
    assert "DDM-CUS-1" not in [f["code"] for f in result]  # ended 2018-03
    assert client.get(f"{API}/formats?period=2024-13", headers=office).status_code == 400


def _office_codes(client, headers) -> set[str]:
    response = client.get(f"{API}/offices", headers=headers)
    assert response.status_code == 200
    return {o["code"] for o in response.get_json()["result"]}


def test_offices_are_only_those_the_caller_may_see(client, api_token):
    mum_e = _office_codes(client, api_token("cgst-mum-e"))
    assert "CGST-MUM-E" in mum_e
    assert all(code.startswith("CGST-MUM-E") for code in mum_e)
    assert {"CGST-MUM-E-D1", "CGST-MUM-E-D2-R2"} <= mum_e

    zone = _office_codes(client, api_token("gz-mum"))
    assert {"GZ-MUM", "CGST-MUM-E", "CGST-MUM-W", "LTU-MUM", "CGST-MUM-W-D2-R1"} <= zone
    assert not any(code.startswith(("GZ-DEL", "CGST-DEL", "CZ-", "MUM-NCH")) for code in zone)

    assert _office_codes(client, api_token("cgst-mum-w-d2")) == set()  # Division: nothing
    board = _office_codes(client, api_token("member-customs"))
    assert {"CGST-DEL-N", "CGST-MUM-E", "DRI-MZU", "CBIC"} <= board


def test_office_json_names_its_parent(client, office):
    result = client.get(f"{API}/offices", headers=office).get_json()["result"]
    own = next(o for o in result if o["code"] == "CGST-MUM-E")
    assert own == {
        "code": "CGST-MUM-E",
        "name": "Commissionerate of CGST & Central Excise, Mumbai East",
        "kind": "commissionerate",
        "parent": "GZ-MUM",
        "segments": ["CE", "GST"],
    }


# ------------------------------------------------------------------ returns


def test_get_a_return_not_yet_started(client, office):
    response = client.get(f"{ADJ2}/2024-01", headers=office)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["format"], body["office"], body["period"]) == ("DPM-GST-ADJ-2", "CGST-MUM-E", "2024-01")
    assert body["status"] == "not started"
    assert body["version"] == 0
    assert [row["key"] for row in body["rows"]] == ["_"]
    assert set(_cells(body)) >= {"OPENING_NO", "CLOSING_AMT", "AGE_GT_1Y_NO"}
    assert all(value is None for value in _cells(body).values())


def test_put_saves_and_computes_ignoring_computed_cells_in_the_body(app, client, office):
    response = _put(
        client, f"{ADJ2}/2024-01", office, {"_": {**JAN, "CLOSING_NO": 999, "DISPOSAL_TOTAL_AMT": 1}}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["version"] == 1
    cells = _cells(body)
    assert cells["CLOSING_NO"] == 11
    assert cells["CLOSING_AMT"] == "500.25"
    assert cells["DISPOSAL_TOTAL_AMT"] == "120.25"
    assert cells["RECEIPT_AMT"] == "120.50"
    assert cells["OPENING_NO"] == 10
    assert body["checks"] == []
    assert stored(app, "DPM-GST-ADJ-2", "CGST-MUM-E", "2024-01")["_"]["CLOSING_NO"] == 11

    again = client.get(f"{ADJ2}/2024-01", headers=office).get_json()
    assert again["version"] == 1 and _cells(again) == cells


def test_put_next_month_ignores_a_carried_opening_in_the_body(app, client, office):
    assert _put(client, f"{ADJ2}/2024-01", office, {"_": JAN}).status_code == 200
    feb = client.get(f"{ADJ2}/2024-02", headers=office).get_json()
    assert _cells(feb)["OPENING_NO"] == 11 and _cells(feb)["OPENING_AMT"] == "500.25"

    response = _put(client, f"{ADJ2}/2024-02", office, {"_": {"OPENING_NO": 500, "RECEIPT_NO": 1}})
    assert response.status_code == 200
    assert _cells(response.get_json())["OPENING_NO"] == 11
    assert _cells(response.get_json())["CLOSING_NO"] == 12
    assert stored(app, "DPM-GST-ADJ-2", "CGST-MUM-E", "2024-02")["_"]["OPENING_NO"] == 11


def test_put_that_changes_nothing_keeps_the_version(app, client, office):
    assert _put(client, f"{ADJ2}/2024-01", office, {"_": JAN}).status_code == 200
    same = _put(
        client, f"{ADJ2}/2024-01", office, {"_": {"RECEIPT_NO": 4, "RECEIPT_AMT": "120.50"}}, version=1
    )
    assert same.status_code == 200 and same.get_json()["version"] == 1
    changed = _put(client, f"{ADJ2}/2024-01", office, {"_": {"RECEIPT_NO": 5}}, version=1)
    assert changed.status_code == 200 and changed.get_json()["version"] == 2


def test_put_with_a_stale_version_is_409_and_saves_nothing(app, client, office):
    assert _put(client, f"{ADJ2}/2024-01", office, {"_": JAN}).status_code == 200
    assert _put(client, f"{ADJ2}/2024-01", office, {"_": {"RECEIPT_NO": 5}}, version=1).status_code == 200
    response = _put(client, f"{ADJ2}/2024-01", office, {"_": {"RECEIPT_NO": 42}}, version=1)
    assert response.status_code == 409
    assert "saved by someone else" in response.get_json()["message"]
    assert stored(app, "DPM-GST-ADJ-2", "CGST-MUM-E", "2024-01")["_"]["RECEIPT_NO"] == 5
    assert client.get(f"{ADJ2}/2024-01", headers=office).get_json()["version"] == 2


def test_put_with_bad_cells_is_422_listing_every_error_and_saves_nothing(app, client, office):
    assert _put(client, f"{ADJ2}/2024-01", office, {"_": JAN}).status_code == 200
    bad = {"RECEIPT_NO": "four", "RECEIPT_AMT": 1.234, "AGE_GT_1Y_NO": -1, "AGE_UPTO_6M_NO": 9, "NOPE": 1}
    response = _put(client, f"{ADJ2}/2024-01", office, {"_": bad, "X": {"RECEIPT_NO": 1}}, version=1)
    assert response.status_code == 422
    errors = sorted(response.get_json()["errors"], key=lambda e: (e["row"], e["column"]))
    assert errors == [
        {"row": "X", "column": "", "code": "unknown_row", "message": "There is no row 'X'"},
        {"row": "_", "column": "AGE_GT_1Y_NO", "code": "below_min", "message": "Must be at least 0"},
        {"row": "_", "column": "NOPE", "code": "unknown_column", "message": "There is no column 'NOPE'"},
        {
            "row": "_",
            "column": "RECEIPT_AMT",
            "code": "too_many_decimals",
            "message": "At most 2 decimal places",
        },
        {
            "row": "_",
            "column": "RECEIPT_NO",
            "code": "not_a_number",
            "message": "'four' is not a whole number",
        },
    ]
    saved = stored(app, "DPM-GST-ADJ-2", "CGST-MUM-E", "2024-01")["_"]
    assert saved["AGE_UPTO_6M_NO"] == 5 and saved["RECEIPT_NO"] == 4
    assert client.get(f"{ADJ2}/2024-01", headers=office).get_json()["version"] == 1


def test_put_saves_a_draft_with_failing_checks_and_reports_them(client, office):
    response = _put(client, f"{ADJ2}/2024-01", office, {"_": {**JAN, "AGE_GT_1Y_NO": 0}})
    assert response.status_code == 200
    checks = response.get_json()["checks"]
    assert {(c["column"], c["code"]) for c in checks} == {
        ("AGE_UPTO_6M_NO", "AGE_MATCHES_CLOSING"),
        ("AGE_6_12M_NO", "AGE_MATCHES_CLOSING"),
        ("AGE_GT_1Y_NO", "AGE_MATCHES_CLOSING"),
    }


@pytest.mark.parametrize(
    "body",
    [
        {"rows": {}},
        {"version": "0", "rows": {}},
        {"version": 0, "rows": []},
        {"version": 0, "rows": {"_": 5}},
    ],
)
def test_put_with_a_malformed_body_is_400(app, client, office, body):
    assert client.put(f"{ADJ2}/2024-01", headers=office, json=body).status_code == 400
    assert count_returns(app) == 0


GI5 = f"{API}/returns/GI-GST-5/CGST-MUM-E/2024-01"
ARREST = {
    "PERSON_NAME": "Ramesh Kumar",
    "PAN": "ABCDE1234F",
    "ARREST_DATE": "2024-01-10",
    "OFFENCE": "132(1)(a) - supply without invoice",
    "BAIL_STATUS": "Released on bail by the arresting officer (s.69(3)(a))",
    "TAX_EVASION_AMT": "12.00",
}


def test_free_rows_are_added_with_new_keys_and_removed_with_null(app, client, office):
    rows = {"new-1": ARREST, "new-2": {**ARREST, "PERSON_NAME": "Suresh Patil", "PAN": "PQRSX6789K"}}
    response = _put(client, GI5, office, rows)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [(r["key"], r["label"]) for r in body["rows"]] == [("R1", "Arrest 1"), ("R2", "Arrest 2")]
    assert _cells(body, "R2")["PERSON_NAME"] == "Suresh Patil"
    assert _cells(body, "R1")["ARREST_DATE"] == "2024-01-10"
    assert _cells(body, "R1")["TAX_EVASION_AMT"] == "12.00"

    response = _put(client, GI5, office, {"R1": None, "R2": {"TAX_EVASION_AMT": 7}}, version=1)
    assert response.status_code == 200
    assert [r["key"] for r in response.get_json()["rows"]] == ["R2"]
    rows = stored(app, "GI-GST-5", "CGST-MUM-E", "2024-01")
    assert set(rows) == {"R2"}
    assert rows["R2"]["TAX_EVASION_AMT"] == Decimal("7.00")
    assert rows["R2"]["PERSON_NAME"] == "Suresh Patil"  # cells not sent are kept


def test_free_rows_refuse_keys_that_are_neither_saved_nor_new(app, client, office):
    response = _put(client, GI5, office, {"R9": ARREST})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"row": "R9", "column": "", "code": "unknown_row", "message": "There is no row 'R9'"}
    ]
    assert count_returns(app) == 0


def test_a_closed_month_is_409(client, office):
    assert _put(client, f"{ADJ2}/2024-01", office, {"_": JAN}).status_code == 200
    gap = client.get(f"{ADJ2}/2024-03", headers=office)
    assert gap.status_code == 409
    assert gap.get_json()["message"].startswith("Fill February 2024 first")
    assert _put(client, f"{ADJ2}/2024-03", office, {"_": {"RECEIPT_NO": 1}}).status_code == 409
    future = str(Month.of(dt.date.today()))
    assert client.get(f"{ADJ2}/{future}", headers=office).status_code == 409


# ------------------------------------------------------------------ 403 versus 404


@pytest.mark.parametrize(
    ("username", "method", "path", "status"),
    [
        # 404: outside the caller's jurisdiction, or absent - indistinguishable
        ("cgst-mum-e", "GET", f"{API}/returns/DPM-GST-ADJ-2/CGST-DEL-N/2024-01", 404),
        ("cgst-mum-e", "PUT", f"{API}/returns/DPM-GST-ADJ-2/CGST-DEL-N/2024-01", 404),
        ("cgst-mum-e", "GET", f"{API}/returns/DPM-GST-ADJ-2/NO-SUCH-OFFICE/2024-01", 404),
        ("cgst-mum-e", "GET", f"{API}/returns/NO-SUCH-FORMAT/CGST-MUM-E/2024-01", 404),
        ("cgst-mum-e", "GET", f"{API}/returns/DPM-GST-ADJ-2/CGST-MUM-E/2024-13", 404),
        ("cgst-mum-e", "PUT", f"{API}/returns/NO-SUCH-FORMAT/CGST-MUM-E/2024-01", 404),
        ("gz-mum", "GET", f"{API}/returns/DPM-GST-ADJ-2/CGST-DEL-N/2024-01", 404),
        ("gz-mum", "PUT", f"{API}/returns/DPM-GST-ADJ-2/CGST-DEL-N/2024-01", 404),
        ("cgst-mum-w-d2", "GET", f"{API}/returns/DPM-GST-ADJ-2/CGST-MUM-W/2024-01", 404),
        ("ddm", "GET", f"{API}/returns/DPM-GST-ADJ-2/CGST-MUM-E/2024-01", 404),  # not its format
        # 403: the role may not do this at all
        ("gz-mum", "PUT", f"{API}/returns/DPM-GST-ADJ-2/CGST-MUM-E/2024-01", 403),
        ("member-customs", "PUT", f"{API}/returns/DPM-GST-ADJ-2/CGST-MUM-E/2024-01", 403),
        ("ddm", "PUT", f"{API}/returns/DDM-CUS-1A/MUM-NCH-IMP1/2024-01", 403),
        ("cgst-mum-e", "PUT", f"{API}/returns/DDM-CUS-1A/CGST-MUM-E/2024-01", 403),  # a customs format
        # 403: the Zone, the Board and the owner see the status, not the figures, of a return
        # nobody has submitted (test_figures_access.py follows a return through its states)
        ("gz-mum", "GET", f"{API}/returns/DPM-GST-ADJ-2/CGST-MUM-E/2024-01", 403),
        ("member-customs", "GET", f"{API}/returns/DPM-GST-ADJ-2/CGST-DEL-N/2024-01", 403),
        ("ddm", "GET", f"{API}/returns/DDM-CUS-1A/MUM-NCH-IMP1/2024-01", 403),
        ("dgicce", "GET", f"{API}/returns/DPM-GST-ADJ-2/CGST-DEL-N/2024-01", 403),
        # allowed
        ("cgst-mum-e", "GET", f"{API}/returns/DPM-GST-ADJ-2/CGST-MUM-E/2024-01", 200),
        ("dri-mzu", "PUT", f"{API}/returns/DRI-CUS-7/DRI-MZU/2024-01", 200),
    ],
)
def test_status_codes_follow_api_md(app, client, api_token, username, method, path, status):
    response = client.open(path, method=method, headers=api_token(username), json={"version": 0, "rows": {}})
    assert response.status_code == status, response.get_json()
    if status != 200:
        assert count_returns(app) == 0


@pytest.mark.parametrize(
    ("url", "rows", "cell"),
    [
        # OIO_PCT = OIO_NO / DISPOSAL_NO * 100 is stored as NUMERIC(12, 2): below 10^10
        (
            f"{API}/returns/DPM-GST-ADJ-1/CGST-MUM-E/2024-01",
            {"ADC.AUDIT": {"OIO_NO": 200000000, "DISPOSAL_NO": 1}},
            {"row": "ADC.AUDIT", "column": "OIO_PCT", "code": "too_large"},
        ),
    ],
    ids=["percent"],
)
def test_a_result_too_large_to_store_is_422_not_a_database_error(app, client, office, url, rows, cell):
    response = _put(client, url, office, rows)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{**cell, "message": "The result is too large to store"}]
    assert count_returns(app) == 0


def test_free_rows_are_limited_to_the_formats_max(app, client, office):
    limit = _defs(app).format("GI-GST-5").rows.free_max
    assert limit == 500
    rows = {f"new-{i}": {"PERSON_NAME": f"Person {chr(65 + i % 26)}"} for i in range(1, limit + 2)}
    response = _put(client, GI5, office, rows)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {
            "row": "",
            "column": "",
            "code": "too_many_rows",
            "message": f"At most {limit} rows ({limit + 1} sent)",
        }
    ]
    assert count_returns(app) == 0
    del rows[f"new-{limit + 1}"]
    response = _put(client, GI5, office, rows)
    assert response.status_code == 200
    assert len(response.get_json()["rows"]) == limit


def test_a_date_before_the_configured_lower_bound_is_refused_at_its_cell(app, client, office):
    for date in ("0001-01-01", "1949-12-31"):
        response = _put(client, GI5, office, {"new-1": {**ARREST, "ARREST_DATE": date}})
        assert response.status_code == 422
        errors = response.get_json()["errors"]
        assert [(e["column"], e["code"]) for e in errors] == [("ARREST_DATE", "too_early")]
        assert "01-01-1950" in errors[0]["message"]  # dd-mm-yyyy, as pages show dates
    earliest = app.config["MPR_EARLIEST_DATE"]
    app.config["MPR_EARLIEST_DATE"] = dt.date(2024, 1, 12)
    try:
        response = _put(client, GI5, office, {"new-1": ARREST})  # arrested on 2024-01-10
        assert response.get_json()["errors"][0]["code"] == "too_early"
    finally:
        app.config["MPR_EARLIEST_DATE"] = earliest
    assert _put(client, GI5, office, {"new-1": ARREST}).status_code == 200


def test_amounts_too_large_for_exact_live_arithmetic_are_refused_at_their_cells(app, client, office):
    """13 digits before the point at most (issue 8): so no sum of two entered amounts overflows either."""
    rows = {"_": {"OPENING_AMT": "9000000000000000", "RECEIPT_AMT": "10000000000000"}}
    response = _put(client, f"{ADJ2}/2024-01", office, rows)
    assert response.status_code == 422
    found = {(e["column"], e["code"]) for e in response.get_json()["errors"]}
    assert {("OPENING_AMT", "too_large"), ("RECEIPT_AMT", "too_large")} <= found
    assert count_returns(app) == 0
