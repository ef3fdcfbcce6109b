"""A correction as a record: the owner's comparison in words, and the same comparison long after approval.

The changed cells are named row — group — column with old, new and difference; the computed cells
and later openings that follow are listed; unchanged cells are folded away. After approval the
comparison still shows exactly the cells the correction changed (the figures it replaced are kept),
and the return's history lists who raised and decided it, why, and what changed, never raw JSON.
"""

from __future__ import annotations

import html
import re

from tests.http.test_cycle import (
    CGST,
    FEB,
    GI2_FEB,
    JAN,
    correction_form,
    correction_number,
    decide_form,
    file_and_validate,
    follow,
    signed_in,
    submit_page,
)

RECEIPT = "Receipt during the month — No."


def table_rows(page: str, css: str) -> dict[tuple[str, str], list[str]]:
    """{(row, column): [cell texts]} of the comparison table with class `css`."""
    match = re.search(rf'<table class="[^"]*mpr-compare {css}">(.*?)</table>', page, re.S)
    if match is None:
        return {}
    found = {}
    for row, col, body in re.findall(
        r'<tr[^>]*data-row="([^"]*)" data-col="([^"]*)">(.*?)</tr>', match.group(1), re.S
    ):
        found[(row, col)] = [
            html.unescape(re.sub(r"<[^>]+>", "", td)).strip()
            for td in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        ]
    return found


def raise_and_show(app):
    file_and_validate(app, CGST)
    office = signed_in(app, "cgst-mum-e")
    follow(office, submit_page(office, "GI-GST-2", "CGST-MUM-E", FEB, GI2_FEB))  # Feb: submitted
    why = "Receipt register re-checked: 3 cases"
    number = correction_number(
        follow(office, correction_form(office, "GI-GST-2", "CGST-MUM-E", JAN, CGST.change, why))
    )
    return office, number


def test_the_owner_reads_each_change_with_what_follows_from_it(app):
    office, number = raise_and_show(app)
    owner = signed_in(app, "dgcei-fo")
    page = owner.get(f"/mpr/corrections/{number}").get_data(as_text=True)
    changed = table_rows(page, "mpr-changed")
    assert set(changed) == {("_", "RECEIPT_NO"), ("_", "LESS_THAN_2_NO")}
    name, _number, old, new, difference = changed[("_", "RECEIPT_NO")]
    assert name.endswith(RECEIPT) and (old, new, difference) == ("2", "3", "+1")
    follows = table_rows(page, "mpr-follows")
    assert follows[("_", "CLOSING_BALANCE_NO")][2:] == ["6", "7", "+1"]
    later = table_rows(page, "mpr-later-openings")
    assert set(later) == {("_", "OPENING_BALANCE_NO")}  # Feb's opening moves with Jan's closing
    assert later[("_", "OPENING_BALANCE_NO")][0] == "Opening balance — No. of cases"
    assert later[("_", "OPENING_BALANCE_NO")][2:] == ["6", "7", "+1"]
    assert "its opening balance follows automatically" in page
    assert '<details class="mpr-unchanged">' in page and "<details open" not in page
    assert office.get(f"/mpr/corrections/{number}").get_data(as_text=True).count("mpr-changed") == 1


def test_after_approval_the_comparison_and_history_still_show_exactly_what_changed(app):
    office, number = raise_and_show(app)
    owner = signed_in(app, "dgcei-fo")
    assert "approved" in follow(owner, decide_form(owner, number, "approve"))
    page = owner.get(f"/mpr/corrections/{number}").get_data(as_text=True)
    changed = table_rows(page, "mpr-changed")
    assert set(changed) == {
        ("_", "RECEIPT_NO"),
        ("_", "LESS_THAN_2_NO"),
    }  # the changed cells and nothing else
    assert changed[("_", "RECEIPT_NO")][2:] == ["2", "3", "+1"]
    assert changed[("_", "LESS_THAN_2_NO")][2:] == ["4", "5", "+1"]
    assert table_rows(page, "mpr-follows")[("_", "CLOSING_BALANCE_NO")][2:] == ["6", "7", "+1"]
    assert "approved by dgcei-fo" in page
    home = office.get("/").get_data(as_text=True)
    assert "mpr-todo-approved" in home and f"Correction No. {number} (GI-GST-2) approved" in home

    history = office.get("/mpr/f/gi_gst_2/CGST-MUM-E/2024-01/history").get_data(as_text=True)
    text = html.unescape(history)
    assert "Revision 1" in text and "Revision 2</strong> — current" in text
    assert f"No. {number}" in text and "raised by cgst-mum-e" in text and "approved by dgcei-fo" in text
    assert "Receipt register re-checked: 3 cases" in text
    assert set(table_rows(history, "mpr-changed")) == {("_", "RECEIPT_NO"), ("_", "LESS_THAN_2_NO")}
    assert f"{RECEIPT}: 2 → 3" in text  # the correction-applied event, in words
    assert '{"' not in text and "mpr-json" not in text  # never raw JSON
