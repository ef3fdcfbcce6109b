"""The live grid in a real browser: typing recomputes, checks speak at the cell, saving keeps it.

Month 2024-05 is the first month of every format for the seeded offices (nothing is
filed before it), so carried openings are typed by hand until the return is submitted.
"""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

PERIOD = "2024-05"
AGE_MESSAGE = "Sum of age-wise break-up must equal the closing balance (No.)"


def cell(page, column: str, row: str = "_"):
    """The <td> of one cell."""
    return page.locator(f'#mpr-grid tr[data-row="{row}"] td[data-col="{column}"]')


def field(page, column: str, row: str = "_"):
    """The input (or select) of one editable cell."""
    return cell(page, column, row).locator("input, select")


def shown(page, column: str, row: str = "_"):
    """The read-only value of a computed, carried or total cell."""
    return cell(page, column, row).locator(".mpr-value")


def focused_name(page) -> str | None:
    """The name of the focused form control."""
    return page.evaluate("() => document.activeElement && document.activeElement.name")


def open_from_index(page, format_code: str, office: str) -> None:
    """Open the month's index and follow the format's Fill link."""
    page.goto(f"/mpr/?period={PERIOD}")
    link = page.locator(f'table.mpr-index tr[data-format="{format_code}"] a')
    expect(link).to_have_text("Fill")
    link.click()
    slug = format_code.lower().replace("-", "_")
    expect(page).to_have_url(re.compile(rf"/mpr/f/{slug}/{office}/{PERIOD}$"))
    expect(page.locator("#mpr-grid-form")).to_have_attribute("data-format", format_code)
    page.wait_for_load_state("load")  # the grid's scripts (end of body) have run and bound its buttons


def save_draft(page) -> None:
    """Click Save draft and wait for the grid to come back saved."""
    with page.expect_navigation():
        page.click("#mpr-save")
    expect(page.locator(".alert-success")).to_contain_text("Draft saved.")
    expect(page.locator("#mpr-status")).to_have_text("draft")


def test_single_row_grid_recomputes_checks_and_saves(page, login) -> None:
    login(page, "cgst-mum-e")
    open_from_index(page, "DPM-GST-ADJ-2", "CGST-MUM-E")
    expect(page.locator("#mpr-status")).to_have_text("not started")
    expect(page.locator(".alert-warning")).to_contain_text("enter the opening balance.")
    closing_no, closing_amt = shown(page, "CLOSING_NO"), shown(page, "CLOSING_AMT")
    expect(closing_no).to_have_text("")

    # the one-time opening, typed key by key: the closing balance follows every keystroke
    field(page, "OPENING_NO").click()
    page.keyboard.type("1")
    expect(closing_no).to_have_text("1")
    page.keyboard.type("0")
    expect(closing_no).to_have_text("10")
    page.keyboard.press("Tab")  # Tab moves to the next input (native order)
    assert focused_name(page) == "cell|_|OPENING_AMT"
    page.keyboard.type("1500.50")
    expect(closing_amt).to_have_text("1,500.50")
    page.keyboard.press("Enter")  # down the column; at its foot (one row) on to the next column; no submit
    assert focused_name(page) == "cell|_|RECEIPT_NO"
    page.keyboard.type("4")
    expect(closing_no).to_have_text("14")
    page.keyboard.press("Enter")
    assert focused_name(page) == "cell|_|RECEIPT_AMT"
    page.keyboard.type("600")
    expect(closing_amt).to_have_text("2,100.50")
    expect(page.locator("#mpr-status")).to_have_text("not started")  # still not saved

    # disposals: total disposal and closing recomputed live
    field(page, "DISPOSAL_REVENUE_NO").press_sequentially("2")
    field(page, "DISPOSAL_REVENUE_AMT").press_sequentially("300")
    field(page, "DISPOSAL_TAXPAYER_NO").press_sequentially("1")
    field(page, "DISPOSAL_TAXPAYER_AMT").press_sequentially("100.25")
    expect(shown(page, "DISPOSAL_TOTAL_NO")).to_have_text("3")
    expect(shown(page, "DISPOSAL_TOTAL_AMT")).to_have_text("400.25")
    expect(closing_no).to_have_text("11")
    expect(closing_amt).to_have_text("1,700.25")

    # the age-wise break-up: 5 + 3 + 2 = 10, not 11 -> the message appears at its cells
    age_cells = ("AGE_UPTO_6M_NO", "AGE_6_12M_NO", "AGE_GT_1Y_NO")
    live_messages = page.locator("#mpr-grid .mpr-live-msg")
    field(page, "AGE_UPTO_6M_NO").press_sequentially("5")
    field(page, "AGE_6_12M_NO").press_sequentially("3")
    expect(live_messages).to_have_count(0)  # not judged until every cell it reads is filled
    field(page, "AGE_GT_1Y_NO").press_sequentially("2")
    for code in age_cells:
        expect(cell(page, code).locator(".mpr-live-msg")).to_have_text(AGE_MESSAGE)
        expect(cell(page, code)).to_have_class(re.compile(r"\bmpr-live-error\b"))
    expect(live_messages).to_have_count(len(age_cells))

    # fixing the last cell clears the message at once
    field(page, "AGE_GT_1Y_NO").fill("")
    field(page, "AGE_GT_1Y_NO").press_sequentially("3")
    expect(live_messages).to_have_count(0)
    expect(page.locator("#mpr-grid td.mpr-live-error")).to_have_count(0)

    # a non-number is flagged where it is typed, and the totals ignore it
    field(page, "RECEIPT_NO").fill("4x")
    expect(cell(page, "RECEIPT_NO").locator(".mpr-live-msg")).to_have_text("'4x' is not a whole number")
    field(page, "RECEIPT_NO").fill("4")
    expect(cell(page, "RECEIPT_NO").locator(".mpr-live-msg")).to_have_count(0)

    save_draft(page)
    page.reload()
    expect(page.locator("#mpr-status")).to_have_text("draft")
    # the opening is stored and, in a draft of the first month, still editable; the rest as typed
    expected_inputs = {
        "OPENING_NO": "10",
        "OPENING_AMT": "1500.50",
        "RECEIPT_NO": "4",
        "RECEIPT_AMT": "600.00",
        "DISPOSAL_REVENUE_NO": "2",
        "DISPOSAL_REVENUE_AMT": "300.00",
        "DISPOSAL_TAXPAYER_NO": "1",
        "DISPOSAL_TAXPAYER_AMT": "100.25",
        "AGE_UPTO_6M_NO": "5",
        "AGE_6_12M_NO": "3",
        "AGE_GT_1Y_NO": "3",
    }
    for code, value in expected_inputs.items():
        expect(field(page, code)).to_have_value(value)
    expect(closing_no).to_have_text("11")
    expect(closing_amt).to_have_text("1,700.25")
    expect(page.locator("#mpr-grid .mpr-msg")).to_have_count(0)
    expect(page.locator(".alert-warning")).to_contain_text("until the return is submitted")


def test_server_keeps_a_failing_check_and_shows_it_once_at_the_cell(page, login) -> None:
    login(page, "cgst-mum-e")
    page.goto(f"/mpr/f/dpm_gst_adj_2/CGST-MUM-E/{PERIOD}")
    for code, value in (("OPENING_NO", "2"), ("RECEIPT_NO", "1"), ("AGE_UPTO_6M_NO", "1")):
        field(page, code).fill(value)
    for code in ("AGE_6_12M_NO", "AGE_GT_1Y_NO"):
        field(page, code).fill("0")
    age_cells = ("AGE_UPTO_6M_NO", "AGE_6_12M_NO", "AGE_GT_1Y_NO")
    expect(page.locator("#mpr-grid .mpr-live-msg")).to_have_count(3)
    save_draft(page)  # a draft may be saved while checks fail

    served = page.request.get(page.url).text()  # the server renders the message at each cell
    assert served.count(AGE_MESSAGE) == len(age_cells)
    for code in age_cells:  # and the live grid shows it once, not twice
        expect(cell(page, code).locator(".mpr-msg")).to_have_count(1)
        expect(cell(page, code).locator(".mpr-msg")).to_have_text(AGE_MESSAGE)
    expect(cell(page, "DISPOSAL_REVENUE_NO").locator(".mpr-msg")).to_have_text("Required")  # left blank
    field(page, "AGE_UPTO_6M_NO").fill("3")  # 3 + 0 + 0 = closing 3
    expect(page.locator("#mpr-grid .mpr-msg", has_text=AGE_MESSAGE)).to_have_count(0)
    for code in age_cells:
        expect(cell(page, code)).not_to_have_class(re.compile(r"\b(has-error|mpr-live-error)\b"))
    expect(cell(page, "DISPOSAL_REVENUE_NO").locator(".mpr-msg")).to_have_text("Required")  # not edited


def test_refused_save_keeps_typing_and_messages_until_edited(page, page_problems, login) -> None:
    page_problems.allow(r"status of 422 .*/mpr/f/gi_gst_5/")  # the refused save is answered 422
    login(page, "cgst-mum-e")
    page.goto(f"/mpr/f/gi_gst_5/CGST-MUM-E/{PERIOD}")
    page.click("#mpr-add-row")
    field(page, "PERSON_NAME", "new-1").fill("Ramesh Kumar")
    field(page, "PAN", "new-1").fill("bad")
    field(page, "TAX_EVASION_AMT", "new-1").fill("12x")
    expect(cell(page, "TAX_EVASION_AMT", "new-1").locator(".mpr-msg")).to_have_text("'12x' is not a number")
    with page.expect_navigation():
        page.click("#mpr-save")
    expect(page.locator(".alert-danger")).to_contain_text("Not saved")
    expect(page.locator("#mpr-status")).to_have_text("not started")
    expect(field(page, "PAN", "new-1")).to_have_value("bad")  # what was typed is shown again
    pan, amount = cell(page, "PAN", "new-1").locator(".mpr-msg"), cell(page, "TAX_EVASION_AMT", "new-1")
    expect(pan).to_have_text("Not in the expected form")
    expect(amount.locator(".mpr-msg")).to_have_text("'12x' is not a number")  # once: no live copy
    field(page, "PAN", "new-1").fill("ABCDE1234F")
    expect(pan).to_have_count(0)  # edited: the server's message about the old text goes
    page.click("#mpr-add-row")  # the refused row keeps its key; the next one gets a new key
    expect(page.locator('#mpr-grid tr[data-row="new-2"]')).to_have_count(1)


def test_fixed_rows_total_updates_live(page, login) -> None:
    login(page, "cgst-mum-e")
    open_from_index(page, "DPM-CE-1A", "CGST-MUM-E")
    total = page.locator('#mpr-grid tr.mpr-total[data-row="TOTAL"]')
    expect(total.locator("th")).to_have_text("Total")

    field(page, "OPENING_NO", "COMM").press_sequentially("5")
    expect(shown(page, "OPENING_NO", "TOTAL")).to_have_text("5")
    field(page, "RECEIPT_NO", "COMM").press_sequentially("3")
    field(page, "RECEIPT_NO", "JC").press_sequentially("4")
    expect(shown(page, "RECEIPT_NO", "TOTAL")).to_have_text("7")
    expect(shown(page, "CLOSING_NO", "TOTAL")).to_have_text("12")  # recomputed from the sums
    field(page, "RECEIPT_AMT", "AC").press_sequentially("0.10")
    field(page, "RECEIPT_AMT", "SUP").press_sequentially("0.20")
    expect(shown(page, "RECEIPT_AMT", "TOTAL")).to_have_text("0.30")
    expect(shown(page, "CLOSING_AMT", "TOTAL")).to_have_text("0.30")
    field(page, "DISPOSAL_NO", "JC").press_sequentially("1")
    expect(shown(page, "CLOSING_NO", "JC")).to_have_text("3")
    expect(shown(page, "CLOSING_NO", "TOTAL")).to_have_text("11")

    live = {code: shown(page, code, "TOTAL").text_content() for code in ("RECEIPT_NO", "CLOSING_NO")}
    save_draft(page)
    for code, text in live.items():  # the server's total is the one the user saw
        expect(shown(page, code, "TOTAL")).to_have_text(text)


def test_amount_total_row_updates_live(page, login) -> None:
    login(page, "cgst-mum-e")
    open_from_index(page, "DDM-GST-2", "CGST-MUM-E")
    total = shown(page, "FOR_MONTH", "TOTAL")
    expect(total).to_have_text("")
    field(page, "FOR_MONTH", "AUDIT_RECOVERY").press_sequentially("1,250.50")
    expect(total).to_have_text("1,250.50")
    field(page, "FOR_MONTH", "PRE_DEPOSITS").press_sequentially("0.25")
    expect(total).to_have_text("1,250.75")
    field(page, "FOR_MONTH", "AUDIT_RECOVERY").fill("")
    expect(total).to_have_text("0.25")
    save_draft(page)
    expect(total).to_have_text("0.25")


def test_subtotals_and_grand_total_and_rounding_match_the_server(page, login) -> None:
    login(page, "cgst-mum-e")
    open_from_index(page, "DPM-GST-ADJ-1", "CGST-MUM-E")
    field(page, "RECEIPT_NO", "ADC.AUDIT").press_sequentially("2")
    field(page, "RECEIPT_NO", "ADC.INVESTIGATION").press_sequentially("3")
    field(page, "RECEIPT_NO", "DC.AUDIT").press_sequentially("7")
    expect(shown(page, "RECEIPT_NO", "ADC.TOTAL")).to_have_text("5")
    expect(shown(page, "RECEIPT_NO", "DC.TOTAL")).to_have_text("7")
    expect(shown(page, "RECEIPT_NO", "SUPERINTENDENT.TOTAL")).to_have_text("")
    expect(shown(page, "RECEIPT_NO", "TOTAL")).to_have_text("12")  # data rows only, not subtotals

    # 23 / 160 * 100 = 14.375: half-up like the server, not binary toFixed (14.37)
    field(page, "DISPOSAL_NO", "ADC.COMMISSIONERATE").press_sequentially("160")
    field(page, "OIO_NO", "ADC.COMMISSIONERATE").press_sequentially("23")
    expect(shown(page, "OIO_PCT", "ADC.COMMISSIONERATE")).to_have_text("14.38")
    expect(shown(page, "OIO_PCT", "ADC.TOTAL")).to_have_text("14.38")
    save_draft(page)
    expect(shown(page, "OIO_PCT", "ADC.COMMISSIONERATE")).to_have_text("14.38")
    expect(shown(page, "OIO_PCT", "TOTAL")).to_have_text("14.38")


def test_free_rows_add_save_remove(page, login) -> None:
    login(page, "cgst-mum-e")
    open_from_index(page, "GI-GST-5", "CGST-MUM-E")
    data_rows = page.locator("#mpr-grid tbody tr.mpr-data")
    expect(data_rows).to_have_count(0)

    page.click("#mpr-add-row")
    expect(data_rows).to_have_count(1)
    row = "new-1"
    assert focused_name(page) == f"cell|{row}|PERSON_NAME"  # the new row's first cell has focus
    page.keyboard.type("Ramesh Kumar")
    page.keyboard.press("Enter")  # one row: from the foot of its column to the next column
    assert focused_name(page) == f"cell|{row}|PAN"
    page.keyboard.type("ABCDE1234F")
    field(page, "ARREST_DATE", row).fill("2024-05-10")
    field(page, "OFFENCE", row).select_option("132(1)(b) - invoice without supply")
    field(page, "BAIL_STATUS", row).select_option("Produced before Magistrate - released on bail")
    field(page, "TAX_EVASION_AMT", row).fill("250.75")
    save_draft(page)

    page.reload()
    expect(data_rows).to_have_count(1)
    key = data_rows.first.get_attribute("data-row")
    assert key and not key.startswith("new-")
    expect(data_rows.first.locator("th")).to_have_text("Arrest 1")
    expect(field(page, "PERSON_NAME", key)).to_have_value("Ramesh Kumar")
    expect(field(page, "PAN", key)).to_have_value("ABCDE1234F")
    expect(field(page, "ARREST_DATE", key)).to_have_value("2024-05-10")
    expect(field(page, "OFFENCE", key)).to_have_value("132(1)(b) - invoice without supply")
    expect(field(page, "BAIL_STATUS", key)).to_have_value("Produced before Magistrate - released on bail")
    expect(field(page, "TAX_EVASION_AMT", key)).to_have_value("250.75")

    data_rows.first.locator(".mpr-remove-row").click()
    expect(data_rows).to_have_count(0)
    save_draft(page)
    page.reload()
    expect(data_rows).to_have_count(0)


def test_added_row_removed_before_saving_is_never_stored(page, login) -> None:
    login(page, "cgst-mum-e")
    page.goto(f"/mpr/f/gi_gst_5/CGST-MUM-E/{PERIOD}")
    page.click("#mpr-add-row")
    page.click("#mpr-add-row")
    rows = page.locator("#mpr-grid tbody tr.mpr-data")
    expect(rows).to_have_count(2)
    field(page, "PERSON_NAME", "new-2").fill("Suresh Patil")
    rows.first.locator(".mpr-remove-row").click()
    expect(rows).to_have_count(1)
    expect(page.locator('input[name^="delete|"]')).to_have_count(0)  # nothing stored to delete
    save_draft(page)
    expect(rows).to_have_count(1)
    expect(rows.first.locator('input[name$="|PERSON_NAME"]')).to_have_value("Suresh Patil")


def test_dg_unit_grouped_rows_total_and_check(page, login) -> None:
    login(page, "dri-mzu")
    open_from_index(page, "DRI-CUS-3A", "DRI-MZU")
    groups = page.locator("#mpr-grid tbody tr.mpr-rowgroup th")
    expect(groups).to_have_text(["Import", "Export"])
    field(page, "RECEIPT_NOC", "IMPORT_GOLD").press_sequentially("6")
    field(page, "RECEIPT_NOC", "EXPORT_GOLD").press_sequentially("2")
    field(page, "RECEIPT_DUTY", "IMPORT_NARCO").press_sequentially("12.5")
    expect(shown(page, "RECEIPT_NOC", "TOTAL")).to_have_text("8")
    expect(shown(page, "CLOSING_NOC", "TOTAL")).to_have_text("8")
    expect(shown(page, "CLOSING_DUTY", "TOTAL")).to_have_text("12.50")

    # of the closing 6 cases, 7 cannot be pending beyond two years
    field(page, "PENDING_2Y_NOC", "IMPORT_GOLD").press_sequentially("7")
    message = cell(page, "PENDING_2Y_NOC", "IMPORT_GOLD").locator(".mpr-live-msg")
    expect(message).to_have_text("Cases pending beyond 2 years can not exceed the closing balance (No.)")
    field(page, "OPENING_NOC", "IMPORT_GOLD").press_sequentially("1")  # closing 7: now it may
    expect(message).to_have_count(0)
    expect(shown(page, "CLOSING_NOC", "TOTAL")).to_have_text("9")


def test_live_totals_read_in_indian_grouping_as_the_server_writes_them(page, login) -> None:
    login(page, "cgst-mum-e")
    open_from_index(page, "DPM-GST-ADJ-2", "CGST-MUM-E")
    closing_amt = shown(page, "CLOSING_AMT")
    field(page, "OPENING_AMT").fill("1234567.5")
    field(page, "RECEIPT_AMT").fill("1,00,00,000")  # a crore, typed grouped
    expect(closing_amt).to_have_text("1,12,34,567.50")
    field(page, "DISPOSAL_REVENUE_AMT").fill("99999.995")  # refused: three decimals
    expect(closing_amt).to_have_text("1,12,34,567.50")
    field(page, "DISPOSAL_REVENUE_AMT").fill("34567.25")
    expect(closing_amt).to_have_text("1,12,00,000.25")
    save_draft(page)
    expect(closing_amt).to_have_text("1,12,00,000.25")  # the server's page reads the same
    expect(field(page, "RECEIPT_AMT")).to_have_value("10000000.00")  # inputs keep plain digits


def test_a_computed_row_follows_the_typing_and_the_server_agrees(page, login) -> None:
    """DPM-GST-12: the end line is the start line plus the new registrations less cancellations."""
    login(page, "cgst-del-s")
    page.goto(f"/mpr/f/dpm_gst_12/CGST-DEL-S/{PERIOD}")
    page.wait_for_load_state("load")
    at_end = shown(page, "TAXPAYERS_NO", "AT_END")
    expect(at_end).to_have_text("")
    assert cell(page, "TAXPAYERS_NO", "AT_END").locator("input").count() == 0  # read-only
    field(page, "TAXPAYERS_NO", "AT_START").fill("1000")
    expect(at_end).to_have_text("1,000")
    field(page, "TAXPAYERS_NO", "NEW_NORMAL").fill("25")
    field(page, "TAXPAYERS_NO", "NEW_TDS_TCS").fill("3")
    expect(at_end).to_have_text("1,028")
    field(page, "TAXPAYERS_NO", "CANCELLED").fill("1030")
    expect(at_end).to_have_text("-2")
    expect(cell(page, "TAXPAYERS_NO", "AT_END")).to_contain_text(
        "The number of registrations can not be negative"
    )
    field(page, "TAXPAYERS_NO", "CANCELLED").fill("8")
    expect(at_end).to_have_text("1,020")
    for row in ("NEW_COMPOSITION", "NEW_NRTP_CASUAL"):
        field(page, "TAXPAYERS_NO", row).fill("0")
    save_draft(page)
    expect(shown(page, "TAXPAYERS_NO", "AT_END")).to_have_text("1,020")  # the server's own result
