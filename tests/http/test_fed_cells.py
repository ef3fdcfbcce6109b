"""Cells fed by other systems (DPM-GST-15A, fed from GSTN): the system account writes them through
the API, the office cannot, the office fills its own column and submits once the feed has come."""

from __future__ import annotations

import pytest

from tests.http.conftest import get_grid, grid_url, return_header, save_grid, single, stored

API = "/api/v1/mpr/returns"
SUBMIT_URL = "/api/v1/mpr/returns/DPM-GST-15A/CGST-MUM-E/2024-01/submit"
FORMAT, SLUG, OFFICE, JAN = "DPM-GST-15A", "dpm_gst_15a", "CGST-MUM-E", "2024-01"
FED_URL = f"{API}/{FORMAT}/{OFFICE}/{JAN}/fed"
FED = {
    "CANCEL_APPLIED_NO": 40,
    "CANCELLED_ON_APPLICATION_NO": 31,
    "CANCELLED_SUO_MOTU_NO": "12",
    "CANCEL_PENDING_NO": 9,
    "REVOCATION_APPLIED_NO": 6,
    "REVOCATION_APPROVED_NO": 4,
    "REVOCATION_REJECTED_NO": 1,
}
REASONS = "Verification by the jurisdictional range pending in 9 cases"


@pytest.fixture
def feed(api_token):
    """JWT headers of GSTN's system account."""
    return api_token("gstn-feed")


@pytest.fixture
def office(api_token):
    """JWT headers of the Mumbai East commissionerate."""
    return api_token("cgst-mum-e")


def _feed(client, headers, cells=None, url=FED_URL):
    return client.put(url, headers=headers, json={"rows": {"_": FED if cells is None else cells}})


def test_the_system_account_feeds_and_the_return_keeps_when_and_audits_the_source(app, client, feed):
    response = _feed(client, feed)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body["fed"]) == {"GSTN"} and body["status"] == "draft"
    cells = stored(app, FORMAT, OFFICE, JAN)["_"]
    assert cells["CANCELLED_SUO_MOTU_NO"] == 12 and cells["CANCELLED_TOTAL_NO"] == 43
    assert cells.get("PENDENCY_REASONS") is None
    with app.app_context():
        from app.services import audit

        event = [e for e in audit.history(f"return:{FORMAT}:{OFFICE}:{JAN}") if e.action == "feed"][-1]
        assert event.actor == "gstn-feed" and "GSTN" in (event.reason or "")
        assert '"sources": ["GSTN"]' in event.after


def test_the_office_sees_fed_cells_read_only_with_their_source_and_fills_its_own(app, client, feed, login_as):
    assert _feed(client, feed).status_code == 200
    office_client = login_as("cgst-mum-e")
    page = get_grid(office_client, SLUG, OFFICE, JAN)
    assert ("_", "PENDENCY_REASONS") in page.inputs
    assert not any(column in FED for _row, column in page.inputs)
    assert page.value("_", "CANCEL_APPLIED_NO") == "40"
    assert "Fed from GSTN (GST Network (GST System back-end)) on " in page.text
    assert "(fed: GSTN)" in page.text
    # a fed cell sent with the form is not stored: the office cannot change it
    typed = single({"PENDENCY_REASONS": REASONS, "CANCEL_APPLIED_NO": "99"})
    save_grid(office_client, SLUG, OFFICE, JAN, typed)
    cells = stored(app, FORMAT, OFFICE, JAN)["_"]
    assert cells["CANCEL_APPLIED_NO"] == 40 and cells["PENDENCY_REASONS"] == REASONS


def test_submit_is_refused_before_the_feed_and_goes_through_after_it(app, client, feed, office, login_as):
    office_client = login_as("cgst-mum-e")
    save_grid(office_client, SLUG, OFFICE, JAN, single({"PENDENCY_REASONS": REASONS}))
    page = get_grid(office_client, SLUG, OFFICE, JAN)
    assert "Not fed yet from GSTN" in page.text
    refused = client.post(SUBMIT_URL, headers=office, json={"version": page.version})
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["code"] == "not_fed_yet" and body["missing"] == ["GSTN"]
    assert "have not been fed for January 2024" in body["message"]
    assert _feed(client, feed).status_code == 200
    version = return_header(app, FORMAT, OFFICE, JAN)["version"]
    submitted = client.post(SUBMIT_URL, headers=office, json={"version": version})
    assert submitted.status_code == 200, submitted.get_json()
    assert return_header(app, FORMAT, OFFICE, JAN)["status"] == "submitted"
    again = _feed(client, feed)
    assert again.status_code == 409 and "cannot be fed: it is submitted" in again.get_json()["message"]


def test_the_web_submit_names_the_missing_feed(client, login_as):
    office_client = login_as("cgst-mum-e")
    page = get_grid(office_client, SLUG, OFFICE, JAN)
    data = {**page.hidden, "cell|_|PENDENCY_REASONS": REASONS}
    response = office_client.post(grid_url(SLUG, OFFICE, JAN) + "/submit", data=data)
    assert response.status_code == 422
    assert "its cells fed from GSTN" in response.get_data(as_text=True)


def test_every_cell_that_cannot_be_fed_is_refused_at_its_cell_and_nothing_is_stored(app, client, feed):
    cells = {"PENDENCY_REASONS": "by a system", "CANCEL_APPLIED_NO": "-3", "CANCELLED_TOTAL_NO": 5, "NOPE": 1}
    rows = {"_": cells, "ROW9": {"CANCEL_APPLIED_NO": 1}}
    response = client.put(FED_URL, headers=feed, json={"rows": rows})
    assert response.status_code == 422
    codes = {(e["row"], e["column"]): e["code"] for e in response.get_json()["errors"]}
    assert codes[("_", "PENDENCY_REASONS")] == "not_fed"
    assert codes[("_", "CANCELLED_TOTAL_NO")] == "not_fed"
    assert codes[("_", "NOPE")] == "unknown_column"
    assert codes[("ROW9", "")] == "unknown_row"
    assert ("_", "CANCEL_APPLIED_NO") in codes  # below min 0, as if typed
    assert stored(app, FORMAT, OFFICE, JAN) is None


def test_the_office_may_not_feed_and_the_system_account_may_do_nothing_else(client, feed, office):
    assert _feed(client, office).status_code == 403
    assert client.get(f"/api/v1/mpr/returns/{FORMAT}/{OFFICE}/{JAN}", headers=feed).status_code == 403
    submit = client.post(SUBMIT_URL, headers=feed, json={"version": 1})
    assert submit.status_code == 403
    assert client.get("/api/v1/mpr/formats", headers=feed).status_code == 403
    assert client.get(f"/api/v1/mpr/reports/{FORMAT}/{OFFICE}/{JAN}", headers=feed).status_code in (403, 404)


def test_a_format_no_source_feeds_and_an_office_that_does_not_file_are_refused(client, feed):
    other = _feed(client, feed, {"RECEIPT_NO": 1}, url=f"{API}/DPM-GST-ADJ-2/{OFFICE}/{JAN}/fed")
    assert other.status_code == 403
    assert _feed(client, feed, url=f"{API}/{FORMAT}/MUM-NCH-IMP1/{JAN}/fed").status_code == 404
    assert _feed(client, feed, url=f"{API}/{FORMAT}/{OFFICE}/2024-13/fed").status_code == 404
    bad = client.put(FED_URL, headers=feed, json={"rows": {"_": [1, 2]}})
    assert bad.status_code == 400


@pytest.mark.parametrize("value", [[1], {"a": 1}, True, 10**20, "x" * 5000, 1.5, "१२"])
def test_odd_values_are_refused_at_their_cell_never_a_server_error(app, client, feed, value):
    response = _feed(client, feed, {"CANCEL_APPLIED_NO": value})
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    (error,) = response.get_json()["errors"]
    assert (error["row"], error["column"]) == ("_", "CANCEL_APPLIED_NO")
    assert stored(app, FORMAT, OFFICE, JAN) is None


def test_the_feed_endpoint_is_in_the_openapi_document(client, office):
    document = client.get("/api/v1/_openapi", headers=office).get_json()
    operation = document["paths"]["/api/v1/mpr/returns/{format_code}/{office_code}/{period}/fed"]["put"]
    assert operation["operationId"] == "MprFeedApi.put_fed"
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["rows"]
    assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
