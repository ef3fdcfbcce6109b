"""The monthly cycle in a real browser, one user per browser context.

An office submits its DGCEI formats (the arrests format with no rows: nothing to report);
the Zone's "Validate DGCEI" refuses while one of them is missing, then validates all three
at once; the office raises a correction; DGCEI approves it; the return shows the amended
mark, and its history both revisions, the old one readable as it stood.
"""

from __future__ import annotations

import re

import pytest

from tests.http.test_cycle import DATA

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

PERIOD = "2024-01"
OFFICE = "CGST-MUM-E"


def grid_url(slug: str) -> str:
    return f"/mpr/f/{slug}/{OFFICE}/{PERIOD}"


def field(page, column: str, row: str = "_"):
    return page.locator(f'#mpr-grid tr[data-row="{row}"] td[data-col="{column}"]').locator("input, select")


def shown(page, column: str, row: str = "_"):
    return page.locator(f'#mpr-grid tr[data-row="{row}"] td[data-col="{column}"] .mpr-value')


def press(page, selector: str) -> None:
    """Click a button that submits a form and wait for the page that comes back."""
    with page.expect_navigation():
        page.click(selector)


def fill_and_submit(page, slug: str, rows: dict) -> None:
    page.goto(grid_url(slug))
    expect(page.locator("#mpr-status")).to_have_text("not started")
    for row, cells in rows.items():
        for column, value in cells.items():
            field(page, column, row).fill(value)
    press(page, "#mpr-submit")
    expect(page.locator("div.alert-success")).to_contain_text("submitted")
    expect(page.locator("#mpr-status")).to_have_text("submitted")
    expect(page.locator(".mpr-temporary")).to_contain_text("Temporary report")


def validate_button(page):
    cell = page.locator(f'table.mpr-validation tr[data-office="{OFFICE}"] td[data-owner="DGCEI"]')
    return cell, cell.locator("a.mpr-validate", has_text="Validate DGCEI")


def test_office_submits_zone_validates_office_corrects_owner_approves(page, open_page, login):
    login(page, "cgst-mum-e")
    fill_and_submit(page, "gi_gst_2", DATA["GI-GST-2"])
    expect(shown(page, "CLOSING_BALANCE_NO")).to_have_text("6")
    fill_and_submit(page, "gi_gst_4", DATA["GI-GST-4"])

    with open_page() as zone:
        login(zone, "gz-mum")
        zone.goto(f"/mpr/validation/?period={PERIOD}")
        cell, button = validate_button(zone)
        expect(cell).to_contain_text("2/3 submitted")
        # Bootstrap's tooltips move a link's title into data-original-title
        hint = button.evaluate("a => a.getAttribute('title') || a.getAttribute('data-original-title')")
        assert hint == "Not every DGCEI format is submitted yet"
        press(zone, f'tr[data-office="{OFFICE}"] td[data-owner="DGCEI"] a.mpr-validate')
        expect(zone.locator("#mpr-confirm-effect")).to_contain_text("not submitted: GI-GST-5")
        expect(zone.locator("#mpr-confirm")).to_have_count(0)

        # the arrests format has no rows this month: "Save and submit" on the empty grid
        page.goto(grid_url("gi_gst_5"))
        expect(page.locator('#mpr-grid tr[data-row^="R"]')).to_have_count(0)
        press(page, "#mpr-submit")
        expect(page.locator("#mpr-status")).to_have_text("submitted")

        zone.goto(f"/mpr/validation/?period={PERIOD}")
        cell, button = validate_button(zone)
        expect(cell).to_contain_text("3/3 submitted")
        expect(button).to_have_class(re.compile(r"btn-primary"))
        press(zone, f'tr[data-office="{OFFICE}"] td[data-owner="DGCEI"] a.mpr-validate')
        # the Zone is asked first, with the formats listed and what validating does
        expect(zone.locator("table.mpr-confirm-formats tr[data-format]")).to_have_count(3)
        expect(zone.locator("#mpr-confirm-effect")).to_contain_text("cannot be undone")
        press(zone, "#mpr-confirm")
        expect(zone.locator("div.alert-success")).to_contain_text(f"Validated 3 DGCEI format(s) of {OFFICE}")
        expect(validate_button(zone)[0].locator(".label-success")).to_have_text("Validated")

    # validated: no inputs any more, only a correction request
    page.goto(grid_url("gi_gst_2"))
    expect(page.locator("#mpr-status")).to_have_text("validated")
    expect(page.locator("#mpr-grid input")).to_have_count(0)
    page.click("#mpr-correct")
    expect(page).to_have_url(re.compile(rf"{grid_url('gi_gst_2')}/correct$"))
    field(page, "RECEIPT_NO").fill("3")
    field(page, "LESS_THAN_2_NO").fill("5")
    expect(shown(page, "CLOSING_BALANCE_NO")).to_have_text("7")  # the live grid recomputes here too
    page.fill("#justification", "Receipt register re-checked: 3 cases, not 2")
    press(page, "#mpr-send-correction")
    sent = page.locator("div.alert-success")
    expect(sent).to_contain_text("sent to DGCEI for approval")
    number = re.search(r"No\. (\d+)", sent.inner_text()).group(1)
    expect(shown(page, "RECEIPT_NO")).to_have_text("2")  # unchanged until approved

    with open_page() as owner:
        login(owner, "dgcei-fo")
        owner.goto("/mpr/corrections/")
        owner.click(f'table.mpr-corrections tr[data-number="{number}"] a')
        expect(owner.locator("#mpr-correction-status")).to_have_text("pending")
        changed = owner.locator('table.mpr-compare tr[data-row="_"][data-col="RECEIPT_NO"]')
        expect(changed.locator("td").nth(2)).to_have_text("2")
        expect(changed.locator("td").nth(3)).to_have_text("3")
        expect(owner.locator("body")).to_contain_text("Receipt register re-checked")
        press(owner, "#mpr-approve")
        expect(owner.locator("div.alert-success")).to_contain_text(
            f"Correction request No. {number} approved"
        )
        expect(owner.locator("#mpr-correction-status")).to_have_text("approved")

    page.goto(grid_url("gi_gst_2"))
    expect(shown(page, "RECEIPT_NO")).to_have_text("3")
    expect(shown(page, "CLOSING_BALANCE_NO")).to_have_text("7")
    expect(page.locator(".mpr-amended")).to_have_text("Amended")
    expect(page.locator("p.alert-success")).to_contain_text("Amended (revision 2)")

    page.click("text=History")
    revisions = page.locator("ul.mpr-revisions li.mpr-revision")
    expect(revisions).to_have_count(2)
    expect(revisions.nth(0)).to_contain_text("Revision 1")
    expect(revisions.nth(1)).to_contain_text("Revision 2 — current")
    actions = page.locator("table.mpr-history tbody tr td:nth-child(4)")
    expect(actions.last).to_have_text("Correction applied")
    # the audit trail outlives the returns other tests removed: this test's events are the last four
    assert actions.all_inner_texts()[-4:] == ["Saved", "Submitted", "Validated", "Correction applied"]
    page.click("ul.mpr-revisions a:has-text('Revision 1')")
    expect(page.locator(".alert-info")).to_contain_text("Revision 1: the figures as they stood before")
    expect(shown(page, "RECEIPT_NO")).to_have_text("2")
    expect(shown(page, "CLOSING_BALANCE_NO")).to_have_text("6")
    expect(page.locator("#mpr-grid input")).to_have_count(0)
