"""The grid by keyboard alone, and wide grids that keep their headers and row labels in view.

A clerk fills a multi-row return without touching the mouse: Enter goes down the column
(and on to the next column at its foot), the arrows move between editable cells (Left and
Right only from the ends of the text), Tab along the row; computed cells are skipped; the
buttons are reached with Tab and pressed with Enter.
"""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

PERIOD = "2024-05"  # the seeded offices' first month: the carried openings are typed once
TAR = "/mpr/f/tar_ce_3/CGST-MUM-E/" + PERIOD
ROWS = ("UNRESTRAINED", "APPEAL_PERIOD", "OTHERS")
# opening, added, realised, reduced otherwise -> closing; pending under a year <= closing
COLUMNS = ("OPENING_AMT", "ADDITION_AMT", "ARREAR_REALISED_AMT", "TRANSFER_OUT_AMT")
FIGURES = {
    "UNRESTRAINED": dict(zip(COLUMNS, ("10", "1", "2", "3"), strict=True)),
    "APPEAL_PERIOD": dict(zip(COLUMNS, ("20", "2", "3", "4"), strict=True)),
    "OTHERS": dict(zip(COLUMNS, ("30", "3", "4", "5"), strict=True)),
}
BELOW_YEAR = {"UNRESTRAINED": "4", "APPEAL_PERIOD": "5", "OTHERS": "6"}


def focused(page) -> dict:
    """The focused element: its tag, id, name and data-language."""
    return page.evaluate(
        "() => { const el = document.activeElement; return { tag: el.tagName, id: el.id,"
        " name: el.getAttribute('name'), language: el.getAttribute('data-language') }; }"
    )


def at(page, row: str, column: str) -> None:
    """Assert the focus is in one cell."""
    assert focused(page)["name"] == f"cell|{row}|{column}", focused(page)


def type_and(page, text: str, key: str | None = None) -> None:
    """Type into the focused cell, then press `key` (if any)."""
    page.keyboard.type(text)
    if key:
        page.keyboard.press(key)


def test_a_multi_row_return_filled_and_submitted_by_keyboard_alone(page, login) -> None:
    login(page, "cgst-mum-e")
    page.goto(TAR)
    page.wait_for_load_state("load")
    page.locator('[name="cell|UNRESTRAINED|OPENING_AMT"]').focus()  # the one and only pointer-free start

    # the opening column, top to bottom with Enter (it does not submit)
    type_and(page, "10", "Enter")
    at(page, "APPEAL_PERIOD", "OPENING_AMT")
    type_and(page, "20", "Enter")
    at(page, "OTHERS", "OPENING_AMT")
    type_and(page, "30", "Shift+Enter")  # Shift+Enter goes back up
    at(page, "APPEAL_PERIOD", "OPENING_AMT")
    page.keyboard.press("ArrowUp")
    at(page, "UNRESTRAINED", "OPENING_AMT")
    page.keyboard.press("ArrowRight")  # the whole "10" is selected: its end is at the end
    at(page, "UNRESTRAINED", "ADDITION_AMT")

    # the first row along with Tab; the computed closing balance is no stop
    type_and(page, "1", "Tab")
    at(page, "UNRESTRAINED", "ARREAR_REALISED_AMT")
    type_and(page, "2", "Tab")
    type_and(page, "3", "Tab")
    at(page, "UNRESTRAINED", "BELOW_YEAR_AMT")

    # down the last column with the arrow, then back left: the caret first walks through "6"
    type_and(page, "4", "ArrowDown")
    at(page, "APPEAL_PERIOD", "BELOW_YEAR_AMT")
    type_and(page, "5", "ArrowDown")
    type_and(page, "6", "ArrowLeft")
    at(page, "OTHERS", "BELOW_YEAR_AMT")  # the caret moved inside the text, before the 6
    page.keyboard.press("ArrowLeft")
    at(page, "OTHERS", "TRANSFER_OUT_AMT")  # over the computed closing balance
    type_and(page, "5", "Home")
    page.keyboard.press("ArrowLeft")
    at(page, "OTHERS", "ARREAR_REALISED_AMT")
    type_and(page, "4", "ArrowLeft")
    page.keyboard.press("ArrowLeft")
    at(page, "OTHERS", "ADDITION_AMT")
    type_and(page, "3", "ArrowUp")
    at(page, "APPEAL_PERIOD", "ADDITION_AMT")
    type_and(page, "2", "Tab")
    type_and(page, "3", "Tab")
    type_and(page, "4", "ArrowDown")
    at(page, "OTHERS", "TRANSFER_OUT_AMT")
    page.keyboard.press("ArrowDown")  # no row below: the focus stays
    at(page, "OTHERS", "TRANSFER_OUT_AMT")

    # every figure landed in its cell, the totals and closings follow, nothing was submitted
    for row in ROWS:
        for column, value in {**FIGURES[row], "BELOW_YEAR_AMT": BELOW_YEAR[row]}.items():
            expect(page.locator(f'[name="cell|{row}|{column}"]')).to_have_value(value)
    closing = '#mpr-grid tr[data-row="{}"] td[data-col="CLOSING_AMT"] .mpr-value'
    expect(page.locator(closing.format("UNRESTRAINED"))).to_have_text("6.00")
    expect(page.locator(closing.format("TOTAL"))).to_have_text("45.00")  # 6 + 15 + 24
    expect(page.locator("#mpr-grid .mpr-msg")).to_have_count(0)
    expect(page.locator("#mpr-status")).to_have_text("not started")

    # on to "Save and submit" with Tab, past Save draft, and press it with Enter
    for _ in range(30):
        page.keyboard.press("Tab")
        if focused(page)["id"] == "mpr-submit":
            break
    else:
        pytest.fail("Tab never reached Save and submit")
    page.keyboard.press("Shift+Tab")
    assert focused(page)["id"] == "mpr-save"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # a visible focus ring on the button
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("div.alert-success")).to_contain_text("submitted")
    expect(page.locator("#mpr-status")).to_have_text("submitted")


def test_the_skip_link_is_the_first_stop_and_lands_on_the_content(page, login) -> None:
    login(page, "cgst-mum-e")
    page.goto(TAR)
    page.keyboard.press("Tab")
    skip = page.locator("a.mpr-skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown while it has the focus
    page.keyboard.press("Enter")
    expect(page.locator("#mpr-main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is inside the content, not the menu
    assert page.evaluate("() => document.getElementById('mpr-main').contains(document.activeElement)")


def box(locator) -> dict:
    """An element's box in the viewport."""
    return locator.evaluate(
        "(el) => { const b = el.getBoundingClientRect(); return {x: b.x, y: b.y, width: b.width}; }"
    )


def test_a_wide_grid_keeps_headers_and_row_labels_in_view_and_says_more_columns_follow(page, login) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, "cgst-mum-e")
    page.goto(f"/mpr/f/dpm_gst_adj_1/CGST-MUM-E/{PERIOD}")  # 19 columns, product rows with subtotals
    page.wait_for_load_state("load")
    scroller = page.locator(".mpr-grid-scroll")
    cue = page.locator(".mpr-more-columns")
    expect(cue).to_be_visible()
    expect(cue).to_have_text("More columns →")
    expect(page.locator(".mpr-grid-frame")).to_have_class("mpr-grid-frame mpr-more-right")
    sizes = scroller.evaluate(
        "(s) => ({ wide: s.scrollWidth > s.clientWidth, tall: s.scrollHeight > s.clientHeight })"
    )
    assert sizes == {"wide": True, "tall": True}, "the grid should scroll inside its box both ways"
    page.locator(".mpr-grid-scroll").scroll_into_view_if_needed()
    start = box(scroller)
    header = page.locator("#mpr-grid thead tr").first
    label = page.locator("#mpr-grid tbody th.mpr-rowhead").nth(3)
    header_start, label_start = box(header), box(label)

    side = page.locator("#mpr-grid tbody th.mpr-rowgroup-side").first  # "ADC/JC", beside its rows
    side_start = box(side)
    scrolled = scroller.evaluate("(s) => { s.scrollTop = 120; return s.scrollTop; }")
    assert scrolled == 120
    assert abs(box(header)["y"] - start["y"]) < 2  # down: the header rows stay at the top ...
    assert abs(box(label)["y"] - (label_start["y"] - 120)) < 2  # ... while the rows go up

    scroller.evaluate("(s) => { s.scrollLeft = s.scrollWidth; }")  # right: the labels stay at the left
    assert abs(box(side)["x"] - start["x"]) < 2  # the group's label first, the row's own label after it
    assert abs(box(label)["x"] - (start["x"] + side_start["width"])) < 2
    last_header = page.locator("#mpr-grid thead th[data-col]").last
    assert box(last_header)["x"] < header_start["x"] + 1366  # the last column came into view
    expect(cue).to_be_hidden()  # nothing more to the right
    expect(page.locator(".mpr-grid-frame")).to_have_class("mpr-grid-frame")

    scroller.evaluate("(s) => { s.scrollLeft = 0; }")
    expect(cue).to_be_visible()


def test_a_narrow_grid_says_nothing_about_more_columns(page, login) -> None:
    login(page, "cgst-mum-e")
    page.goto(TAR)
    page.wait_for_load_state("load")
    expect(page.locator(".mpr-more-columns")).to_be_hidden()
