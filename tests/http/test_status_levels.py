"""The status page by level: the summary by Zone, a Zone's returns page by page, an office's.

Everything is read off the pages as a user gets them (the Flask test client on the seeded
demo): each Zone's line must equal its returns counted from the drill-down, the filters
must narrow both, the pages must cover every return once, and no level may show another
Zone's offices.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter

import pytest

from tests.http.test_cycle import CGST, DATA, JAN, signed_in
from tests.http.test_status_todo import file_all, set_validated_at, submit

ZONE_LINE = re.compile(r'<tr data-zone="([^"]+)".*?</tr>', re.S)
COUNT = re.compile(r'<td data-count="([a-z-]+)">(\d+)</td>')
RETURN_ROW = re.compile(r'<tr data-office="([^"]+)" data-format="([^"]+)">.*?mpr-status-([a-z-]+)"', re.S)
LINK = re.compile(r'<a href="([^"]+)" rel="(next|prev)">')
SUBMITTED = {"submitted", "submitted-late", "validated-on-time", "validated-late"}
LATE = {"submitted-late", "validated-late"}
FILTERS = ("", "&show=late", "&show=not-reported", "&owner=DGCEI", "&owner=DGCEI&show=late")


@pytest.fixture
def filed(app):
    """CGST-MUM-E files its DGCEI formats (validated, one on time); DRI-MZU submits one late."""
    with app.test_request_context():
        file_all()
        set_validated_at(CGST.formats[0], dt.datetime(2024, 2, 14, 12, 0))
        submit("dri-mzu", "DRI-CUS-7", "DRI-MZU", JAN, DATA["DRI-CUS-7"])


def page(client, query: str, status: int = 200) -> str:
    """The status page for January 2024 with `query` appended."""
    response = client.get(f"/mpr/status/?period={JAN}{query}")
    assert response.status_code == status, query
    return response.get_data(as_text=True)


def summary(text: str) -> dict[str, dict[str, int]]:
    """Zone code -> {column: count} from the summary table."""
    return {zone: {k: int(v) for k, v in COUNT.findall(row)} for zone, row in _lines(text)}


def _lines(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(0)) for m in ZONE_LINE.finditer(text)]


def returns(text: str) -> list[tuple[str, str, str]]:
    """(office, format, state) of every return row the page draws."""
    return RETURN_ROW.findall(text)


def counted(rows: list[tuple[str, str, str]]) -> dict[str, int]:
    """What a Zone's line should read, counted from its return rows."""
    states = Counter(state for _office, _fmt, state in rows)
    offices = {office for office, _fmt, _state in rows}
    unvalidated = {office for office, _fmt, state in rows if not state.startswith("validated")}
    return {
        "offices": len(offices),
        "offices-validated": len(offices - unvalidated),
        "expected": len(rows),
        "submitted": sum(states[s] for s in SUBMITTED),
        "validated": states["validated-on-time"] + states["validated-late"],
        "late": sum(states[s] for s in LATE),
        "not-reported": states["not-reported"],
    }


def all_pages(client, query: str) -> list[tuple[str, str, str]]:
    """Every return row, following rel="next" from the first page to the last."""
    rows, url, seen = [], f"/mpr/status/?period={JAN}{query}", 0
    while url:
        text = client.get(url).get_data(as_text=True)
        rows.extend(returns(text))
        url = next((html.unescape(href) for href, rel in LINK.findall(text) if rel == "next"), None)
        seen += 1
        assert seen < 100, "pagination does not end"
    return rows


def test_each_zone_line_equals_its_returns_summed_under_every_filter(app, filed):
    board = signed_in(app, "member-customs")
    for query in FILTERS:
        lines = summary(page(board, query))
        assert lines, query
        for zone, line in lines.items():
            rows = returns(page(board, f"{query}&zone={zone}&per_page=200"))
            assert counted(rows) == line, (query, zone)


def test_filters_narrow_the_summary_and_the_returns(app, filed):
    board = signed_in(app, "member-customs")
    everything = summary(page(board, ""))
    late = summary(page(board, "&show=late"))
    missing = summary(page(board, "&show=not-reported"))
    for zone, line in everything.items():
        assert late[zone]["expected"] == line["late"]
        assert missing[zone]["expected"] == line["not-reported"]
    assert late["GZ-MUM"]["late"] == 2 and late["DGRI"]["late"] == 1  # two validated late, one submitted late
    assert missing["GZ-MUM"]["expected"] < everything["GZ-MUM"]["expected"]
    rows = returns(page(board, "&zone=GZ-MUM&show=late&per_page=200"))
    assert {state for *_rest, state in rows} == {"validated-late"}
    assert {(office, fmt) for office, fmt, _state in rows} == {
        ("CGST-MUM-E", code) for code in CGST.formats[1:]
    }
    owned = returns(page(board, "&zone=GZ-MUM&owner=DGCEI&per_page=200"))
    assert {fmt for _office, fmt, _state in owned} == set(CGST.formats)


def test_pages_cover_every_return_exactly_once_and_keep_the_filters(app, filed):
    board = signed_in(app, "member-customs")
    whole = returns(page(board, "&zone=GZ-MUM&per_page=200"))
    assert len(whole) > 12
    paged = all_pages(board, "&zone=GZ-MUM&per_page=5")
    assert paged == whole and len(set(paged)) == len(paged)

    second = page(board, "&zone=GZ-MUM&show=not-reported&per_page=5&page=2")
    total = len(returns(page(board, "&zone=GZ-MUM&show=not-reported&per_page=200")))
    assert f"Showing 6–10 of {total}" in html.unescape(second)
    assert '<a href="' in second and 'aria-current="page">2</a>' in second
    links = {rel: html.unescape(href) for href, rel in LINK.findall(second)}
    assert set(links) == {"prev", "next"}
    for link in links.values():
        assert "zone=GZ-MUM" in link and "show=not-reported" in link and "per_page=5" in link
    beyond = page(board, "&zone=GZ-MUM&per_page=5&page=999")  # past the end: the last page
    assert returns(beyond) == whole[-(len(whole) % 5 or 5) :]


def test_the_summary_adds_up_to_what_the_api_lists(app, client, api_token, filed):
    board = signed_in(app, "member-customs")
    lines = summary(page(board, ""))
    api = client.get(f"/api/v1/mpr/status?period={JAN}", headers=api_token("member-customs"))
    assert api.status_code == 200
    assert sum(line["expected"] for line in lines.values()) == len(api.get_json()["result"])


def test_a_zone_never_sees_another_zones_level(app, filed):
    zone = signed_in(app, "gz-mum")
    own = page(zone, "")  # one Zone in jurisdiction: its line and its returns at once
    assert set(summary(own)) == {"GZ-MUM"}
    assert {office for office, *_rest in returns(own)} <= {
        "CGST-MUM-E",
        "CGST-MUM-W",
        "LTU-MUM",
        "CGST-MUM-AUD1",
    }
    assert returns(page(zone, "&zone=GZ-MUM&per_page=200")) == returns(page(zone, "&per_page=200"))
    for query in (
        "&zone=GZ-DEL",
        "&zone=DGRI",
        "&office=CGST-DEL-N",
        "&zone=GZ-MUM&office=CGST-DEL-N",
        "&zone=NO",
    ):
        page(zone, query, status=404)
    office_level = returns(page(zone, "&office=CGST-MUM-E"))
    assert office_level and {office for office, *_rest in office_level} == {"CGST-MUM-E"}


def test_an_office_sees_only_its_own_returns_at_every_level(app, filed):
    office = signed_in(app, "cgst-mum-e")
    own = page(office, "&per_page=200")
    assert "mpr-status-zones" not in own
    assert {code for code, *_rest in returns(own)} == {"CGST-MUM-E"}
    assert {code for code, *_rest in returns(page(office, "&zone=GZ-MUM&per_page=200"))} == {"CGST-MUM-E"}
    for query in ("&office=CGST-MUM-W", "&zone=GZ-DEL", "&zone=GZ-MUM&office=CGST-MUM-W"):
        page(office, query, status=404)


def test_the_board_and_an_owner_see_every_zone_but_not_a_non_zone(app, filed):
    board = signed_in(app, "member-customs")
    assert {"GZ-MUM", "GZ-DEL", "CZ-MUM-I", "DGRI", "DGCEI"} <= set(summary(page(board, "")))
    assert not returns(page(board, ""))  # the summary draws no return rows
    for query in ("&zone=CGST-MUM-E", "&zone=CBIC", "&zone=GZ-MUM&office=CGST-DEL-N"):
        page(board, query, status=404)
    owner = signed_in(app, "dgcei-fo")
    rows = returns(page(owner, "&zone=GZ-MUM&per_page=200"))
    assert rows and {fmt for _office, fmt, _state in rows} <= set(CGST.formats) | {"GI-GST-1", "GI-GST-3"}
    assert all(fmt.startswith("GI-") for _office, fmt, _state in rows)


def test_status_tables_are_labelled_for_screen_readers(app, filed):
    board = signed_in(app, "member-customs")
    text = page(board, "")
    assert "<caption>" in text and '<th scope="col">' in text and '<th scope="row">' in text
    drill = page(board, "&zone=GZ-MUM&per_page=5")
    assert 'aria-label="Pages of returns"' in drill and 'aria-current="page">1</a>' in drill
    assert 'rel="next"' in drill and 'rel="prev"' not in drill
    assert 'aria-current="page">GZ-MUM</li>' in drill
