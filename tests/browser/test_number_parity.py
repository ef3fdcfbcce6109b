"""The grid reads a typed number exactly as the server does (issue 8): one grammar, both sides.

Each input of the table is typed into a real grid cell; the live total shows what the
server's `parse_cell` says the input means, or the cell shows the server's own message.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.definitions.months import Month
from app.presenters.display import indian_number
from app.services.engine import catalogue
from app.services.engine.cell_input import CellInputError, parse_cell
from tests.browser.test_grid_browser import PERIOD, cell, field, open_from_index, save_draft, shown
from tests.unit.test_cell_input import NUMBER_CASES, REFUSED_CASES

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

pytestmark = pytest.mark.browser

EXTRA = [
    "1,250.50",
    "1250.5",
    "0.25",
    "1.234",
    "3.0",
    "12a",
    "",
    "  7  ",
    "1,23,45,678",
    "99,999",
    "1,00,000.25",
    "9999999999999.99",
    "9,99,99,99,99,99,999.99",
    "10000000000000",
    "0.00",
    "\u0967\u0968\u0969",
    "\u00a0\u00a0",
]
INPUTS = [text for text, _ in NUMBER_CASES] + [text for text, _ in REFUSED_CASES] + EXTRA


def _server(app, format_code: str, column: str, text: str) -> tuple[str | None, str | None]:
    """What the server makes of `text` in that column: (value shown in Indian grouping, message)."""
    with app.app_context():
        col = catalogue.definitions().formats[format_code].column(column)
        places = 0 if col.type == "count" else 2
        try:
            value = parse_cell(col, text, dt.date.today())
        except CellInputError as error:
            return None, str(error)
    if value is None:
        return "", None
    return indian_number(value, places), None  # shown as the server's pages show it: 1,23,456.50


def _agree(page, app, format_code: str, column: str, row: str, total: tuple[str, str]) -> int:
    checked = 0
    field(page, column, row).fill("")
    blank = shown(page, total[1], total[0]).inner_text().strip()  # what a blank cell leads to
    for text in INPUTS:
        if text.lstrip().startswith("-"):
            continue  # bounds (min 0) are the server's at save; this table is about the grammar
        value, message = _server(app, format_code, column, text)
        field(page, column, row).fill(text)
        live = cell(page, column, row).locator(".mpr-live-msg")
        if message is None:
            expect(live).to_have_count(0)
            expect(shown(page, total[1], total[0])).to_have_text(value or blank)
        else:
            expect(live).to_have_text(message)
            expect(shown(page, total[1], total[0])).to_have_text(blank)  # a refused cell counts as blank
        checked += 1
    return checked


def test_the_grid_reads_every_input_of_the_table_as_the_server_does(page, login, live_server) -> None:
    login(page, "cgst-mum-e")
    open_from_index(page, "DDM-GST-2", "CGST-MUM-E")
    amounts = _agree(
        page, live_server.app, "DDM-GST-2", "FOR_MONTH", "AUDIT_RECOVERY", ("TOTAL", "FOR_MONTH")
    )
    assert amounts >= 50


def test_a_count_cell_agrees_and_a_grouped_amount_is_stored_exactly(page, login, live_server) -> None:
    login(page, "cgst-mum-e")
    page.goto(f"/mpr/f/dpm_gst_adj_2/CGST-MUM-E/{PERIOD}")
    field(page, "OPENING_NO").fill("0")
    counts = _agree(page, live_server.app, "DPM-GST-ADJ-2", "RECEIPT_NO", "_", ("_", "CLOSING_NO"))
    assert counts >= 50
    field(page, "RECEIPT_NO").fill("1,234")
    field(page, "OPENING_AMT").fill("1,23,456.50")
    save_draft(page)
    from tests.http.conftest import stored

    saved = stored(live_server.app, "DPM-GST-ADJ-2", "CGST-MUM-E", PERIOD)["_"]
    assert saved["RECEIPT_NO"] == 1234
    assert saved["OPENING_AMT"] == Decimal("123456.50")
    assert Month.parse(PERIOD)
