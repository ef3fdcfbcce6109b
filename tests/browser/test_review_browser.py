"""Reviewing figures in a real browser: a Zone sends a return back with a remark at one cell,
the office sees it there, fixes and resubmits, the Zone validates; the owner's decision page
shows each change in words with unchanged cells folded away, and approving keeps it readable.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.test_cycle_browser import OFFICE, PERIOD, field, fill_and_submit, grid_url, press
from tests.http.test_cycle import DATA

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

REMARK = "The receipt register shows 3 cases, not 2"


def test_zone_sends_back_with_a_remark_at_a_cell_and_the_office_fixes_it(page, open_page, login):
    login(page, "cgst-mum-e")
    fill_and_submit(page, "gi_gst_2", DATA["GI-GST-2"])

    with open_page() as zone:
        login(zone, "gz-mum")
        zone.goto(f"/mpr/validation/?period={PERIOD}")
        zone.click(f'tr[data-office="{OFFICE}"] a.mpr-send-back-link')
        expect(zone.locator("h2")).to_contain_text("Send back to the office")
        zone.fill("#remarks", "Please re-check the receipts")
        zone.select_option("#row_1", "_")
        zone.select_option("#column_1", "RECEIPT_NO")
        zone.fill("#remark_1", REMARK)
        press(zone, "#mpr-send-back")
        expect(zone.locator("div.alert-success")).to_contain_text("sent back to the office")
        expect(zone.locator(f'tr[data-office="{OFFICE}"] .mpr-sent-back')).to_have_text("sent back")

    page.goto("/")
    expect(page.locator(".mpr-todo-sent-back")).to_contain_text("Please re-check the receipts")
    page.click(".mpr-todo-sent-back a")
    expect(page.locator("#mpr-status")).to_have_text("draft")
    expect(page.locator("#mpr-remarks")).to_contain_text(f"Receipt during the month — No.: {REMARK}")
    at_cell = page.locator('#mpr-grid tr[data-row="_"] td[data-col="RECEIPT_NO"]')
    expect(at_cell).to_have_class(re.compile("mpr-has-remark"))
    expect(at_cell.locator(".mpr-remark")).to_have_text(REMARK)
    field(page, "RECEIPT_NO").fill("3")
    field(page, "LESS_THAN_2_NO").fill("5")
    press(page, "#mpr-submit")
    expect(page.locator("#mpr-status")).to_have_text("submitted")
    expect(page.locator("#mpr-remarks")).to_have_count(0)
    expect(page.locator(".mpr-remark")).to_have_count(0)


def test_owner_decides_a_correction_reading_each_change_in_words(page, open_page, login):
    login(page, "cgst-mum-e")
    for slug, code in (("gi_gst_2", "GI-GST-2"), ("gi_gst_4", "GI-GST-4"), ("gi_gst_5", "GI-GST-5")):
        fill_and_submit(page, slug, DATA[code])
    with open_page() as zone:
        login(zone, "gz-mum")
        zone.goto(f"/mpr/validation/?period={PERIOD}")
        press(zone, f'tr[data-office="{OFFICE}"] td[data-owner="DGCEI"] a.mpr-validate')
        press(zone, "#mpr-confirm")  # the confirmation page says what validation will do
        expect(zone.locator("div.alert-success")).to_contain_text("Validated 3 DGCEI format(s)")
    page.goto(grid_url("gi_gst_2") + "/correct")
    field(page, "RECEIPT_NO").fill("3")
    field(page, "LESS_THAN_2_NO").fill("5")
    page.fill("#justification", "Receipt register re-checked")
    press(page, "#mpr-send-correction")

    with open_page() as owner:
        login(owner, "dgcei-fo")
        owner.goto("/")
        owner.click(".mpr-todo-decide a")
        changed = owner.locator("table.mpr-changed tbody tr")
        expect(changed).to_have_count(2)
        receipt = owner.locator('table.mpr-changed tr[data-col="RECEIPT_NO"] td')
        expect(receipt).to_have_text(["Receipt during the month — No.", "3", "2", "3", "+1"])
        closing = owner.locator('table.mpr-follows tr[data-col="CLOSING_BALANCE_NO"] td')
        expect(closing.nth(4)).to_have_text("+1")
        unchanged = owner.locator("details.mpr-unchanged")
        expect(unchanged.locator("table")).to_be_hidden()  # folded away by default
        unchanged.locator("summary").click()
        expect(unchanged.locator("table")).to_be_visible()
        press(owner, "#mpr-approve")
        expect(owner.locator("#mpr-correction-status")).to_have_text("approved")
        expect(owner.locator("table.mpr-changed tbody tr")).to_have_count(2)  # still what it changed
        expect(receipt.nth(2)).to_have_text("2")

    page.goto("/")
    expect(page.locator(".mpr-todo-approved")).to_contain_text("approved")
