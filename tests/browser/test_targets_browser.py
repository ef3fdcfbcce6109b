"""Targets in a real browser: the owner types an office's targets, the totals follow as it types
(the grid's own live formulas), saving puts them on the year's list; no console error, no CSP
violation. The office then reads them, with no input to type into.
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.definitions.months import Month

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

TARGET, OFFICE = "DDM-GST-1-TARGET", "CGST-MUM-E"
FIGURES = {
    ("CASH", "CGST"): "100",
    ("CASH", "SGST_UTGST"): "80",
    ("CASH", "IGST"): "60",
    ("CASH", "CESS"): "10",
}
FIGURES |= {("ITC", "CGST"): "50", ("ITC", "SGST_UTGST"): "40", ("ITC", "IGST"): "30", ("ITC", "CESS"): "0"}


def _cell(page, row: str, column: str):
    return page.locator(f'#mpr-grid tr[data-row="{row}"] td[data-col="{column}"]')


def test_the_owner_types_targets_the_totals_follow_and_the_office_reads_them(page, login, open_page):
    year = Month.of(dt.date.today()).fy_start.shift(12)  # next year's targets, set before it begins
    login(page, "ddm")
    page.goto("/mpr/targets/")
    page.click(f'a[href="/mpr/targets/{TARGET}/{year}"]')
    page.click(f'tr[data-office="{OFFICE}"] a')
    expect(page.locator("#mpr-target-state")).to_contain_text("Not set yet.")
    page.wait_for_load_state("load")  # the grid's scripts (end of body) have run
    for (row, column), value in FIGURES.items():
        _cell(page, row, column).locator("input").fill(value)
    expect(_cell(page, "CASH", "TOTAL").locator(".mpr-value")).to_have_text("250.00")
    expect(_cell(page, "TOTAL", "TOTAL").locator(".mpr-value")).to_have_text("370.00")
    page.fill("#mpr-target-reason", "budget")
    with page.expect_navigation():
        page.click("#mpr-save")
    expect(page.locator(".alert-success")).to_contain_text(f"Targets of {OFFICE} saved.")
    expect(page.locator(f'tr[data-office="{OFFICE}"] td[data-col="TOTAL"]')).to_have_text("370.00")
    with open_page() as office:
        login(office, "cgst-mum-e")
        office.goto(f"/mpr/targets/{TARGET}/{year}/{OFFICE}")
        expect(_cell(office, "TOTAL", "TOTAL").locator(".mpr-value")).to_have_text("370.00")
        expect(office.locator("#mpr-grid input")).to_have_count(0)
        expect(office.locator("#mpr-save")).to_have_count(0)


def test_the_target_pages_have_no_serious_accessibility_violation(login, open_page, page_problems):
    from tests.browser.test_axe import AXE_JS, BLOCKING, RUN_AXE, WCAG_TAGS

    year = Month.of(dt.date.today()).fy_start
    pages = ["/mpr/targets/", f"/mpr/targets/{TARGET}/{year}", f"/mpr/targets/{TARGET}/{year}/{OFFICE}"]
    with open_page(page_problems, bypass_csp=True) as tab:
        login(tab, "ddm")
        tab.context.add_init_script(path=str(AXE_JS))
        found = []
        for url in pages:
            tab.goto(url)
            violations = tab.evaluate(RUN_AXE, WCAG_TAGS)
            found += [(url, v["id"], v["impact"]) for v in violations if v["impact"] in BLOCKING]
        assert tab.locator("#mpr-grid input").count() == 8  # the owner's grid: every entered cell
    assert found == []
