"""Peer limits in a real browser: an office typing ten times its usual figure sees the warning at the
cell (words, not colour alone; named by the input; announced), saves and submits all the same, and its
Zone sees the flag before validating. No console error, no CSP violation (the page fixtures check)."""

from __future__ import annotations

import pytest

from app.services.engine.grid import last_open_month
from tests.browser.test_cycle_browser import field, press
from tests.http.test_outliers import FMT, HISTORY, _usual, put_history

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

MONTH = last_open_month()
OFFICE = "MUM-NCH-IMP1"


def _history(app) -> dict:
    from app.services.engine import catalogue

    with app.app_context():
        fmt = catalogue.definitions().format(FMT)
        for back in range(1, HISTORY + 1):
            put_history(OFFICE, MONTH.shift(-back), "validated", _usual(fmt, 0, back))
        return _usual(fmt, 0, 0)


def test_ten_times_the_usual_figure_is_warned_at_the_cell_and_the_zone_sees_the_flag(
    page, open_page, login, live_server
):
    usual = _history(live_server.app)
    login(page, "mum-nch-imp1")
    page.goto(f"/mpr/f/ddm_cus_1a/{OFFICE}/{MONTH}")
    for code, value in usual.items():
        field(page, code).fill(str(value))
    cell = page.locator('#mpr-grid tr[data-row="_"] td[data-col="SEZ"]')
    expect(cell.locator(".mpr-warn")).to_have_count(0)  # the usual figure: no warning
    field(page, "SEZ").fill(str(usual["SEZ"] * 10))
    warning = cell.locator(".mpr-warn")
    expect(warning).to_contain_text("Far above this office's usual")
    expect(warning).to_contain_text("⚠")
    warning_id = warning.get_attribute("id")
    assert warning_id in (field(page, "SEZ").get_attribute("aria-describedby") or "").split()
    field(page, "SEZ").press("Tab")  # leaving the cell announces it once
    expect(page.locator("#mpr-outlier-status")).to_contain_text("Far above this office's usual")
    field(page, "SEZ").fill(str(usual["SEZ"]))  # back to the usual figure: the warning goes
    expect(warning).to_have_count(0)
    assert warning_id not in (field(page, "SEZ").get_attribute("aria-describedby") or "")
    field(page, "SEZ").fill(str(usual["SEZ"] * 10))
    written = warning.inner_text().replace("⚠", "").strip()  # the page's wording, as the server words it
    press(page, "#mpr-submit")  # never blocked: saved and submitted, the warning listed
    expect(page.locator("#mpr-status")).to_have_text("submitted")
    listed = page.locator(".alert-warning").filter(has_text="far from their usual range")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(written.split(". ")[0])  # the reason; the advice is the grid's

    with open_page() as zone:
        login(zone, "cz-mum-i")
        zone.goto(f"/mpr/validation/?period={MONTH}")
        flagged = zone.locator(f'#mpr-outlier-flags tr[data-office="{OFFICE}"][data-col="SEZ"]')
        expect(flagged).to_have_count(1)
        expect(flagged).to_contain_text("Far above this office's usual")
        expect(zone.locator(f'tr[data-office="{OFFICE}"] .mpr-flag-count')).to_contain_text(
            "1 figure(s) flagged"
        )
