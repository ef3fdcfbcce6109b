"""Pasting a block from a spreadsheet: it fills right and down over the editable cells.

DPM-GST-ADJ-1 has rows authority x category with subtotals, entered columns around the
computed OIO_PCT, CLOSING_NO and CLOSING_AMT; 2024-05 is its first month here, so the
opening is typed too. GI-GST-5 (free rows) has choice cells.
"""

from __future__ import annotations

import pytest

from tests.browser.test_grid_browser import cell, field, open_from_index, save_draft, shown

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

FORMAT, OFFICE = "DPM-GST-ADJ-1", "CGST-MUM-E"

PASTE = """(text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  const event = new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true});
  return document.activeElement.dispatchEvent(event);
}"""


def paste(page, column: str, row: str, text: str) -> bool:
    """Focus one cell and paste `text` into it as the clipboard would; False if the default was prevented."""
    page.wait_for_function("() => window.MPRGrid")  # the grid's script has run (it is at the page's end)
    field(page, column, row).focus()
    return page.evaluate(PASTE, text)


def status(page):
    """The paste report near the grid."""
    return page.locator("#mpr-paste-status")


def test_block_with_indian_and_international_grouping_fills_right_and_down(page, login) -> None:
    login(page, "cgst-mum-e")
    open_from_index(page, FORMAT, OFFICE)
    expect(status(page)).to_have_attribute("role", "status")
    expect(status(page)).to_have_attribute("aria-live", "polite")
    field(page, "DISPOSAL_NO", "ADC.CALLBOOK").fill("10")
    field(page, "DISPOSAL_NO", "DC.COMMISSIONERATE").fill("8")

    # from OIO_NO: OIO_PCT, CLOSING_NO and CLOSING_AMT are skipped; the ADC subtotal row too
    block = "5\t 1,23,456.50 \t3\r\n2\t123,456.50\t1\r\n"
    assert paste(page, "OIO_NO", "ADC.CALLBOOK", block) is False
    expect(status(page)).to_have_text("Pasted 6 cells.")
    typed = {
        ("OIO_NO", "ADC.CALLBOOK"): "5",
        ("OIO_AMT", "ADC.CALLBOOK"): "1,23,456.50",
        ("AGE_LESS_3_NO", "ADC.CALLBOOK"): "3",
        ("OIO_NO", "DC.COMMISSIONERATE"): "2",
        ("OIO_AMT", "DC.COMMISSIONERATE"): "123,456.50",
        ("AGE_LESS_3_NO", "DC.COMMISSIONERATE"): "1",
    }
    for (column, row), value in typed.items():
        expect(field(page, column, row)).to_have_value(value)
    expect(field(page, "OIO_NO", "ADC.TOTAL")).to_have_count(0)
    expect(field(page, "AGE_3_TO_6_NO", "ADC.CALLBOOK")).to_have_value("")  # nothing beyond the block
    expect(field(page, "OIO_NO", "DC.AUDIT")).to_have_value("")

    live = {
        ("OIO_PCT", "ADC.CALLBOOK"): "50.00",
        ("OIO_PCT", "DC.COMMISSIONERATE"): "25.00",
        ("OIO_AMT", "ADC.TOTAL"): "1,23,456.50",
        ("OIO_AMT", "DC.TOTAL"): "1,23,456.50",
        ("OIO_AMT", "TOTAL"): "2,46,913.00",
        ("OIO_NO", "TOTAL"): "7",
        ("AGE_LESS_3_NO", "TOTAL"): "4",
        ("CLOSING_NO", "ADC.CALLBOOK"): "-10",
    }
    for (column, row), value in live.items():
        expect(shown(page, column, row)).to_have_text(value)
    expect(cell(page, "OIO_AMT", "ADC.CALLBOOK").locator(".mpr-live-msg")).to_have_count(0)

    save_draft(page)  # what the server stored is what the grid showed
    for (column, row), value in live.items():
        expect(shown(page, column, row)).to_have_text(value)
    expect(field(page, "OIO_AMT", "ADC.CALLBOOK")).to_have_value("123456.50")
    expect(field(page, "OIO_AMT", "DC.COMMISSIONERATE")).to_have_value("123456.50")


def test_refused_number_is_placed_flagged_and_not_counted(page, login, page_problems) -> None:
    page_problems.allow(r"status of 422 .*/mpr/f/dpm_gst_adj_1/")  # the refused save is answered 422
    login(page, "cgst-mum-e")
    open_from_index(page, FORMAT, OFFICE)
    field(page, "OPENING_AMT", "ADC.COMMISSIONERATE").fill("500")
    block = "312.51\u2026\t3\t100\n1,000.50\t1\t200.25\n"
    paste(page, "RECEIPT_AMT", "ADC.COMMISSIONERATE", block)
    expect(status(page)).to_have_text(
        "Pasted 6 cells. Not accepted as typed: 1 (see the message at the cell)."
    )
    refused = field(page, "RECEIPT_AMT", "ADC.COMMISSIONERATE")
    expect(refused).to_have_value("312.51\u2026")
    message = "'312.51\u2026' is not a number"
    expect(cell(page, "RECEIPT_AMT", "ADC.COMMISSIONERATE").locator(".mpr-live-msg")).to_have_text(message)
    expect(shown(page, "CLOSING_AMT", "ADC.COMMISSIONERATE")).to_have_text("400.00")  # 500 - 100, not 812.51
    expect(shown(page, "CLOSING_AMT", "ADC.AUDIT")).to_have_text("800.25")
    expect(shown(page, "RECEIPT_AMT", "ADC.TOTAL")).to_have_text("1,000.50")
    expect(shown(page, "CLOSING_AMT", "TOTAL")).to_have_text("1,200.25")

    with page.expect_navigation():  # the server refuses it with the same words
        page.click("#mpr-save")
    expect(cell(page, "RECEIPT_AMT", "ADC.COMMISSIONERATE").locator(".mpr-msg")).to_have_text(message)
    expect(field(page, "RECEIPT_AMT", "ADC.COMMISSIONERATE")).to_have_value("312.51\u2026")

    field(page, "RECEIPT_AMT", "ADC.COMMISSIONERATE").fill("312.51")
    expect(shown(page, "CLOSING_AMT", "ADC.COMMISSIONERATE")).to_have_text("712.51")
    expect(shown(page, "CLOSING_AMT", "TOTAL")).to_have_text("1,512.76")
    save_draft(page)
    expect(shown(page, "CLOSING_AMT", "ADC.COMMISSIONERATE")).to_have_text("712.51")
    expect(shown(page, "CLOSING_AMT", "TOTAL")).to_have_text("1,512.76")
    expect(field(page, "RECEIPT_AMT", "ADC.AUDIT")).to_have_value("1000.50")


def test_block_past_the_last_column_and_row_says_what_was_not_filled(page, login) -> None:
    login(page, "cgst-mum-e")
    open_from_index(page, FORMAT, OFFICE)
    paste(page, "TIME_6_TO_12_NO", "SUPERINTENDENT.CALLBOOK", "1\t2\t3\n4\t5\t6")
    expect(field(page, "TIME_6_TO_12_NO", "SUPERINTENDENT.CALLBOOK")).to_have_value("1")
    expect(field(page, "TIME_MORE_THAN_1_NO", "SUPERINTENDENT.CALLBOOK")).to_have_value("2")
    expect(shown(page, "TIME_MORE_THAN_1_NO", "TOTAL")).to_have_text("2")
    expect(status(page)).to_have_text(
        "Pasted 2 cells. 4 could not be filled: pasted row 1, column 3 (beyond the last column), "
        "pasted row 2, column 1 (beyond the last row), pasted row 2, column 2 (beyond the last row), "
        "pasted row 2, column 3 (beyond the last row)."
    )


def test_single_value_keeps_the_default_paste(page, login) -> None:
    login(page, "cgst-mum-e")
    open_from_index(page, FORMAT, OFFICE)
    assert paste(page, "RECEIPT_NO", "ADC.AUDIT", "12") is True  # not prevented: the browser pastes it
    expect(status(page)).to_have_text("")


def test_choice_cells_take_only_their_choices(page, login) -> None:
    login(page, "cgst-mum-e")
    open_from_index(page, "GI-GST-5", OFFICE)
    page.click("#mpr-add-row")
    row = "new-1"
    bail = "Produced before Magistrate - released on bail"
    paste(page, "ARREST_DATE", row, f"2024-05-10\tno such offence\t{bail}\t250.75\n")
    expect(field(page, "ARREST_DATE", row)).to_have_value("2024-05-10")
    expect(field(page, "OFFENCE", row)).to_have_value("")
    expect(field(page, "BAIL_STATUS", row)).to_have_value(bail)
    expect(field(page, "TAX_EVASION_AMT", row)).to_have_value("250.75")
    expect(status(page)).to_have_text(
        "Pasted 3 cells. 1 could not be filled: row 'New arrest' — "
        "column 'Offence (s.69 read with s.132(1) CGST Act)' (not one of the choices)."
    )


def test_a_value_a_cell_cannot_hold_is_reported_with_its_column_group(page, login) -> None:
    login(page, "cgst-mum-e")
    open_from_index(page, "GI-GST-5", OFFICE)
    page.click("#mpr-add-row")
    row = "new-1"
    field(page, "PROSECUTION_SANCTION_DATE", row).fill("2024-05-01")
    paste(page, "PROSECUTION_SANCTION_DATE", row, "31/02/2024\t20-05-2024")
    # a date is read day first, as Excel shows it here (20-05-2024); no 31 February: what it held stays
    expect(field(page, "PROSECUTION_SANCTION_DATE", row)).to_have_value("2024-05-01")
    expect(field(page, "PROSECUTION_LAUNCH_DATE", row)).to_have_value("2024-05-20")
    expect(status(page)).to_have_text(
        "Pasted 1 cell. 1 could not be filled: row 'New arrest' — "
        "column 'Prosecution — Date of sanction' (not accepted by this cell)."
    )
