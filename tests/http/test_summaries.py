"""Monthly Summary Reports over HTTP: equal to the reports they summarise, ranked, drilled into a Zone,
for the format's owner and the Board only; pages, print and Excel."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from app.definitions.months import Month
from tests.http.test_cycle import signed_in
from tests.http.test_reports import call  # noqa: F401 - the JWT-per-user fixture
from tests.report_data import put_return

MAY = Month(2024, 5)
MSR = "MSR-DPM-GST-ADJ-1"
PRODUCT = "DPM-GST-ADJ-1"
SHOWN = ("OPENING_NO", "RECEIPT_NO", "DISPOSAL_NO", "DISPOSAL_UPTO_NO", "CLOSING_NO", "CLOSING_AMT")
# office -> (receipts, older than a year) of ADC.AUDIT; Delhi's closing is the largest
FIGURES = {"CGST-MUM-E": (4, 1), "CGST-MUM-W": (6, 2), "CGST-DEL-N": (9, 3), "CGST-DEL-S": (7, 0)}


@pytest.fixture
def adjudication(app):
    """DPM-GST-ADJ-1 for April and May 2024: validated but for CGST-DEL-S (only submitted)."""
    with app.app_context():
        for office, (receipts, old) in FIGURES.items():
            status = "submitted" if office == "CGST-DEL-S" else "validated"
            for month in (Month(2024, 4), MAY):
                cells = {
                    "RECEIPT_NO": receipts,
                    "RECEIPT_AMT": Decimal("12.50") * receipts,
                    "DISPOSAL_NO": 1,
                    "AGE_MORE_THAN_1_NO": old,
                }
                put_return(
                    PRODUCT, office, month, status, {"ADC.AUDIT": cells, "DC.AUDIT": {"RECEIPT_NO": 2}}
                )


def _msr(call, user: str, query: str = "", status: int = 200) -> dict:  # noqa: F811
    response = call(user, "GET", f"/msr/{MSR}/{MAY}{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def _report_total(call, unit: str) -> dict:  # noqa: F811
    response = call("member-customs", "GET", f"/reports/{PRODUCT}/{unit}/{MAY}")
    assert response.status_code == 200
    return next(r["cells"] for r in response.get_json()["rows"] if r["key"] == "TOTAL")


def test_each_line_is_its_zone_report_and_the_last_line_the_all_india_report(app, call, adjudication):  # noqa: F811
    found = _msr(call, "member-customs")
    *zones, india = found["rows"]
    assert (india["unit"], india["total"]) == ("INDIA", True)
    assert {code: india["cells"][code] for code in SHOWN} == {
        code: _report_total(call, "INDIA")[code] for code in SHOWN
    }
    for line in zones:
        report = _report_total(call, line["unit"])
        assert {code: line["cells"][code] for code in SHOWN} == {code: report[code] for code in SHOWN}, line[
            "unit"
        ]
    # the ratio is recomputed from the line's own figures, never summed
    for line in found["rows"]:
        cells = line["cells"]
        if cells["CLOSING_NO"]:
            expected = Decimal(cells["AGE_MORE_THAN_1_NO"]) / Decimal(cells["CLOSING_NO"]) * 100
            assert Decimal(cells["OLD_PCT"]) == expected.quantize(Decimal("0.01"))


def test_lines_are_ranked_by_the_key_measure_both_ways(app, call, adjudication):  # noqa: F811
    found = _msr(call, "member-customs")
    assert found["key"] == "CLOSING_NO" and found["order"] == "desc"
    ranked = [line for line in found["rows"][:-1] if line["rank"] is not None]
    closings = [line["cells"]["CLOSING_NO"] for line in ranked]
    assert closings == sorted(closings, reverse=True) and closings[0] > 0
    # closing = receipts - 1 disposal + 2 (DC): Mumbai (3 + 2) + (5 + 2) = 12; Delhi (DEL-N only) 8 + 2
    assert [(line["unit"], line["cells"]["CLOSING_NO"]) for line in ranked] == [
        ("GZ-MUM", 12),
        ("GZ-DEL", 10),
    ]
    ascending = _msr(call, "member-customs", "?order=asc")
    assert [line["unit"] for line in ascending["rows"][:-1] if line["rank"] is not None] == [
        "GZ-DEL",
        "GZ-MUM",
    ]
    assert _msr(call, "member-customs", "?order=up", status=422)["code"] == "bad_order"


def test_a_zone_opens_its_commissionerates_and_its_total_is_the_zone_report(app, call, adjudication):  # noqa: F811
    found = _msr(call, "dgicce", "?zone=GZ-DEL")
    *offices, total = found["rows"]
    assert [line["unit"] for line in offices] == ["CGST-DEL-N", "CGST-DEL-S"]  # ranked: only DEL-N validated
    assert (offices[0]["rank"], offices[1]["rank"]) == (1, None)
    assert total["unit"] == "GZ-DEL"
    assert total["cells"]["CLOSING_NO"] == _report_total(call, "GZ-DEL")["CLOSING_NO"]
    assert total["completeness"] == {"expected": 2, "included": 1, "missing": ["CGST-DEL-S"]}
    india = _msr(call, "dgicce")
    delhi = next(line for line in india["rows"] if line["unit"] == "GZ-DEL")
    assert delhi["completeness"]["missing"] == ["CGST-DEL-S"]
    assert india["complete"]["lines"] < india["complete"]["of"]


@pytest.mark.parametrize(
    ("user", "status"),
    [("member-customs", 200), ("dgicce", 200), ("tar", 404), ("gz-mum", 403), ("cgst-mum-e", 403)],
)
def test_the_format_owner_and_the_board_read_it(app, call, user, status):  # noqa: F811
    _msr(call, user, status=status)


def test_the_list_names_what_the_caller_may_read(app, call):  # noqa: F811
    board = {s["code"] for s in call("member-customs", "GET", "/msr").get_json()["result"]}
    tar = call("tar", "GET", "/msr").get_json()["result"]
    assert {MSR, "MSR-DPM-GST-ADJ-2", "MSR-TAR-CE-3"} <= board
    assert tar == [
        {"code": "MSR-TAR-CE-3", "format": "TAR-CE-3", "title": tar[0]["title"], "key": "CLOSING_AMT"}
    ]
    assert call("cgst-mum-e", "GET", "/msr").status_code == 403


def test_the_pages_sort_drill_down_print_and_download(app, login_as, adjudication):
    board = login_as("member-customs")
    index = board.get("/mpr/msr/").get_data(as_text=True)
    assert MSR in index and "DGICCE" in index
    page = board.get(f"/mpr/msr/{MSR}/{MAY}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'aria-sort="descending"' in html and f"/mpr/msr/{MSR}/{MAY}?order=desc&amp;zone=GZ-DEL" in html
    assert "of 2 Zones fully validated" in html or "Zones fully validated" in html
    drilled = board.get(f"/mpr/msr/{MSR}/{MAY}?zone=GZ-DEL&order=asc").get_data(as_text=True)
    assert 'data-unit="CGST-DEL-N"' in drilled and 'aria-sort="ascending"' in drilled
    assert board.get(f"/mpr/msr/?code={MSR}&period=2024-05&order=asc").location.endswith(
        f"/mpr/msr/{MSR}/2024-05?order=asc"
    )
    printed = board.get(f"/mpr/msr/{MSR}/{MAY}/print").get_data(as_text=True)
    assert 'data-summary="MSR-DPM-GST-ADJ-1"' in printed
    workbook = board.get(f"/mpr/msr/{MSR}/{MAY}/xlsx")
    assert (
        workbook.headers["Content-Disposition"].endswith(f'{MSR}_{MAY}.xlsx"')
        or MSR in workbook.headers["Content-Disposition"]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.data)).active
    labels = [sheet.cell(row, 1).value for row in range(1, sheet.max_row + 1)]
    assert any(str(label).startswith("1. ") for label in labels if label)
    assert "All India" in labels
    assert signed_in(app, "cgst-mum-e").get("/mpr/msr/").status_code == 403


def test_a_total_row_summed_in_sql_equals_the_total_of_its_rows_in_every_format(app):
    """The MSR's row alone (members added up in the query) equals that row of the whole report,
    for every monthly format with fixed rows, per Zone and all-India, on every column."""
    import random

    from sqlalchemy import select

    from app.definitions.schema import TOTAL_ROW_KEY
    from app.extensions import db
    from app.models.org import Office
    from app.security.policy import applies_to
    from app.services.engine import catalogue
    from app.services.reports.report import build_report
    from app.services.reports.scope import resolve_unit

    chance = random.Random(13)
    with app.app_context():
        offices = db.session.execute(select(Office).where(Office.kind == "commissionerate")).scalars().all()
        checked = []
        for fmt in catalogue.definitions().formats.values():
            if fmt.rows.kind == "free" or fmt.period == "year" or fmt.lag or not fmt.in_force(MAY):
                continue
            rows = catalogue.defined_rows(fmt, MAY)
            if not any(r.key == TOTAL_ROW_KEY for r in rows):
                continue
            filers = [o for o in offices if applies_to(fmt, o)][:3]
            summed = ("entered", "carried")
            numbers = [c for c in fmt.columns if c.type in ("count", "amount") and c.role in summed]
            for office in filers:
                for month in (Month(2024, 4), MAY):
                    # computed rows stored with figures too (as saved): both must recompute them
                    cells = {
                        r.key: {c.code: chance.randint(0, 40) for c in numbers}
                        for r in rows
                        if not r.is_total
                    }
                    put_return(fmt.code, office.code, month, "validated", cells)
            india = resolve_unit("INDIA")
            whole = build_report(fmt, india, MAY, by_children=True)
            alone = build_report(fmt, india, MAY, by_children=True, row_only=TOTAL_ROW_KEY)

            def total(rows):
                return next(r.cells for r in rows if r.key == TOTAL_ROW_KEY)

            assert [r.key for r in alone.rows] == [TOTAL_ROW_KEY]
            assert total(alone.rows) == total(whole.rows), fmt.code
            assert [(c.code, total(c.rows)) for c in alone.children] == [
                (c.code, total(c.rows)) for c in whole.children
            ], fmt.code
            checked.append(fmt.code)
        assert len(checked) >= 10, checked


@pytest.mark.parametrize(
    ("today", "shown"),
    [
        ("2026-12-04", "2026-10"),
        ("2026-12-15", "2026-10"),
        ("2026-12-16", "2026-11"),
        ("2027-01-01", "2026-11"),
    ],
)
def test_figures_open_on_the_latest_month_whose_due_date_has_passed(app, today, shown):
    """On the 4th of December November is still being filed: reports, MSRs, dashboard and scorecards
    open on October; from the 16th (due on the 15th) on November."""
    import datetime as dt

    from app.services.cycle.deadlines import last_reported_month

    with app.app_context():
        assert str(last_reported_month(dt.date.fromisoformat(today))) == shown


@pytest.mark.parametrize("page", ["/mpr/msr/", "/mpr/dashboard/", "/mpr/scorecards/", "/mpr/reports/"])
def test_pages_that_read_figures_back_open_on_the_last_month_fully_due(app, page):
    from app.services.cycle.deadlines import last_reported_month

    client = signed_in(app, "member-customs")
    with app.app_context():
        expected = str(last_reported_month())
    html = client.get(page).get_data(as_text=True)
    assert f'name="period" value="{expected}"' in html


def test_columns_are_headed_with_their_groups_and_the_key_measure_named_in_full(app):
    """DPM-GST-ADJ-1's 'No.' columns stand under Opening / Receipt / Disposal / Closing, as on paper."""
    client = signed_in(app, "member-customs")
    html = client.get("/mpr/msr/MSR-DPM-GST-ADJ-1/2024-03").get_data(as_text=True)
    assert 'scope="colgroup"' in html
    assert html.count('data-col="CLOSING_NO"') >= 1
    assert "Ranked by Closing balance — No.;" in html
    assert "Ranked by No.;" not in html


def test_a_bad_month_in_the_address_is_explained_in_words_with_its_code_for_the_helpdesk(app):
    client = signed_in(app, "member-customs")
    page = client.get("/mpr/msr/MSR-DPM-GST-ADJ-1/2024-13")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "422 — Please check what was asked</h2>" in html
    assert "Reference for the helpdesk: <code>bad_report_request</code>" in html


def test_a_line_ranked_on_incomplete_figures_is_marked_and_explained(app, adjudication):
    """Delhi's CGST-DEL-S is only submitted: its Zone's place may change, and the page says so."""
    client = signed_in(app, "member-customs")
    html = client.get(f"/mpr/msr/MSR-DPM-GST-ADJ-1/{MAY}").get_data(as_text=True)
    delhi = html.split('data-unit="GZ-DEL"', 1)[1].split("</tr>", 1)[0]
    mumbai = html.split('data-unit="GZ-MUM"', 1)[1].split("</tr>", 1)[0]
    assert 'class="mpr-incomplete-rank"' in delhi and "mpr-incomplete-rank" not in mumbai
    assert "Ranked on incomplete figures: not every office of that line is validated" in html
