"""The monthly cycle read in Hindi: every user chooses Hindi, and every step's text is the catalogue's.

The office switches with the language menu's link and fills and submits its DGCEI formats;
the Zone (its browser asking for Hindi before login) validates them; the office raises a
correction and DGCEI approves it. Texts are looked up in the Hindi catalogue, so a message
shown in English (a string that bypasses gettext, or a missing translation) fails the test.
"""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext

from tests.browser.test_cycle_browser import OFFICE, PERIOD, field, grid_url, press, shown
from tests.browser.test_keyboard_browser import focused
from tests.http.test_cycle import DATA

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


@pytest.fixture
def hindi(live_server):
    """The Hindi of a catalogue message, as the app renders it."""

    def _hindi(message: str, **values) -> str:
        with live_server.app.test_request_context(), force_locale("hi"):
            text = gettext(message, **values)
        assert DEVANAGARI.search(text), f"no Hindi for {message!r}"
        return text

    return _hindi


def _hindi_context_page(browser, live_server, problems):
    context = browser.new_context(base_url=live_server.url, locale="hi-IN")
    context.expose_binding("__mprCspViolation", problems.csp)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.on("console", problems.console)
    tab.on("pageerror", problems.page_error)
    return context, tab


def test_office_zone_and_owner_work_through_the_month_in_hindi(
    page, open_page, login, hindi, browser, live_server
):
    from tests.browser.conftest import PageProblems

    login(page, "cgst-mum-e")
    page.click("#mpr-language-menu")
    with page.expect_navigation():
        page.click('button[data-language="hi"]')
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    for slug, fmt in (("gi_gst_2", "GI-GST-2"), ("gi_gst_4", "GI-GST-4")):
        page.goto(grid_url(slug))
        expect(page.locator("#mpr-status")).to_have_text(hindi("not started"))
        expect(page.locator("#mpr-submit")).to_contain_text(hindi("Save and submit"))
        for row, cells in DATA[fmt].items():
            for column, value in cells.items():
                field(page, column, row).fill(value)
        press(page, "#mpr-submit")
        expect(page.locator("#mpr-status")).to_have_text(hindi("submitted"))
    page.goto(grid_url("gi_gst_5"))
    press(page, "#mpr-submit")
    expect(page.locator("#mpr-status")).to_have_text(hindi("submitted"))

    problems = PageProblems()
    context, zone = _hindi_context_page(browser, live_server, problems)
    try:
        login(zone, "gz-mum")  # no choice made: the browser's Accept-Language (hi-IN) decides
        expect(zone.locator("html")).to_have_attribute("lang", "hi")
        zone.goto(f"/mpr/validation/?period={PERIOD}")
        press(zone, f'tr[data-office="{OFFICE}"] td[data-owner="DGCEI"] a.mpr-validate')
        expect(zone.locator("#mpr-confirm")).to_have_text(hindi("Validate %(count)d format(s)", count=3))
        press(zone, "#mpr-confirm")
        month = zone.locator("div.alert-success")
        expect(month).to_contain_text(DEVANAGARI)
        expect(month).to_contain_text(OFFICE)
    finally:
        context.close()
    assert not problems.found, problems.found

    page.goto(grid_url("gi_gst_2"))
    expect(page.locator("#mpr-status")).to_have_text(hindi("validated"))
    expect(page.locator("#mpr-correct")).to_have_text(hindi("Raise correction request"))
    page.click("#mpr-correct")
    field(page, "RECEIPT_NO").fill("3")
    field(page, "LESS_THAN_2_NO").fill("5")
    page.fill("#justification", "रसीद रजिस्टर की पुनः जाँच: 3 मामले")
    expect(page.locator("#mpr-send-correction")).to_have_text(hindi("Send correction request"))
    press(page, "#mpr-send-correction")
    sent = page.locator("div.alert-success")
    number = re.search(r"(\d+)", sent.inner_text()).group(1)
    expect(sent).to_have_text(
        re.compile(
            re.escape(
                hindi(
                    "Correction request No. %(number)s sent to %(owner)s for approval.",
                    number=number,
                    owner="DGCEI",
                )
            )
        )
    )

    with open_page() as owner:
        login(owner, "dgcei-fo")
        owner.goto("/lang/hi")
        owner.goto("/mpr/corrections/")
        owner.click(f'table.mpr-corrections tr[data-number="{number}"] a')
        expect(owner.locator("#mpr-correction-status")).to_have_text(hindi("pending"))
        expect(owner.locator("#mpr-approve")).to_have_text(hindi("Approve"))
        press(owner, "#mpr-approve")
        expect(owner.locator("div.alert-success")).to_contain_text(
            hindi("Correction request No. %(number)s approved.", number=number)
        )
        expect(owner.locator("#mpr-correction-status")).to_have_text(hindi("approved"))

    page.goto(grid_url("gi_gst_2"))
    expect(shown(page, "RECEIPT_NO")).to_have_text("3")


def _tab_to(page, is_there, limit: int = 60) -> None:
    """Press Tab until `is_there(focused element)` holds (fails after `limit` presses)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if is_there(focused(page)):
            return
    pytest.fail(f"Tab never reached it; the focus is on {focused(page)}")


# DPM-GST-ADJ-2's entered cells in Tab order (the computed totals and closings are no stops)
ADJ2_BY_KEYBOARD = (
    ("OPENING_NO", "5"), ("OPENING_AMT", "600"), ("RECEIPT_NO", "2"), ("RECEIPT_AMT", "150"),
    ("DISPOSAL_REVENUE_NO", "1"), ("DISPOSAL_REVENUE_AMT", "100"),
    ("DISPOSAL_TAXPAYER_NO", "1"), ("DISPOSAL_TAXPAYER_AMT", "50"),
    ("AGE_UPTO_6M_NO", "2"), ("AGE_6_12M_NO", "2"), ("AGE_GT_1Y_NO", "1"),
)  # fmt: skip


def test_a_clerk_signs_in_switches_to_hindi_fills_and_submits_by_keyboard_alone(page, live_server, hindi):
    page.goto("/login/")
    page.locator("#username").focus()  # where a sign-in page starts; no pointer from here on
    page.keyboard.type("cgst-mum-e")
    page.keyboard.press("Tab")
    page.keyboard.type(live_server.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    _tab_to(page, lambda el: el["id"] == "mpr-language-menu")
    page.keyboard.press("Enter")  # opens the language menu
    _tab_to(page, lambda el: el["language"] == "hi", limit=5)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "hi")

    page.goto(grid_url("dpm_gst_adj_2"))  # typed into the address bar
    expect(page.locator("h1, h2").first).to_contain_text(
        "रु. पाँच करोड़ से अधिक जीएसटी वाले न्यायनिर्णयन मामलों का विवरण"
    )
    first = ADJ2_BY_KEYBOARD[0][0]
    _tab_to(page, lambda el: el["name"] == f"cell|_|{first}")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "प्रारंभिक शेष — संख्या"
    for index, (column, value) in enumerate(ADJ2_BY_KEYBOARD):
        assert focused(page)["name"] == f"cell|_|{column}", focused(page)
        page.keyboard.type(value)
        if index + 1 < len(ADJ2_BY_KEYBOARD):
            page.keyboard.press("Tab")
    expect(page.locator('td[data-col="CLOSING_AMT"] .mpr-value')).to_have_text("600.00")
    expect(page.locator("#mpr-grid .mpr-msg")).to_have_count(0)

    _tab_to(page, lambda el: el["id"] == "mpr-submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#mpr-status")).to_have_text(hindi("submitted"))
    expect(page.locator("div.alert-success")).to_contain_text(DEVANAGARI)
