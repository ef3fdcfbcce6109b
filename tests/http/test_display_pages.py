"""Pages show figures in Indian grouping, dates dd-mm-yyyy and months by name, in English and in Hindi."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from tests.http.conftest import ADJ2_FIRST_MONTH, get_grid, grid_url, save_grid, single
from tests.http.test_cycle import signed_in

ADJ2, OFFICE = "dpm_gst_adj_2", "CGST-MUM-E"
# the first month with an opening of twelve lakh: closing 12,34,567.50 + 120.50 - 120.25
LARGE = {**ADJ2_FIRST_MONTH, "OPENING_AMT": "1234567.50"}
EVENT_TIME = re.compile(r"<td>(\d{2}-\d{2}-\d{4}) \d{2}:\d{2}:\d{2}</td>")


def _client(app, language: str):
    client = signed_in(app, "cgst-mum-e")
    assert client.get(f"/lang/{language}").status_code == 302  # FAB's GET sets the session language
    return client


def _today_utc() -> set[str]:
    """Today's UTC date as dd-mm-yyyy (and tomorrow's, should the test run over midnight)."""
    now = dt.datetime.now(dt.UTC)
    return {day.strftime("%d-%m-%Y") for day in (now, now + dt.timedelta(minutes=5))}


@pytest.mark.parametrize(("language", "month"), [("en", "January 2024"), ("hi", "जनवरी 2024")])
def test_the_grid_shows_indian_grouping_and_the_month_by_name(app, language, month):
    client = _client(app, language)
    save_grid(client, ADJ2, OFFICE, "2024-01", single(LARGE))
    page = get_grid(client, ADJ2, OFFICE, "2024-01")
    assert page.value("_", "CLOSING_AMT") == "12,34,567.75"  # Latin digits in Hindi too
    assert page.inputs[("_", "OPENING_AMT")] == "1234567.50"  # an input keeps the digits as typed
    assert f"· {month} ·" in page.text
    assert "Jan 2024" not in page.html


@pytest.mark.parametrize("language", ["en", "hi"])
def test_the_history_dates_its_events_dd_mm_yyyy_and_groups_the_figures(app, language):
    client = _client(app, language)
    save_grid(client, ADJ2, OFFICE, "2024-01", single(LARGE))
    history = html.unescape(client.get(f"{grid_url(ADJ2, OFFICE, '2024-01')}/history").get_data(as_text=True))
    stamps = EVENT_TIME.findall(history)
    assert stamps and set(stamps) <= _today_utc(), "every event is dated dd-mm-yyyy HH:MM:SS, today"
    assert "12,34,567.50" in history  # the saved opening, as the office reads it
