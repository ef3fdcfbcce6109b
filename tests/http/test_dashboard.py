"""The management dashboard over HTTP: its figures are the reports' figures, its trend the reports of
each month, its Zone ranking the MSR's order, its reporting status the status API's count; owners see
their formats' indicators, the Board all, other roles 403; the page, and the workbook that opens."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import update

from app.definitions.months import Month
from app.extensions import db
from app.models.returns import MprReturn
from tests.http.test_reports import call  # noqa: F401 - the JWT-per-user fixture
from tests.report_data import put_return

MAY = Month(2024, 5)
REVENUE, TARGET, ADJ = "DDM-GST-1", "DDM-GST-1-TARGET", "DPM-GST-ADJ-1"
REVENUE_INDICATORS = ("GST-REVENUE-MONTH", "GST-REVENUE-UPTO", "GST-REVENUE-TARGET")
OFFICES = ("CGST-MUM-E", "CGST-MUM-W", "CGST-DEL-N", "CGST-DEL-S")
ON_TIME, LATE = dt.datetime(2024, 6, 10, 12), dt.datetime(2024, 6, 20, 12)


def _revenue(cgst: str) -> dict:
    return {"CASH": {"CGST": Decimal(cgst), "SGST_UTGST": Decimal("2.5"), "IGST": Decimal("1"), "CESS": 0}}


def put_timed(
    fmt: str, office: str, month: Month, status: str, rows: dict, when: dt.datetime = ON_TIME
) -> None:
    """A return with its submission (and validation) time, which the reporting status reads."""
    ret_id = put_return(fmt, office, month, status, rows)
    validated = when if status == "validated" else None
    db.session.execute(
        update(MprReturn).where(MprReturn.id == ret_id).values(submitted_at=when, validated_at=validated)
    )
    db.session.commit()


@pytest.fixture
def revenue(app):
    """DDM-GST-1 for April and May 2024 and May 2023, and the 2024-25 targets; CGST-DEL-S only
    submitted in May 2024, CGST-MUM-W validated late."""
    with app.app_context():
        for index, office in enumerate(OFFICES):
            for month in (Month(2023, 5), Month(2024, 4), MAY):
                status = "submitted" if (office == "CGST-DEL-S" and month == MAY) else "validated"
                when = LATE if office == "CGST-MUM-W" else ON_TIME
                put_timed(
                    REVENUE, office, month, status, _revenue(f"{10 + index * 5 + month.month}.25"), when
                )
            put_timed(
                TARGET,
                office,
                Month(2024, 4),
                "validated",
                {"CASH": {"CGST": 400, "SGST_UTGST": 100, "IGST": 50, "CESS": 0}},
            )


@pytest.fixture
def adjudication(app):
    """DPM-GST-ADJ-1 for May 2024: Mumbai's offices pend more than Delhi's."""
    figures = {"CGST-MUM-E": 9, "CGST-MUM-W": 6, "CGST-DEL-N": 4, "CGST-DEL-S": 3}
    with app.app_context():
        for office, receipts in figures.items():
            cells = {
                "RECEIPT_NO": receipts,
                "RECEIPT_AMT": Decimal("12.50"),
                "DISPOSAL_NO": 1,
                "AGE_MORE_THAN_1_NO": 1,
            }
            put_timed(ADJ, office, MAY, "validated", {"ADC.AUDIT": cells})
            large = {"RECEIPT_NO": 2, "RECEIPT_AMT": Decimal("600.25") * receipts, "AGE_GT_1Y_NO": 1}
            put_timed("DPM-GST-ADJ-2", office, MAY, "validated", {"_": large})  # a single-row format


def _dashboard(call, user: str, period: str = str(MAY), status: int = 200) -> dict:  # noqa: F811
    response = call(user, "GET", f"/dashboard/{period}")
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def _indicator(found: dict, code: str) -> dict:
    return next(i for i in found["indicators"] if i["code"] == code)


def _report_total(call, fmt: str, month, unit: str = "INDIA") -> dict:  # noqa: F811
    response = call("member-customs", "GET", f"/reports/{fmt}/{unit}/{month}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return next(r["cells"] for r in response.get_json()["rows"] if r["key"] == "TOTAL")


def test_each_figure_and_comparison_is_the_all_india_report_of_the_month(app, call, revenue):  # noqa: F811
    found = _dashboard(call, "member-customs")
    report = _report_total(call, REVENUE, MAY)
    for code in REVENUE_INDICATORS:
        indicator = _indicator(found, code)
        assert indicator["figure"] == report[indicator["column"]] and indicator["figure"] is not None, code
        for comparison in indicator["comparisons"]:
            assert comparison["value"] == report[comparison["code"]], (code, comparison["code"])
    target = _indicator(found, "GST-REVENUE-TARGET")
    assert target["unit"] == "percent" and Decimal(target["figure"]) > 0  # read from DDM-GST-1-TARGET
    assert _indicator(found, "GST-REVENUE-MONTH")["unit_label"] == "Rs. crore"


def test_the_trend_is_this_financial_year_against_the_last_month_by_month(app, call, revenue):  # noqa: F811
    trend = _indicator(_dashboard(call, "member-customs"), "GST-REVENUE-UPTO")["trend"]
    assert trend["months"] == [str(Month(2024, 4).shift(i)) for i in range(12)]
    assert (trend["this_year"]["label"], trend["last_year"]["label"]) == ("2024-25", "2023-24")
    now, before = trend["this_year"]["values"], trend["last_year"]["values"]
    assert now[0] == _report_total(call, REVENUE, "2024-04")["TOTAL_UPTO"]
    assert now[1] == _report_total(call, REVENUE, MAY)["TOTAL_UPTO"]
    assert now[2:] == [None] * 10  # after the dashboard's month
    assert before[1] == _report_total(call, REVENUE, "2023-05")["TOTAL_UPTO"]
    assert before[0] is None and before[2] == before[1]  # no April 2023; June 2023 adds nothing to May's
    month = _indicator(_dashboard(call, "member-customs"), "GST-REVENUE-MONTH")["trend"]
    assert month["last_year"]["values"][1] == _report_total(call, REVENUE, "2023-05")["TOTAL"]
    assert month["last_year"]["values"][2] is None


def test_the_zone_ranking_is_the_msr_order(app, call, adjudication):  # noqa: F811
    pending = _indicator(_dashboard(call, "dgicce"), "GST-ADJ-PENDING")
    ranking = pending["ranking"]
    closing = _report_total(call, ADJ, MAY)["CLOSING_NO"]  # the grand total of a product of rows
    assert pending["figure"] == pending["trend"]["this_year"]["values"][1] == closing == 18
    msr = call("dgicce", "GET", f"/msr/MSR-DPM-GST-ADJ-1/{MAY}").get_json()["rows"][:-1]
    assert [(r["unit"], r["rank"], r["value"]) for r in ranking] == [
        (r["unit"], r["rank"], r["cells"]["CLOSING_NO"]) for r in msr
    ]
    assert [r["unit"] for r in ranking if r["rank"] is not None][:2] == ["GZ-MUM", "GZ-DEL"]
    for line in ranking:
        if line["value"] is not None:
            assert line["value"] == _report_total(call, ADJ, MAY, line["unit"])["CLOSING_NO"]


def test_a_single_row_format_s_indicator_is_its_one_row(app, call, adjudication):  # noqa: F811
    large = _indicator(_dashboard(call, "dgicce"), "GST-ADJ-5CR-PENDING")
    response = call("member-customs", "GET", f"/reports/DPM-GST-ADJ-2/INDIA/{MAY}")
    (row,) = response.get_json()["rows"]
    assert large["figure"] == large["trend"]["this_year"]["values"][1] == row["cells"]["CLOSING_AMT"]
    assert Decimal(large["figure"]) == Decimal("600.25") * 22 and large["unit_label"] == "Rs. lakh"
    assert [c["value"] for c in large["comparisons"]] == [
        row["cells"]["CLOSING_NO"],
        row["cells"]["AGE_GT_1Y_NO"],
    ]


def test_the_reporting_status_counts_what_the_status_api_counts(app, call, revenue):  # noqa: F811
    status = _indicator(_dashboard(call, "ddm"), "GST-REVENUE-MONTH")["status"]
    states = call("ddm", "GET", f"/status?period={MAY}&owner=DDM").get_json()["result"]
    mine = [s for s in states if s["format"] == REVENUE]
    on_time = sum(1 for s in mine if s["deadline_status"] == "validated on time")
    assert (status["expected"], status["validated_on_time"]) == (len(mine), on_time)
    assert on_time == 2 and status["late"] >= 1  # MUM-E and DEL-N; MUM-W validated after the 15th
    assert status["on_time_share"] == round(100 * on_time / len(mine), 1)


@pytest.mark.parametrize(
    ("user", "owner"),
    [("member-customs", None), ("ddm", "DDM"), ("dgicce", "DGICCE"), ("tar", "TAR"), ("dga", "DGA")],
)
def test_an_owner_sees_its_formats_indicators_and_the_board_all(app, call, user, owner):  # noqa: F811
    found = _dashboard(call, user)
    shown = {i["code"] for i in found["indicators"]} | set(found["not_in_force"])
    definitions = app.extensions["mpr_definitions"]
    expected = {
        code
        for code, indicator in definitions.dashboard.items()
        if owner is None or definitions.format(indicator.format).owner == owner
    }
    assert shown == expected
    assert owner != "DGA" or not shown  # no indicator on the audit formats: an empty dashboard


@pytest.mark.parametrize("user", ["gz-mum", "cgst-mum-e"])
def test_other_roles_are_refused(app, call, login_as, user):  # noqa: F811
    assert _dashboard(call, user, status=403)["code"] == "dashboard_refused"
    assert call(user, "GET", f"/dashboard/{MAY}/xlsx").status_code == 403
    page = login_as(user)
    assert page.get(f"/mpr/dashboard/?period={MAY}").status_code == 403
    assert "/mpr/dashboard/" not in page.get("/").get_data(as_text=True)  # no menu entry


def test_a_malformed_month_is_422(app, call):  # noqa: F811
    assert _dashboard(call, "member-customs", period="2024-13", status=422)["code"] == "bad_report_request"


def test_the_page_draws_a_card_per_indicator_with_charts_and_tables(app, login_as, revenue):
    board = login_as("member-customs")
    assert "/mpr/dashboard/" in board.get("/").get_data(as_text=True)  # the menu entry
    html = board.get(f"/mpr/dashboard/?period={MAY}").get_data(as_text=True)
    for code in app.extensions["mpr_definitions"].dashboard:
        assert f'data-indicator="{code}"' in html
    assert html.count('data-chart="trend"') == len(app.extensions["mpr_definitions"].dashboard)
    assert "vendor/echarts/echarts.min.js?v=" in html and "js/mpr-dashboard.js?v=" in html
    assert 'aria-controls="trend-table-GST-REVENUE-MONTH"' in html and "<caption>" in html
    assert "<script>" not in html.replace(" ", "")  # no inline script (CSP)
    assert board.get("/lang/hi").status_code == 302
    hindi = board.get(f"/mpr/dashboard/?period={MAY}").get_data(as_text=True)
    board.get("/lang/en")
    assert "माह के लिए जीएसटी राजस्व" in hindi  # the indicator's title_hi
    assert "तालिका दिखाएँ" in hindi and "डैशबोर्ड" in hindi  # the page's own strings


def _soffice_csv(tmp_path: Path, data: bytes) -> str | None:
    """The first sheet as LibreOffice reads it (CSV), or None where LibreOffice is not installed."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    source = tmp_path / "dashboard.xlsx"
    source.write_bytes(data)
    profile = Path(tmp_path / "profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "csv",
         "--outdir", str(tmp_path / "out"), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return (tmp_path / "out" / "dashboard.csv").read_text(encoding="utf-8", errors="replace")


def test_the_workbook_opens_with_the_figures_trend_and_ranking(app, call, login_as, revenue, tmp_path):  # noqa: F811
    found = _dashboard(call, "ddm")
    response = login_as("ddm").get(f"/mpr/dashboard/{MAY}/xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'dashboard_{MAY}.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Dashboard", *REVENUE_INDICATORS]
    overview = book["Dashboard"]
    figures = {overview.cell(row, 1).value: overview.cell(row, 3).value for row in range(4, 4 + 3)}
    for indicator in found["indicators"]:
        assert figures[indicator["title"]] == pytest.approx(float(indicator["figure"]))
    sheet = book["GST-REVENUE-MONTH"]
    assert sheet.cell(4, 2).value == "2024-25" and sheet.cell(6, 2).value == pytest.approx(
        float(_indicator(found, "GST-REVENUE-MONTH")["trend"]["this_year"]["values"][1])
    )
    labels = [sheet.cell(row, 1).value for row in range(1, sheet.max_row + 1)]
    assert "All India" in labels and any(str(label).startswith("1. ") for label in labels if label)
    api = call("ddm", "GET", f"/dashboard/{MAY}/xlsx")
    assert (
        api.status_code == 200 and openpyxl.load_workbook(io.BytesIO(api.data)).sheetnames == book.sheetnames
    )
    text = _soffice_csv(tmp_path, response.data)
    if text is not None:  # LibreOffice reads the same overview sheet
        assert "GST revenue for the month" in text


def test_the_dashboard_api_is_in_the_openapi_document(app, client, api_token):
    document = client.get("/api/v1/_openapi", headers=api_token("member-customs")).get_json()
    operation = document["paths"]["/api/v1/mpr/dashboard/{period}"]["get"]
    assert operation["operationId"] == "MprDashboardApi.get_dashboard"
    assert {"200", "403", "422"} <= set(operation["responses"])
    assert "/api/v1/mpr/dashboard/{period}/xlsx" in document["paths"]
