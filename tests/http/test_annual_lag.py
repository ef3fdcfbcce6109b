"""Annual formats (DDM-GST-1-TARGET, here as a format the offices file), lagging formats (GST-GST-2)
and the target % of DDM-GST-1.

Through the API and the pages on both databases: save, submit and validate; the deadline,
the status page and the to-do list; and a report of "% achievement of the target up to the
month" computed by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from app.definitions.months import Month
from config import Config
from tests.conftest import _backends, build_app, fresh_postgres_database
from tests.http.test_reports import call, get  # noqa: F401 - the `call` fixture
from tests.http.test_status_todo import actor, ctx  # noqa: F401 - the `ctx` fixture
from tests.report_data import put_return

OFFICE, ZONE = "CGST-MUM-E", "gz-mum"
TARGET, REVENUE, FILING = "DDM-GST-1-TARGET", "DDM-GST-1", "GST-GST-2"
APRIL, MAY = Month(2024, 4), Month(2024, 5)
HEADS = ("CGST", "SGST_UTGST", "IGST", "CESS")
FILING_ROWS = ("GSTR_1", "GSTR_3B", "GSTR_4", "GSTR_5", "GSTR_5A", "GSTR_6", "GSTR_7", "GSTR_8", "GSTR_9")


@pytest.fixture(scope="module", params=_backends())
def app(request, tmp_path_factory) -> Iterator:
    """The seeded app with DDM-GST-1-TARGET filed by the offices (the shipped file says `set_by: owner`):
    this module tests the cycle of an annual format the offices file; test_targets.py the targets the
    owner sets, and the target % they give."""
    folder = tmp_path_factory.mktemp("annual")
    definitions = folder / "definitions.yaml"
    shipped = Path(Config.MPR_DEFINITIONS).read_text(encoding="utf-8")
    filed = "  period: year\n  set_by: owner\n"
    assert shipped.count(filed) == 1
    definitions.write_text(shipped.replace(filed, "  period: year\n"), encoding="utf-8")
    if request.param == "sqlite":
        yield from _running(f"sqlite:///{folder / 'mpr.sqlite'}", definitions)
    else:
        with fresh_postgres_database("mpr_annual") as url:
            yield from _running(url, definitions)


def _running(url: str, definitions: Path) -> Iterator:
    application = build_app(url, MPR_DEFINITIONS=str(definitions))
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def heads(*values: str) -> dict[str, str]:
    """Cells of the four tax heads, in order."""
    return dict(zip(HEADS, values, strict=True))


TARGET_ROWS = {"CASH": heads("100", "80", "60", "10"), "ITC": heads("50", "40", "30", "0")}
REVENUE_ROWS = {"CASH": heads("8", "6", "5", "1"), "ITC": heads("4", "3", "2", "0")}
FILING_CELLS = {key: {"DUE_NO": "10", "FILED_ON_TIME_NO": "7", "FILED_LATE_NO": "2"} for key in FILING_ROWS}
DDM_APRIL = {  # every DDM format CGST-MUM-E files in the April 2024 cycle
    TARGET: TARGET_ROWS,
    REVENUE: REVENUE_ROWS,
    "DDM-GST-2": {
        key: {"FOR_MONTH": "1.00"}
        for key in [
            "AUDIT_RECOVERY",
            "ANTI_EVASION_RECOVERY_INCLUDING_TRANSIT_CHECKS",
            "RECOVERY_OF_CONFIRMED_DEMANDS",
            "PRE_DEPOSITS",
            "SCRUTINY_OF_GST_RETURNS",
            "RECOVERY_FROM_DEFAULTERS",
            "FINALISATION_OF_PROVISIONAL_ASSESSMENTS",
            "OTHERS",
        ]
    },
}


def put(call, code: str, period: str, rows: dict, user: str = "cgst-mum-e"):  # noqa: F811
    """Save a draft through the API (version from a GET) and return the response."""
    current = get(call, user, f"/returns/{code}/{OFFICE}/{period}")
    assert current.status_code == 200, current.get_data(as_text=True)
    return call(
        user,
        "PUT",
        f"/returns/{code}/{OFFICE}/{period}",
        {"version": current.get_json()["version"], "rows": rows},
    )


def put_and_submit(call, code: str, period: str, rows: dict) -> None:  # noqa: F811
    saved = put(call, code, period, rows)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    submitted = call("cgst-mum-e", "POST", f"/returns/{code}/{OFFICE}/{period}/submit", {})
    assert submitted.status_code == 200, submitted.get_data(as_text=True)


def status_rows(call, period: str) -> list[dict]:  # noqa: F811
    response = get(call, ZONE, f"/status?period={period}&office={OFFICE}")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    return body["result"]


def test_an_annual_return_is_one_a_year_keyed_by_april_through_the_cycle(app, call, login_as):  # noqa: F811
    # any month of the financial year names the year's return; it is stored under April
    saved = put(call, TARGET, "2024-09", TARGET_ROWS)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    same = get(call, "cgst-mum-e", f"/returns/{TARGET}/{OFFICE}/2025-02").get_json()
    assert same["version"] == saved.get_json()["version"]
    total = next(row for row in same["rows"] if row["key"] == "TOTAL")
    assert Decimal(str(total["cells"]["TOTAL"])) == Decimal("370.00")
    # the grid page says which year it is
    page = login_as("cgst-mum-e").get(f"/mpr/f/ddm_gst_1_target/{OFFICE}/2024-11")
    assert page.status_code == 200
    assert "financial year 2024-25" in page.get_data(as_text=True)
    # the status lists it once a year, in the April cycle, with its own due date
    april = [row for row in status_rows(call, "2024-04") if row["format"] == TARGET]
    assert [(r["due"], r["status"]) for r in april] == [("2024-05-15", "draft")]
    assert not [row for row in status_rows(call, "2024-05") if row["format"] == TARGET]
    # submitted and validated with the owner's other April formats
    for code, rows in DDM_APRIL.items():
        if code == TARGET:
            submitted = call("cgst-mum-e", "POST", f"/returns/{code}/{OFFICE}/2024-04/submit", {})
            assert submitted.status_code == 200, submitted.get_data(as_text=True)
        else:
            put_and_submit(call, code, "2024-04", rows)
    validated = call(ZONE, "POST", f"/validations/DDM/{OFFICE}/2024-04", {})
    assert validated.status_code == 200, validated.get_data(as_text=True)
    assert TARGET in validated.get_json()["validated"]
    [row] = [row for row in status_rows(call, "2024-04") if row["format"] == TARGET]
    assert (row["status"], row["deadline_status"]) == ("validated", "validated late")
    # a May return of the annual format does not exist: the May cycle validates without it
    for code in ("DDM-GST-2", REVENUE):
        put_and_submit(call, code, "2024-05", DDM_APRIL[code])
    assert call(ZONE, "POST", f"/validations/DDM/{OFFICE}/2024-05", {}).status_code == 200


def test_the_annual_deadline_and_to_do_follow_the_financial_year(app, ctx):  # noqa: F811
    from app.services.cycle import deadlines
    from app.services.cycle.todo import todo_for
    from app.services.engine import catalogue

    fmt = catalogue.definitions().format(TARGET)
    assert deadlines.due_date(Month(2024, 11), fmt) == dt.date(2024, 5, 15)
    assert deadlines.due_date(APRIL) == dt.date(2024, 5, 15)  # the April cycle's monthly due day too
    app.config["MPR_ANNUAL_DUE_MONTH"], app.config["MPR_ANNUAL_DUE_DAY"] = 4, 30
    try:
        assert deadlines.due_date(Month(2025, 1), fmt) == dt.date(2024, 4, 30)
        # in April the year's annual target is on the to-do list (the month has not ended yet)
        early = [item.text for item in todo_for(actor("cgst-mum-e"), today=dt.date(2024, 4, 20))]
        [item] = [text for text in early if text.startswith(TARGET)]
        assert "financial year 2024-25" in item and "30-04-2024" in item and "10 day(s) left" in item
        # in September, still there and late, once only
        late = [item.text for item in todo_for(actor("cgst-mum-e"), today=dt.date(2024, 9, 3))]
        [item] = [text for text in late if text.startswith(TARGET)]
        assert "day(s) late" in item
    finally:
        app.config["MPR_ANNUAL_DUE_MONTH"], app.config["MPR_ANNUAL_DUE_DAY"] = 5, 15


def test_an_annual_grid_opens_when_its_year_begins(app, ctx):  # noqa: F811
    from app.services.accounts.organisation import office_by_code
    from app.services.engine import catalogue
    from app.services.engine.grid import GridClosed, open_grid

    fmt, office = catalogue.definitions().format(TARGET), office_by_code(OFFICE)
    assert open_grid(fmt, office, APRIL, today=dt.date(2024, 4, 1)).month == APRIL
    with pytest.raises(GridClosed):
        open_grid(fmt, office, Month(2025, 4), today=dt.date(2025, 3, 31))
    with pytest.raises(GridClosed, match="under its April"):
        open_grid(fmt, office, MAY, today=dt.date(2024, 6, 1))


def test_a_lagging_return_carries_the_month_before_and_reports_read_it_there(app, call, login_as):  # noqa: F811
    # the return for May 2024 carries April's filing figures; due like May's returns
    put_and_submit(call, FILING, "2024-05", FILING_CELLS)
    page = login_as("cgst-mum-e").get(f"/mpr/f/gst_gst_2/{OFFICE}/2024-05").get_data(as_text=True)
    assert "figures for April 2024, reported in May 2024" in page
    [row] = [row for row in status_rows(call, "2024-05") if row["format"] == FILING]
    assert (row["due"], row["status"]) == ("2024-06-15", "submitted")
    validated = call(ZONE, "POST", f"/validations/DGST/{OFFICE}/2024-05", {})
    assert validated.status_code == 200, validated.get_data(as_text=True)
    # the report for April shows April's figures, read from the return reported in May
    april = get(call, ZONE, f"/reports/{FILING}/{OFFICE}/2024-04").get_json()
    total = next(r["cells"] for r in april["rows"] if r["key"] == "TOTAL")
    assert (total["DUE_NO"], total["NOT_FILED_NO"], Decimal(str(total["FILED_PCT"]))) == (
        90,
        9,
        Decimal("90.00"),
    )
    assert april["completeness"]["included"] == 1
    may = get(call, ZONE, f"/reports/{FILING}/{OFFICE}/2024-05").get_json()
    assert may["completeness"]["included"] == 0  # May's figures come with June's return


def test_a_lagging_return_is_on_the_to_do_list_of_its_reporting_month(app, ctx):  # noqa: F811
    from app.services.cycle.todo import todo_for

    items = [item.text for item in todo_for(actor("cgst-mum-e"), today=dt.date(2024, 6, 10))]
    [item] = [text for text in items if text.startswith(FILING) and "reported in May 2024" in text]
    assert "figures for April 2024" in item and "15-06-2024" in item


def _revenue(cash_cgst: str, itc_cgst: str) -> dict:
    return {
        "CASH": {"CGST": cash_cgst, "SGST_UTGST": "1", "IGST": "1", "CESS": "1"},
        "ITC": {"CGST": itc_cgst, "SGST_UTGST": "0", "IGST": "0", "CESS": "0"},
    }


def _target(cash_cgst: str, cess: str | None) -> dict:
    return {
        "CASH": {"CGST": cash_cgst, "SGST_UTGST": "40", "IGST": "20", "CESS": cess},
        "ITC": {"CGST": "20", "SGST_UTGST": "10", "IGST": "0", "CESS": cess},
    }


@pytest.fixture
def target_data(app):
    """DDM-GST-1 for April and May 2024 of two Mumbai offices; their 2024-25 targets (one without cess)."""
    with app.app_context():
        for office, (april, may) in {
            "CGST-MUM-E": (("10", "2"), ("15", "3")),
            "CGST-MUM-W": (("5", "1"), ("5", "1")),
        }.items():
            put_return(REVENUE, office, APRIL, "validated", _revenue(*april))
            put_return(REVENUE, office, MAY, "validated", _revenue(*may))
        put_return(TARGET, "CGST-MUM-E", APRIL, "validated", _target("100", "0"))
        put_return(TARGET, "CGST-MUM-W", APRIL, "validated", _target("50", None))


def test_the_target_achievement_is_up_to_the_month_over_the_summed_target(app, call, target_data):  # noqa: F811
    report = get(call, ZONE, f"/reports/{REVENUE}/GZ-MUM/2024-05?by=children").get_json()
    rows = {row["key"]: row["cells"] for row in report["rows"]}
    # CASH CGST up to May: E 10 + 15, W 5 + 5 = 35; targets 100 + 50 = 150 -> 23.33 %
    assert Decimal(str(rows["CASH"]["CGST_UPTO"])) == Decimal("35.00")
    assert Decimal(str(rows["CASH"]["CGST_TARGET_PCT"])) == Decimal("23.33")
    # ITC CGST: (2 + 3) + (1 + 1) = 7 over 20 + 20 = 40 -> 17.50 %; the total row: 42 / 190 -> 22.11 %
    assert Decimal(str(rows["ITC"]["CGST_TARGET_PCT"])) == Decimal("17.50")
    assert Decimal(str(rows["TOTAL"]["CGST_TARGET_PCT"])) == Decimal("22.11")
    # cess: a zero target and a blank one -> blank, never a division error nor 0
    assert rows["CASH"]["CESS_TARGET_PCT"] is None
    # all heads: E+W CASH up to May = 35 + 12 = 47 (SGST/IGST/cess 1 each a month, two offices)
    # over E 100 + 40 + 20 + 0 and W 50 + 40 + 20 (blank cess) = 270 -> 17.41 %
    assert Decimal(str(rows["CASH"]["TOTAL_UPTO"])) == Decimal("47.00")
    assert Decimal(str(rows["CASH"]["TOTAL_TARGET_PCT"])) == Decimal("17.41")
    children = {child["unit"]: {r["key"]: r["cells"] for r in child["rows"]} for child in report["children"]}
    assert Decimal(str(children["CGST-MUM-E"]["CASH"]["CGST_TARGET_PCT"])) == Decimal("25.00")  # 25 / 100
    assert Decimal(str(children["CGST-MUM-W"]["CASH"]["CGST_TARGET_PCT"])) == Decimal("20.00")  # 10 / 50


def test_no_target_return_leaves_the_achievement_blank(app, call):  # noqa: F811
    with app.app_context():
        put_return(REVENUE, "CGST-MUM-E", MAY, "validated", _revenue("4", "1"))
    report = get(call, ZONE, f"/reports/{REVENUE}/{OFFICE}/2024-05").get_json()
    cells = next(row["cells"] for row in report["rows"] if row["key"] == "CASH")
    assert cells["CGST_UPTO"] is not None and cells["CGST_TARGET_PCT"] is None


def test_reminders_follow_the_annual_due_date(app, ctx):  # noqa: F811
    from sqlalchemy import select

    from app.extensions import db
    from app.models.messaging import MailMessage
    from app.services.messaging.reminders import remind

    app.config["MPR_ANNUAL_DUE_MONTH"], app.config["MPR_ANNUAL_DUE_DAY"] = 4, 30
    try:
        report = remind(dt.date(2024, 4, 25))  # 5 days before 30 April; March's returns were due 15 April
        assert OFFICE in report.offices
        subjects = (
            db.session.execute(
                select(MailMessage.subject).where(
                    MailMessage.event_key == f"remind:2024-04-25:due-2024-04-30:before:{OFFICE}"
                )
            )
            .scalars()
            .all()
        )
        assert subjects == ["Reminder: 1 MPR format(s) for April 2024 due in 5 day(s)"]  # DDM-GST-1-TARGET
        again = remind(dt.date(2024, 4, 25))
        assert again.offices == [] and again.already_done >= 1
    finally:
        app.config["MPR_ANNUAL_DUE_MONTH"], app.config["MPR_ANNUAL_DUE_DAY"] = 5, 15


def test_a_lagging_format_reports_the_month_before_its_first_reporting_month(app, call):  # noqa: F811
    # GST-GST-2 is filed from 2018-04: that return carries the figures of March 2018
    with app.app_context():
        put_return(
            FILING,
            OFFICE,
            Month(2018, 4),
            "validated",
            {"GSTR_1": {"DUE_NO": 4, "FILED_ON_TIME_NO": 4, "FILED_LATE_NO": 0}},
        )
    march = get(call, ZONE, f"/reports/{FILING}/{OFFICE}/2018-03")
    assert march.status_code == 200, march.get_data(as_text=True)
    assert next(r["cells"] for r in march.get_json()["rows"] if r["key"] == "GSTR_1")["DUE_NO"] == 4
    assert get(call, ZONE, f"/reports/{FILING}/{OFFICE}/2018-02").status_code == 404
