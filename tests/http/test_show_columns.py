"""`show: report` / `show: entry` on a real format: a computed column only in reports, another only on
the entry grid (DPM-GST-ADJ-2 edited as an administrator would, on a new database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import build_app
from tests.http.conftest import ADJ2_FIRST_MONTH, get_grid, post_grid, single
from tests.http.test_sync import AGE_LINE, REAL_TEXT, edit_format, login

SLUG, JAN = "dpm_gst_adj_2", "2024-01"
RETURN = f"/api/v1/mpr/returns/DPM-GST-ADJ-2/CGST-MUM-E/{JAN}"
SHOWN = (
    '    - {code: DISPOSAL_RATE_PCT, label: "Disposal rate", label_hi: "निपटान दर", type: percent,'
    ' formula: "DISPOSAL_TOTAL_NO / (OPENING_NO + RECEIPT_NO) * 100", show: report}\n'
    '    - {code: LEFT_NO, label: "Left after disposal", label_hi: "निपटान के बाद शेष", type: count,'
    ' formula: "OPENING_NO + RECEIPT_NO - DISPOSAL_TOTAL_NO", show: entry}\n'
)


@pytest.fixture
def shown_app(tmp_path) -> Iterator:
    """The real definitions with the two columns added, synced and seeded on a new SQLite file."""
    definitions = tmp_path / "mpr_definitions.yaml"
    text = edit_format(REAL_TEXT, "DPM-GST-ADJ-2", AGE_LINE, AGE_LINE + SHOWN)
    definitions.write_text(text, encoding="utf-8")
    application = build_app(f"sqlite:///{tmp_path / 'shown.sqlite'}", MPR_DEFINITIONS=str(definitions))
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_report_only_and_entry_only_columns(shown_app):
    office = login(shown_app, "cgst-mum-e")
    page = get_grid(office, SLUG, "CGST-MUM-E", JAN)
    assert "LEFT_NO" in page.columns and "DISPOSAL_RATE_PCT" not in page.columns
    saved = post_grid(office, SLUG, "CGST-MUM-E", JAN, single(ADJ2_FIRST_MONTH), page=page)
    assert saved.status_code == 302
    assert get_grid(office, SLUG, "CGST-MUM-E", JAN).value("_", "LEFT_NO") == "11"

    api = shown_app.test_client()
    body = {"username": "cgst-mum-e", "password": shown_app.config["MPR_DEMO_PASSWORD"], "provider": "db"}
    token = api.post("/api/v1/security/login", json=body).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    grid = api.get(RETURN, headers=headers).get_json()
    assert "LEFT_NO" in grid["rows"][0]["cells"] and "DISPOSAL_RATE_PCT" not in grid["rows"][0]["cells"]
    submitted = api.post(f"{RETURN}/submit", headers=headers, json={"version": grid["version"]})
    assert submitted.status_code == 200, submitted.get_json()
    report = api.get(f"/api/v1/mpr/reports/DPM-GST-ADJ-2/CGST-MUM-E/{JAN}?basis=temporary", headers=headers)
    assert report.status_code == 200, report.get_json()
    codes = [c["code"] for c in report.get_json()["columns"]]
    assert "DISPOSAL_RATE_PCT" in codes and "LEFT_NO" not in codes
    cells = report.get_json()["rows"][0]["cells"]
    assert cells["DISPOSAL_RATE_PCT"] == "21.43"  # 3 disposed of 10 + 4, recomputed for the report
