"""A fixed row fed by a source (`fed:` on a row): its cells are the source's, the other rows the office's.
GI-GST-4 edited as an administrator would ("AE-1 filed" fed from GSTN), on a new SQLite database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import build_app
from tests.http.conftest import get_grid, post_grid, stored
from tests.http.test_cycle import GI4_ROWS
from tests.http.test_sync import REAL_TEXT, edit_format, login

AE1 = '      - {key: AE_1_NO, label: "AE-1 filed", label_hi: "एई-1 दाखिल"}\n'
JAN, OFFICE = "2024-01", "CGST-MUM-E"
RETURN = f"/api/v1/mpr/returns/GI-GST-4/{OFFICE}/{JAN}"


@pytest.fixture
def fed_row_app(tmp_path) -> Iterator:
    """The real definitions with GI-GST-4's first row fed from GSTN, synced and seeded."""
    definitions = tmp_path / "mpr_definitions.yaml"
    fed = AE1.replace('label_hi: "एई-1 दाखिल"}', 'label_hi: "एई-1 दाखिल", fed: GSTN}')
    definitions.write_text(edit_format(REAL_TEXT, "GI-GST-4", AE1, fed), encoding="utf-8")
    application = build_app(f"sqlite:///{tmp_path / 'rows.sqlite'}", MPR_DEFINITIONS=str(definitions))
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def _token(application, username: str) -> dict[str, str]:
    client = application.test_client()
    body = {"username": username, "password": application.config["MPR_DEMO_PASSWORD"], "provider": "db"}
    token = client.post("/api/v1/security/login", json=body).get_json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_a_fed_row_is_the_sources_and_the_office_submits_the_rest_after_the_feed(fed_row_app):
    office = login(fed_row_app, "cgst-mum-e")
    page = get_grid(office, "gi_gst_4", OFFICE, JAN)
    assert ("AE_1_NO", "FOR_MONTH") not in page.inputs and ("AE_2_NO", "FOR_MONTH") in page.inputs
    assert "Rows AE-1 filed (marked “fed”)" in page.text and "(fed: GSTN)" in page.text
    typed = {(key, "FOR_MONTH"): str(i) for i, key in enumerate(GI4_ROWS) if key != "AE_1_NO"}
    saved = post_grid(office, "gi_gst_4", OFFICE, JAN, {**typed, ("AE_1_NO", "FOR_MONTH"): "9"})
    assert saved.status_code == 302
    assert stored(fed_row_app, "GI-GST-4", OFFICE, JAN).get("AE_1_NO", {}).get("FOR_MONTH") is None

    api, office_token = fed_row_app.test_client(), _token(fed_row_app, "cgst-mum-e")
    version = api.get(RETURN, headers=office_token).get_json()["version"]
    refused = api.post(f"{RETURN}/submit", headers=office_token, json={"version": version})
    assert refused.status_code == 409 and refused.get_json()["code"] == "not_fed_yet"

    feed_token = _token(fed_row_app, "gstn-feed")
    wrong = api.put(f"{RETURN}/fed", headers=feed_token, json={"rows": {"AE_2_NO": {"FOR_MONTH": 1}}})
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["code"] == "not_fed"
    fed = api.put(f"{RETURN}/fed", headers=feed_token, json={"rows": {"AE_1_NO": {"FOR_MONTH": 7}}})
    assert fed.status_code == 200, fed.get_json()
    cells = stored(fed_row_app, "GI-GST-4", OFFICE, JAN)
    assert cells["AE_1_NO"]["FOR_MONTH"] == 7 and cells["AE_2_NO"]["FOR_MONTH"] == 1

    version = api.get(RETURN, headers=office_token).get_json()["version"]
    submitted = api.post(f"{RETURN}/submit", headers=office_token, json={"version": version})
    assert submitted.status_code == 200, submitted.get_json()
