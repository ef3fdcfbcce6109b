"""Cells fed by another system in a real browser: read-only, marked with their source and the time
of the feed; the office types its own column and submits (DPM-GST-15A, fed from GSTN)."""

from __future__ import annotations

import pytest

from tests.browser.test_cycle_browser import OFFICE, PERIOD, field, grid_url, press, shown

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

FED = {"CANCEL_APPLIED_NO": 40, "CANCELLED_ON_APPLICATION_NO": 31, "CANCELLED_SUO_MOTU_NO": 12}


def _feed(live_server) -> None:
    """GSTN's system account feeds the return through the API (as the source's system would)."""
    client = live_server.app.test_client()
    body = {"username": "gstn-feed", "password": live_server.password, "provider": "db"}
    token = client.post("/api/v1/security/login", json=body).get_json()["access_token"]
    url = f"/api/v1/mpr/returns/DPM-GST-15A/{OFFICE}/{PERIOD}/fed"
    answer = client.put(url, headers={"Authorization": f"Bearer {token}"}, json={"rows": {"_": FED}})
    assert answer.status_code == 200, answer.get_json()


def test_fed_cells_are_read_only_show_their_source_and_the_office_submits(page, login, live_server):
    _feed(live_server)
    login(page, "cgst-mum-e")
    page.goto(grid_url("dpm_gst_15a"))
    legend = page.locator("#mpr-fed-legend")
    expect(legend).to_contain_text("Fed from GSTN (GST Network (GST System back-end)) on")
    expect(page.locator('th[data-col="CANCEL_APPLIED_NO"]')).to_contain_text("(fed: GSTN)")
    expect(field(page, "CANCEL_APPLIED_NO")).to_have_count(0)
    expect(shown(page, "CANCEL_APPLIED_NO")).to_have_text("40")
    expect(shown(page, "CANCELLED_TOTAL_NO")).to_have_text("43")
    cell = page.locator('#mpr-grid td[data-col="CANCEL_APPLIED_NO"]')
    expect(cell).to_have_attribute("data-role", "fed")
    field(page, "PENDENCY_REASONS").fill("Verification pending in 9 cases")
    press(page, "#mpr-submit")
    expect(page.locator("#mpr-status")).to_have_text("submitted")
