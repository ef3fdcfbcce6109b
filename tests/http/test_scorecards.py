"""Scorecards over HTTP, against a hand-computed example: three Zones (one reporting office each),
grades by rank (ties), by target and by bands, for the month and up to the month; a Zone's
Commissionerates; who may read which scorecard; pages, print and Excel (opened by LibreOffice).

Every expected grade below is worked out by hand in the comments, not by the code under test.
"""

from __future__ import annotations

import csv
import io
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import event

from app.definitions.months import Month
from tests.http.test_reports import (
    _soffice,
    call,  # noqa: F401 - the JWT-per-user fixture
)
from tests.report_data import put_return

APRIL, MAY = Month(2024, 4), Month(2024, 5)
CARD = "SC-GST-ZONES"
V = "validated"


def _revenue(office: str, april: int, may: int, target: int) -> None:
    put_return("DDM-GST-1", office, APRIL, V, {"CASH": {"CGST": april}})
    put_return("DDM-GST-1", office, MAY, V, {"CASH": {"CGST": may}})
    put_return("DDM-GST-1-TARGET", office, APRIL, V, {"CASH": {"CGST": target}})


def _adjudication(office: str, month: Month, opening: int, receipt: int, disposal: int, old: int) -> None:
    cells = {"OPENING_NO": opening, "RECEIPT_NO": receipt, "DISPOSAL_NO": disposal, "AGE_MORE_THAN_1_NO": old}
    put_return("DPM-GST-ADJ-1", office, month, V, {"ADC.AUDIT": cells})


def _big_cases(office: str, closing: int, old: int) -> None:
    put_return("DPM-GST-ADJ-2", office, MAY, V, {"_": {"OPENING_NO": closing, "AGE_GT_1Y_NO": old}})


def _arrears(office: str, month: Month, opening: int, realised: int) -> None:
    cells = {"OPENING_AMT": Decimal(opening), "ARREAR_REALISED_AMT": Decimal(realised)}
    put_return("TAR-CE-3", office, month, V, {"UNRESTRAINED": cells})


@pytest.fixture
def world(app):
    """One reporting office per Zone: CGST-MUM-E (GZ-MUM), CGST-DEL-N (GZ-DEL), ST-DEL-I (SZ-DEL)."""
    with app.app_context():
        # revenue up to May / target: Mumbai 80/100, Delhi 45/100, Service Tax 120/100
        _revenue("CGST-MUM-E", 30, 50, 100)
        _revenue("CGST-DEL-N", 20, 25, 100)
        _revenue("ST-DEL-I", 60, 60, 100)
        # adjudication (opening, receipt, disposal, older than a year); closing = o + r - d
        _adjudication("CGST-MUM-E", APRIL, 5, 10, 5, 2)  # closing 10
        _adjudication("CGST-MUM-E", MAY, 10, 10, 5, 3)  # closing 15
        _adjudication("CGST-DEL-N", APRIL, 10, 5, 5, 0)  # closing 10
        _adjudication("CGST-DEL-N", MAY, 10, 0, 5, 0)  # closing 5
        _adjudication("ST-DEL-I", APRIL, 20, 15, 15, 0)  # closing 20
        _adjudication("ST-DEL-I", MAY, 20, 20, 10, 12)  # closing 30
        _big_cases("CGST-MUM-E", 4, 1)  # 25% older than a year
        _big_cases("CGST-DEL-N", 4, 2)  # 50%; ST-DEL-I files none: not reported
        # arrears (opening, realised); the Service Tax Zone does not file TAR-CE-3 (CE)
        _arrears("CGST-MUM-E", APRIL, 220, 20)  # closing 200
        _arrears("CGST-MUM-E", MAY, 200, 20)  # closing 180
        _arrears("CGST-DEL-N", APRIL, 110, 10)  # closing 100
        _arrears("CGST-DEL-N", MAY, 100, 20)  # closing 80


def _get(call, user: str, path: str, status: int = 200):  # noqa: F811
    response = call(user, "GET", path)
    assert response.status_code == status, response.get_data(as_text=True)
    return response


def _card(call, query: str = "", user: str = "member-customs", code: str = CARD) -> dict:  # noqa: F811
    return _get(call, user, f"/scorecards/{code}/{MAY}{query}").get_json()


def _row(found: dict, unit: str) -> dict:
    return next(row for row in found["rows"] if row["unit"] == unit)


def _scores(row: dict) -> dict[str, tuple]:
    return {code: (s["figure"], s["grade"], s["state"]) for code, s in row["indicators"].items()}


def test_the_month_grades_equal_the_hand_computed_example(app, call, world):  # noqa: F811
    found = _card(call)
    assert (found["basis"], found["zone"], [g["weight"] for g in found["groups"]]) == (
        "month",
        None,
        [40, 30, 30],
    )
    # Service Tax: revenue 120% -> 10; disposal 10/(10+30) = 25% ties Mumbai's 5/(5+15): rank 2 of 3,
    # 10 - 9 x 1/2 = 5.5 each; old 12/30 = 40% -> band "at most 50" = 2; no ADJ-2 return: 1.
    # Adjudication (5.5 + 2 + 1) / 3 = 2.83; no arrears format (CE): left out, weights 40 + 30:
    # (40 x 10 + 30 x 2.83) / 70 = 484.9 / 70 = 6.927 -> 6.93
    sz = _row(found, "SZ-DEL")
    assert (sz["rank"], sz["grade"], sz["groups"]) == (
        1,
        "6.93",
        {"REVENUE": "10.00", "ADJUDICATION": "2.83", "ARREARS": None},
    )
    assert _scores(sz) == {
        "REVENUE_TARGET": ("120.00", "10.00", "graded"),
        "ADJ_DISPOSAL_PCT": ("25.00", "5.50", "graded"),
        "ADJ_OLD_PCT": ("40.00", "2.00", "graded"),
        "ADJ_BIG_OLD_PCT": (None, "1.00", "not_reported"),
        "ARREARS_REALISED_PCT": (None, None, "not_applicable"),
    }
    # Delhi: revenue 45% -> 4.5; disposal 5/10 = 50% best -> 10; old 0% -> 10; big cases 50% worst
    # of 2 -> 1; adjudication 21/3 = 7; arrears 20/100 = 20% best of 2 -> 10:
    # (40 x 4.5 + 30 x 7 + 30 x 10) / 100 = 6.90
    delhi = _row(found, "GZ-DEL")
    assert (delhi["rank"], delhi["grade"], delhi["groups"]) == (
        2,
        "6.90",
        {"REVENUE": "4.50", "ADJUDICATION": "7.00", "ARREARS": "10.00"},
    )
    # Mumbai: revenue 80% -> 8; disposal 25% -> 5.5; old 3/15 = 20% -> band "at most 20" = 6; big
    # cases 25% best -> 10; adjudication 21.5/3 = 7.17; arrears 20/200 = 10% -> 1:
    # (40 x 8 + 30 x 7.17 + 30 x 1) / 100 = 5.651 -> 5.65
    mumbai = _row(found, "GZ-MUM")
    assert (mumbai["rank"], mumbai["grade"], mumbai["groups"]["ADJUDICATION"]) == (3, "5.65", "7.17")
    assert _scores(mumbai)["ADJ_OLD_PCT"] == ("20.00", "6.00", "graded")
    assert _scores(mumbai)["ARREARS_REALISED_PCT"] == ("10.00", "1.00", "graded")
    assert [row["unit"] for row in found["rows"]] == ["SZ-DEL", "GZ-DEL", "GZ-MUM"]


def test_the_figures_are_the_reports_own(app, call, world):  # noqa: F811
    found = _card(call)
    # all-India: (80 + 45 + 120) / 300 = 81.67%; the report of DDM-GST-1 says the same
    assert found["total"]["unit"] == "INDIA" and found["total"]["indicators"]["REVENUE_TARGET"] == "81.67"
    for unit in ("INDIA", "GZ-MUM", "SZ-DEL"):
        report = _get(call, "member-customs", f"/reports/DDM-GST-1/{unit}/{MAY}").get_json()
        total = next(r["cells"] for r in report["rows"] if r["key"] == "TOTAL")
        ours = found["total"] if unit == "INDIA" else _row(found, unit)
        figure = ours["indicators"]["REVENUE_TARGET"]
        assert Decimal(figure if unit == "INDIA" else figure["figure"]) == Decimal(
            str(total["TOTAL_TARGET_PCT"])
        )


def test_up_to_the_month_reads_the_cumulative_figures(app, call, world):  # noqa: F811
    found = _card(call, "?basis=upto")
    assert found["basis"] == "upto"
    # disposal since April / (that + closing): Mumbai 10/25 = 40%, Delhi 10/15 = 66.67%, Service
    # Tax 25/55 = 45.45%: ranks 3, 1, 2 -> 1, 10, 5.5 (no tie now)
    disposal = {row["unit"]: row["indicators"]["ADJ_DISPOSAL_PCT"] for row in found["rows"]}
    assert {u: (d["figure"], d["grade"]) for u, d in disposal.items()} == {
        "GZ-MUM": ("40.00", "1.00"),
        "GZ-DEL": ("66.67", "10.00"),
        "SZ-DEL": ("45.45", "5.50"),
    }
    # arrears realised since April / (that + closing): Mumbai 40/220 = 18.18%, Delhi 30/110 = 27.27%
    assert _row(found, "GZ-MUM")["indicators"]["ARREARS_REALISED_PCT"]["figure"] == "18.18"
    # Mumbai: adjudication (1 + 6 + 10) / 3 = 5.67; (40 x 8 + 30 x 5.67 + 30 x 1) / 100 = 5.201
    assert (_row(found, "GZ-MUM")["grade"], _row(found, "GZ-MUM")["groups"]["ADJUDICATION"]) == (
        "5.20",
        "5.67",
    )
    assert (_row(found, "GZ-DEL")["grade"], _row(found, "SZ-DEL")["grade"]) == ("6.90", "6.93")
    assert _get(call, "member-customs", f"/scorecards/{CARD}/{MAY}?basis=year", 422).get_json()["code"] == (
        "bad_scorecard_basis"
    )


@pytest.fixture
def mumbai_west(app, world):
    """A second Mumbai Commissionerate: revenue 20/100, adjudication 10 of 20 disposed, none old."""
    with app.app_context():
        _revenue("CGST-MUM-W", 10, 10, 100)
        _adjudication("CGST-MUM-W", MAY, 10, 10, 10, 0)


def test_a_zone_grades_its_commissionerates(app, call, mumbai_west):  # noqa: F811
    found = _card(call, "?zone=GZ-MUM")
    assert found["zone"] == "GZ-MUM" and found["total"]["unit"] == "GZ-MUM"
    # the audit Commissionerate files none of the formats: no line; LTU-MUM files DDM-GST-1 and
    # TAR-CE-3 (not reported: 1 each) but not the adjudication formats (left out): 70 / 70 = 1.00
    # E: revenue 8; disposal 25% vs W's 50%: 1; old 20% -> 6; big cases alone: 10; adjudication
    #    17/3 = 5.67; arrears alone 10: (40 x 8 + 30 x 5.67 + 30 x 10) / 100 = 7.901 -> 7.90
    # W: revenue 20% -> 2; disposal 10; old 0% -> 10; big cases not reported 1: 21/3 = 7;
    #    arrears not reported 1: (40 x 2 + 30 x 7 + 30 x 1) / 100 = 3.20
    assert [(r["unit"], r["rank"], r["grade"]) for r in found["rows"]] == [
        ("CGST-MUM-E", 1, "7.90"),
        ("CGST-MUM-W", 2, "3.20"),
        ("LTU-MUM", 3, "1.00"),
    ]
    ltu = _scores(_row(found, "LTU-MUM"))
    assert ltu["ADJ_DISPOSAL_PCT"] == (None, None, "not_applicable")
    assert ltu["REVENUE_TARGET"] == (None, "1.00", "not_reported")
    assert found["total"]["indicators"]["REVENUE_TARGET"] == "50.00"  # (80 + 20) / 200
    _get(call, "member-customs", f"/scorecards/{CARD}/{MAY}?zone=CGST-MUM-E", 404)  # an office is no Zone


@pytest.mark.parametrize(
    ("user", "code", "status"),
    [
        ("member-customs", CARD, 200),
        ("member-customs", "SC-GST-ADJUDICATION", 200),
        ("dgicce", "SC-GST-ADJUDICATION", 200),
        ("dgicce", CARD, 404),  # the Board's
        ("ddm", "SC-GST-ADJUDICATION", 404),  # another owner's
        ("dgicce", "SC-NONE", 404),
        ("gz-mum", CARD, 403),
        ("cgst-mum-e", "SC-GST-ADJUDICATION", 403),
    ],
)
def test_the_owner_and_the_board_read_it(app, call, user, code, status):  # noqa: F811
    _get(call, user, f"/scorecards/{code}/{MAY}", status)


def test_the_list_names_what_the_caller_may_read(app, call):  # noqa: F811
    board = [card["code"] for card in _get(call, "member-customs", "/scorecards").get_json()["result"]]
    assert board == [CARD, "SC-GST-ADJUDICATION"]
    owner = _get(call, "dgicce", "/scorecards").get_json()["result"]
    assert [(c["code"], c["owner"], [g["weight"] for g in c["groups"]]) for c in owner] == [
        ("SC-GST-ADJUDICATION", "DGICCE", [50, 50])
    ]
    assert _get(call, "tar", "/scorecards").get_json()["result"] == []
    _get(call, "gz-del", "/scorecards", 403)


def test_the_pages_pick_month_basis_and_zone_print_and_download(app, login_as, world):
    board = login_as("member-customs")
    index = board.get("/mpr/scorecards/").get_data(as_text=True)
    assert CARD in index and "SC-GST-ADJUDICATION" in index
    page = board.get(f"/mpr/scorecards/{CARD}/{MAY}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/mpr/scorecards/{CARD}/{MAY}?basis=month&amp;zone=GZ-MUM" in html  # a Zone opens
    assert f"/mpr/reports/DDM-GST-1/GZ-MUM/{MAY}" in html  # a figure opens its report
    assert f"/mpr/msr/MSR-DPM-GST-ADJ-1/{MAY}" in html  # an indicator opens its MSR
    assert 'data-state="not_applicable"' in html and 'data-unit="SZ-DEL"' in html
    picker = html.split('id="zone"', 1)[1].split("</select>", 1)[0]
    assert 'value="GZ-MUM"' in picker and 'value="CZ-CHE"' not in picker  # no Customs Zone files GST
    picked = board.get(f"/mpr/scorecards/?code={CARD}&period=2024-05&basis=upto&zone=GZ-DEL")
    assert picked.location.endswith(f"/mpr/scorecards/{CARD}/2024-05?basis=upto&zone=GZ-DEL")
    drilled = board.get(f"/mpr/scorecards/{CARD}/{MAY}?zone=GZ-DEL&basis=upto").get_data(as_text=True)
    assert 'data-unit="CGST-DEL-N"' in drilled and "Up to the month" in drilled
    printed = board.get(f"/mpr/scorecards/{CARD}/{MAY}/print").get_data(as_text=True)
    assert f'data-scorecard="{CARD}"' in printed and "<a href" not in printed.split("<table", 1)[1]
    workbook = board.get(f"/mpr/scorecards/{CARD}/{MAY}/xlsx?basis=upto")
    assert workbook.headers["Content-Disposition"].endswith(f'{CARD}_{MAY}_upto.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.data)).active
    labels = [sheet.cell(row, 1).value for row in range(1, sheet.max_row + 1)]
    assert "1. Delhi Service Tax Zone" in labels and "All India" in labels
    board.get("/lang/hi")
    hindi = board.get(f"/mpr/scorecards/{CARD}/{MAY}").get_data(as_text=True)
    board.get("/lang/en")
    assert "स्कोरकार्ड" in hindi and "जीएसटी संरचनाएँ" in hindi  # the page's words and the YAML's title


def test_libreoffice_opens_the_workbook_and_its_grades_match_the_api(app, call, world, tmp_path):  # noqa: F811
    soffice = _soffice()
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    found = _card(call)
    source = tmp_path / "scorecard.xlsx"
    source.write_bytes(_get(call, "member-customs", f"/scorecards/{CARD}/{MAY}/xlsx").get_data())
    profile = Path(tmp_path / "profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to",
         'csv:Text - txt - csv (StarCalc):44,34,76', "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    lines = list(csv.reader((tmp_path / "scorecard.csv").read_text(encoding="utf-8").splitlines()))
    numbered = next(i for i, line in enumerate(lines) if line[1:4] == ["1", "2", "3"])
    data = [line for line in lines[numbered + 1 :] if line and line[0]]
    assert [line[0] for line in data] == [
        "1. Delhi Service Tax Zone",
        "2. Delhi CGST Zone",
        *data_tail(found),
    ]
    assert [Decimal(line[1]) for line in data[:3]] == [Decimal(row["grade"]) for row in found["rows"]]


def data_tail(found: dict) -> list[str]:
    """The labels after the first two lines: the third Zone, then the all-India figures."""
    third = found["rows"][2]
    return [f"{third['rank']}. Mumbai CGST & Central Excise Zone", "All India"]


def test_the_openapi_document_lists_the_scorecard_endpoints(client, api_token):
    document = client.get("/api/v1/_openapi", headers=api_token("member-customs")).get_json()
    one = document["paths"]["/api/v1/mpr/scorecards/{code}/{period}"]["get"]
    assert {p["name"] for p in one["parameters"]} == {"code", "period", "basis", "zone"}
    assert "/api/v1/mpr/scorecards" in document["paths"]
    assert "/api/v1/mpr/scorecards/{code}/{period}/xlsx" in document["paths"]


def _query_count(engine, run) -> int:
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN", "COMMIT")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_a_scorecard_sends_only_its_reports_statements(app, world):
    """No statement per Zone or office: the scorecard's SQL is that of its reports (one per format and
    row), whose own count does not depend on the number of offices (tests/http/test_reports.py)."""
    from app.extensions import db
    from app.services.engine import catalogue
    from app.services.reports.report import build_report
    from app.services.reports.scope import resolve_unit
    from app.services.reports.scorecard import build_scorecard

    with app.app_context():
        card = catalogue.definitions().scorecards[CARD]
        india = resolve_unit("INDIA")

        def reports() -> None:
            for code, row in dict.fromkeys((i.format, i.row) for i in card.indicators):
                build_report(catalogue.definitions().format(code), india, MAY, by_children=True, row_only=row)

        assert _query_count(db.engine, lambda: build_scorecard(card, MAY, "upto")) == _query_count(
            db.engine, reports
        )
