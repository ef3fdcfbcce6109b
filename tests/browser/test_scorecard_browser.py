"""A Board user opens the Zone scorecard in a real browser: picks it, switches to up to the month, opens
a Zone's Commissionerates and a figure's report; no console error, no CSP violation, no serious
accessibility violation (axe-core) on the scorecard page."""

from __future__ import annotations

import pytest

from app.definitions.months import Month
from tests.browser.test_axe import AXE_JS, BLOCKING, RUN_AXE, WCAG_TAGS
from tests.report_data import put_return

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

CARD, PERIOD = "SC-GST-ZONES", "2024-05"


@pytest.fixture
def graded(live_server):
    """Adjudication and revenue for one office in each of two Zones (April and May 2024)."""
    with live_server.app.app_context():
        for office, (disposal, cgst) in {"CGST-MUM-E": (2, 40), "CGST-DEL-N": (5, 90)}.items():
            put_return("DDM-GST-1-TARGET", office, Month(2024, 4), "validated", {"CASH": {"CGST": 100}})
            for month in (Month(2024, 4), Month(2024, 5)):
                cells = {"OPENING_NO": 10, "RECEIPT_NO": 5, "DISPOSAL_NO": disposal}
                put_return("DPM-GST-ADJ-1", office, month, "validated", {"ADC.AUDIT": cells})
                put_return("DDM-GST-1", office, month, "validated", {"CASH": {"CGST": cgst // 2}})


def test_board_user_grades_the_zones_opens_a_zone_and_a_figure(open_page, page_problems, login, graded):
    with open_page(page_problems, bypass_csp=True) as page:
        login(page, "member-customs")
        page.context.add_init_script(path=str(AXE_JS))
        page.goto(f"/mpr/scorecards/?period={PERIOD}")
        with page.expect_navigation():
            page.click(f"a:has-text('{CARD}')")
        table = page.locator("#mpr-scorecard")
        # Delhi disposes of more (rank 1: 10) and is nearer its target (90% against 40%): first
        expect(table.locator("tbody tr").first).to_have_attribute("data-unit", "GZ-DEL")
        violations = page.evaluate(RUN_AXE, WCAG_TAGS)
        assert not [v for v in violations if v["impact"] in BLOCKING], violations

        page.select_option("#basis", "upto")
        with page.expect_navigation():
            page.click("form.mpr-filter button[type=submit]")
        expect(page.locator("h2")).to_contain_text("Up to the month")
        with page.expect_navigation():
            page.click('#mpr-scorecard tr[data-unit="GZ-MUM"] th a')
        expect(page.locator(".breadcrumb")).to_contain_text("All Zones")
        expect(table.locator('tr[data-unit="CGST-MUM-E"]')).to_have_count(1)
        with page.expect_navigation():
            page.click('#mpr-scorecard tr[data-unit="CGST-MUM-E"] td[data-col="REVENUE_TARGET"] a')
        assert "/mpr/reports/DDM-GST-1/CGST-MUM-E/2024-05" in page.url
