"""A Board user opens the dashboard in a real browser: every card draws its charts (SVG from the
vendored ECharts), each chart's table is there for screen readers and shows on request, the month
picker moves the month, and nothing is logged to the console (CSP violations included)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.definitions.months import Month
from tests.http.test_dashboard import put_timed

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

PERIOD = "2024-05"


@pytest.fixture
def figures(live_server):
    with live_server.app.app_context():
        for index, office in enumerate(("CGST-MUM-E", "CGST-MUM-W", "CGST-DEL-N")):
            for month in (Month(2023, 5), Month(2024, 4), Month(2024, 5)):
                cash = {"CGST": Decimal(10 + index), "SGST_UTGST": Decimal("2.50"), "IGST": 1, "CESS": 0}
                put_timed("DDM-GST-1", office, month, "validated", {"CASH": cash})
            cells = {"RECEIPT_NO": 3 + index, "RECEIPT_AMT": Decimal("1.50"), "DISPOSAL_NO": 1}
            put_timed("DPM-GST-ADJ-1", office, Month(2024, 5), "validated", {"ADC.AUDIT": cells})


def test_board_user_sees_charts_and_their_tables_without_console_errors(page, login, figures):
    login(page, "member-customs")
    page.goto("/")
    with page.expect_navigation():
        page.click("a:has-text('Dashboard')")
    page.fill("#period", PERIOD)
    with page.expect_navigation():
        page.click(".mpr-filter button[type=submit]")
    cards = page.locator(".mpr-indicator")
    assert cards.count() >= 8
    charts = page.locator(".mpr-chart")
    expect(charts.first.locator("svg")).to_be_visible()
    for index in range(charts.count()):  # every chart drawn, as SVG
        expect(charts.nth(index).locator("svg").first).to_be_attached()
    card = page.locator("#indicator-GST-REVENUE-MONTH")
    expect(card.locator(".mpr-figure-value")).to_have_text("43.50")  # (10 + 11 + 12) + 3 x (2.50 + 1)
    expect(card.locator(".mpr-chart[data-chart=trend] svg path").first).to_be_attached()
    table = card.locator("#trend-table-GST-REVENUE-MONTH table")
    expect(table.locator("caption")).to_contain_text("GST revenue for the month")
    assert page.evaluate(
        "el => el.closest('.mpr-chart-table').classList.contains('sr-only')", table.element_handle()
    )
    toggle = card.locator("button[aria-controls=trend-table-GST-REVENUE-MONTH]")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(table).to_be_visible()
    expect(table.locator("tr[data-month='2024-05'] td").first).to_have_text("43.50")
    toggle.click()
    expect(toggle).to_have_text("Show table")
    ranking = page.locator("#ranking-table-GST-ADJ-PENDING tr[data-unit]")
    expect(ranking.first).to_have_attribute(
        "data-unit", "GZ-MUM"
    )  # closing (3 - 1) + (4 - 1) before Delhi North's 5 - 1
    with page.expect_download() as download_info:
        page.click("#mpr-dashboard-xlsx")
    assert download_info.value.suggested_filename == f"dashboard_{PERIOD}.xlsx"


def test_the_dashboard_with_its_charts_has_no_serious_accessibility_violation(
    live_server, open_page, login, page_problems, figures
):
    from tests.browser.test_axe import AXE_JS, BLOCKING, RUN_AXE, WCAG_TAGS

    with open_page(page_problems, bypass_csp=True) as tab:  # axe-core is the test's own script
        login(tab, "member-customs")
        tab.context.add_init_script(path=str(AXE_JS))
        tab.goto(f"/mpr/dashboard/?period={PERIOD}")
        expect(tab.locator("#trend-chart-GST-REVENUE-MONTH svg")).to_be_attached()
        tab.locator("button[aria-controls=ranking-table-GST-ADJ-PENDING]").click()  # a table shown too
        violations = tab.evaluate(RUN_AXE, WCAG_TAGS)
    blocking = [(v["id"], v["nodes"][:3]) for v in violations if v["impact"] in BLOCKING]
    assert not blocking, blocking
