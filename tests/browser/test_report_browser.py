"""A Board user reads a report in a real browser: all India, drill to a Zone and an office, Excel, print.

The data are validated DPM-GST-ADJ-1 returns written straight into the live server's
database; the page must show them with no console error and no CSP violation.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.definitions.months import Month
from tests.report_data import put_return

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

FORMAT, PERIOD = "DPM-GST-ADJ-1", "2024-05"


@pytest.fixture
def validated(live_server):
    with live_server.app.app_context():
        for index, office in enumerate(("CGST-MUM-E", "CGST-MUM-W", "CGST-DEL-N")):
            cells = {"RECEIPT_NO": 3 + index, "RECEIPT_AMT": Decimal("1.50"), "DISPOSAL_NO": 2, "OIO_NO": 1}
            for month in (Month(2024, 4), Month(2024, 5)):
                put_return(FORMAT, office, month, "validated", {"ADC.AUDIT": cells})


def receipt(page, table: str, row: str):
    return page.locator(f'#{table} tr[data-row="{row}"] td[data-col="RECEIPT_NO"]')


def test_board_user_drills_down_downloads_excel_and_prints(page, login, validated):
    login(page, "member-customs")
    page.goto(f"/mpr/reports/?period={PERIOD}")
    page.select_option("#format", FORMAT)
    page.select_option("#unit", "INDIA")
    with page.expect_navigation():
        page.click("#mpr-report-chooser button[type=submit]")
    expect(page.locator(".mpr-completeness").first).to_contain_text("Included: 3 of")
    expect(receipt(page, "mpr-report-dpm_gst_adj_1", "ADC.AUDIT")).to_have_text("12")
    upto = '#mpr-report-dpm_gst_adj_1 tr[data-row="ADC.AUDIT"] td[data-col="RECEIPT_UPTO_NO"]'
    expect(page.locator(upto)).to_have_text("24")
    expect(receipt(page, "mpr-children-dpm_gst_adj_1", "GZ-MUM")).to_have_text("7")

    with page.expect_navigation():
        page.click('#mpr-children-dpm_gst_adj_1 tr[data-row="GZ-MUM"] a.mpr-drill')
    expect(page.locator(".mpr-breadcrumbs")).to_contain_text("All India")
    expect(receipt(page, "mpr-report-dpm_gst_adj_1", "ADC.AUDIT")).to_have_text("7")
    with page.expect_navigation():
        page.click('#mpr-children-dpm_gst_adj_1 tr[data-row="CGST-MUM-W"] a.mpr-drill')
    expect(receipt(page, "mpr-report-dpm_gst_adj_1", "ADC.AUDIT")).to_have_text("4")
    with page.expect_navigation():
        page.click(".mpr-breadcrumbs a:has-text('Mumbai')")
    expect(receipt(page, "mpr-report-dpm_gst_adj_1", "ADC.AUDIT")).to_have_text("7")

    with page.expect_download() as download_info:
        page.click("#mpr-xlsx")
    download = download_info.value
    assert download.suggested_filename == f"{FORMAT}_GZ-MUM_{PERIOD}.xlsx"
    with open(download.path(), "rb") as workbook:
        assert workbook.read(2) == b"PK"

    with page.expect_navigation():
        page.click("#mpr-print")
    expect(page.locator(".mpr-print-page").first).to_contain_text("Generated at")
    expect(page.locator(".mpr-print-page")).to_have_count(2)  # 23 columns: two A4 slices
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", landscape=True)
    assert pdf[:4] == b"%PDF"
