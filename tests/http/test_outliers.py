"""Peer limits and outliers on planted data: the grid, the save responses, the Zone, the reports."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest

from app.definitions.months import Month
from app.services.engine.grid import last_open_month
from tests.conftest import csrf_token
from tests.report_data import put_return

FMT = "DDM-CUS-1A"
GRID = "/mpr/f/ddm_cus_1a"
MONTH = last_open_month()
HISTORY = 8  # months of history before MONTH
ZONE_OFFICES = ("MUM-NCH-IMP1", "MUM-NCH-EXP1", "MUM-ACC")  # CZ-MUM-I's executive customs offices


def put_history(office: str, month: Month, status: str, cells: dict) -> None:
    """put_return, with the submission (and validation) stamped on the 5th of the month after."""
    import datetime as dt

    from app.extensions import db
    from app.models.returns import MprReturn

    ret = db.session.get(MprReturn, put_return(FMT, office, month, status, {"_": cells}))
    stamp = dt.datetime.combine(month.next().first_day.replace(day=5), dt.time(11))
    ret.submitted_at = stamp
    ret.validated_at = stamp if status == "validated" else None
    db.session.commit()


def _usual(fmt, office_index: int, back: int) -> dict[str, Decimal]:
    """A steady history: each column near its own level, a little up and down month by month."""
    cells = {}
    for n, column in enumerate(c for c in fmt.columns_in_force(MONTH) if c.role == "entered"):
        base = 100 + 20 * n + 50 * office_index
        cells[column.code] = Decimal(base + (back % 3) * 2)
    return cells


@pytest.fixture
def planted(app):
    """Eight months of validated history for the Zone's three offices, and this month submitted by each:
    MUM-NCH-IMP1's SEZ x 10 and MUM-ACC's DRAWBACK / 10 are planted, everything else as usual."""
    return _plant(app, "submitted")


def _plant(app, status: str) -> dict:
    from app.services.engine import catalogue

    with app.app_context():
        fmt = catalogue.definitions().format(FMT)
        for i, office in enumerate(ZONE_OFFICES):
            for back in range(1, HISTORY + 1):
                put_history(office, MONTH.shift(-back), "validated", _usual(fmt, i, back))
        now = [_usual(fmt, i, 0) for i in range(len(ZONE_OFFICES))]
        now[0]["SEZ"] *= 10
        now[2]["DRAWBACK"] = (now[2]["DRAWBACK"] / 10).quantize(Decimal("0.01"))
        for office, cells in zip(ZONE_OFFICES, now, strict=True):
            put_history(office, MONTH, status, cells)
        return {"SEZ": now[0]["SEZ"], "usual_sez": _usual(fmt, 0, 0)["SEZ"]}


def _history_only(app, office: str = "MUM-NCH-IMP1") -> dict:
    from app.services.engine import catalogue

    with app.app_context():
        fmt = catalogue.definitions().format(FMT)
        for back in range(1, HISTORY + 1):
            put_history(office, MONTH.shift(-back), "validated", _usual(fmt, 0, back))
        return _usual(fmt, 0, 0)


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_grid_carries_each_cells_limits_and_a_save_ten_times_the_usual_is_warned_not_refused(
    app, login_as
):
    """The office's grid names its limits; saving SEZ x 10 saves the draft and says why it looks wrong."""
    usual = _history_only(app)
    client = login_as("mum-nch-imp1")
    page = _page(client, f"{GRID}/MUM-NCH-IMP1/{MONTH}")
    assert 'data-col="SEZ"' in page and "data-limit-high=" in page and "mpr-outliers.js" in page
    form = {f"cell|_|{code}": str(value) for code, value in usual.items()}
    form.update({"csrf_token": csrf_token(page), "version": "0", "cell|_|SEZ": str(usual["SEZ"] * 10)})
    response = client.post(f"{GRID}/MUM-NCH-IMP1/{MONTH}", data=form, follow_redirects=True)
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and "Draft saved." in text
    assert "1 figure(s) lie far from their usual range" in text
    assert "SEZ: Far above this office's usual" in text
    assert text.count("this does not stop saving or submitting") <= 1  # the advice once, not per cell


def test_the_api_save_lists_exactly_the_planted_figure_and_submission_goes_through(app, call_api):
    """PUT answers 200 with warnings [SEZ]; a usual month has none; submit is never refused for it."""
    usual = _history_only(app)
    path = f"/api/v1/mpr/returns/{FMT}/MUM-NCH-IMP1/{MONTH}"
    normal = {code: float(value) for code, value in usual.items()}
    saved = call_api("mum-nch-imp1", "put", path, {"version": 0, "rows": {"_": normal}})
    assert saved.status_code == 200 and saved.get_json()["warnings"] == []
    typo = {**normal, "SEZ": float(usual["SEZ"] * 10)}
    version = saved.get_json()["version"]
    warned = call_api("mum-nch-imp1", "put", path, {"version": version, "rows": {"_": typo}})
    body = warned.get_json()
    assert warned.status_code == 200, body
    assert [(w["row"], w["column"], w["code"]) for w in body["warnings"]] == [("_", "SEZ", "outlier")]
    assert "Far above this office's usual" in body["warnings"][0]["message"]
    submitted = call_api("mum-nch-imp1", "post", f"{path}/submit")
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"


def test_nothing_is_flagged_without_enough_history(app, call_api):
    """Five months of history (six needed) and no peers: SEZ x 10 saves with no warning, no limits."""
    from app.services.engine import catalogue

    with app.app_context():
        fmt = catalogue.definitions().format(FMT)
        for back in range(1, 6):
            put_history("MUM-NCH-IMP1", MONTH.shift(-back), "validated", _usual(fmt, 0, back))
        cells = {code: float(v) for code, v in _usual(fmt, 0, 0).items()}
    cells["SEZ"] *= 10
    path = f"/api/v1/mpr/returns/{FMT}/MUM-NCH-IMP1/{MONTH}"
    saved = call_api("mum-nch-imp1", "put", path, {"version": 0, "rows": {"_": cells}})
    assert saved.status_code == 200 and saved.get_json()["warnings"] == []


def test_the_zone_sees_exactly_the_planted_figures_before_it_validates(app, login_as, planted):
    """The validation page lists MUM-NCH-IMP1's SEZ and MUM-ACC's DRAWBACK, nothing else; so does the
    confirmation page of MUM-NCH-IMP1's DDM formats (its own flag only), and validating still works."""
    client = login_as("cz-mum-i")
    page = _page(client, f"/mpr/validation/?period={MONTH}")
    flagged = _flagged_rows(page)
    assert flagged == [("MUM-ACC", FMT, "DRAWBACK"), ("MUM-NCH-IMP1", FMT, "SEZ")]
    assert "1 figure(s) flagged" in page
    confirm = _page(client, f"/mpr/validation/DDM/MUM-NCH-IMP1/{MONTH}")
    assert _flagged_rows(confirm) == [("MUM-NCH-IMP1", FMT, "SEZ")]
    assert "Far above this office" in html.unescape(confirm)
    assert "does not stop saving" not in html.unescape(confirm)  # the Zone is not told how to type


def test_another_zone_sees_no_flag_of_these_offices(app, login_as, planted):
    """CZ-CHE validates none of these offices: its page lists no flag."""
    page = _page(login_as("cz-che"), f"/mpr/validation/?period={MONTH}")
    assert _flagged_rows(page) == [] and "mpr-no-flags" in page


def _flagged_rows(page: str) -> list[tuple[str, str, str]]:
    import re

    line = r'<tr data-office="([^"]+)" data-format="([^"]+)" data-row="[^"]*" data-col="([^"]+)"'
    return sorted(re.findall(line, page))


@pytest.fixture
def call_api(app, client, api_token):
    """call_api(user, method, path, body=None): a JSON API call as that user."""
    tokens: dict[str, dict] = {}

    def _call(user: str, method: str, path: str, body: dict | None = None):
        if user not in tokens:
            tokens[user] = api_token(user)
        return getattr(client, method)(path, json=body, headers=tokens[user])

    return _call


def test_history_months_are_the_window_before_the_month():
    """The own window is the months before the month; the peers' is the month and the ones just before."""
    from app.services.reports.outlier_sql import Settings

    cfg = Settings(window=3, peer_window=2)
    assert cfg.history(Month(2025, 2)) == (Month(2024, 11), Month(2024, 12), Month(2025, 1))
    assert cfg.peer_months(Month(2025, 2)) == (Month(2024, 12), Month(2025, 1))  # not the month filed


def test_the_zone_report_marks_the_flagged_offices_cells_with_a_legend(app, login_as, planted):
    """The Zone's temporary report, by office: SEZ of MUM-NCH-IMP1 and DRAWBACK of MUM-ACC are marked
    (a sign, words for screen readers, the reason as title), no other cell; a legend says what it means."""
    import re

    client = login_as("cz-mum-i")
    page = _page(client, f"/mpr/reports/{FMT}/CZ-MUM-I/{MONTH}?basis=temporary")
    children = page[page.index('id="mpr-children-') :]
    marked = []
    for row in re.findall(r'<tr data-row="([^"]+)".*?</tr>', children, re.S):
        body = children[children.index(f'<tr data-row="{row}"') :]
        body = body[: body.index("</tr>")]
        marked += [(row, col) for col in re.findall(r'data-col="([^"]+)" class="mpr-num mpr-flagged"', body)]
    assert sorted(marked) == [("MUM-ACC", "DRAWBACK"), ("MUM-NCH-IMP1", "SEZ")]
    assert "mpr-flag-legend" in page and "Flagged: " in html.unescape(page)
    own = _page(client, f"/mpr/reports/{FMT}/CZ-MUM-I/{MONTH}")  # validated basis: nothing validated yet
    assert "mpr-flagged" not in own


def test_the_board_sees_the_flag_in_an_offices_report_and_the_all_india_zones_are_not_marked(app, login_as):
    """Validated figures: the Board's report of MUM-NCH-IMP1 marks SEZ; the by-Zone table stays unmarked."""
    _plant(app, "validated")
    client = login_as("member-customs")
    page = _page(client, f"/mpr/reports/{FMT}/MUM-NCH-IMP1/{MONTH}")
    assert page.count('class="mpr-num mpr-flagged"') == 1
    assert 'data-col="SEZ" class="mpr-num mpr-flagged"' in page
    assert "mpr-flagged" not in _page(client, f"/mpr/reports/{FMT}/INDIA/{MONTH}")


def test_marking_a_report_costs_one_query_whatever_the_number_of_offices(app, planted):
    """report_flags runs the SQL detector once for a Zone's report; the peers' bands of each filing
    profile met cost a stamp query once worked out (kept while their returns are unchanged)."""
    from sqlalchemy import event

    from app.extensions import db
    from app.services.engine import catalogue
    from app.services.reports.outlier_reports import report_flags
    from app.services.reports.report import build_report
    from app.services.reports.scope import TEMPORARY, resolve_unit

    with app.test_request_context():
        fmt = catalogue.definitions().format(FMT)
        report = build_report(fmt, resolve_unit("CZ-MUM-I"), MONTH, TEMPORARY, by_children=True)
        statements = []

        def count(*_args):
            statements.append(1)

        report_flags(report)  # the peers' bands worked out once
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            found = report_flags(report)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        profiles = _profiles(report)
        assert len(statements) == 1 + profiles  # the detector, then one stamp per filing profile
        assert sorted(found.children) == [("MUM-ACC", "DRAWBACK"), ("MUM-NCH-IMP1", "SEZ")]


def _profiles(report) -> int:
    """The filing profiles (kind, streams, function) of the offices with a return in the report."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.org import Office
    from app.models.returns import MprReturn

    found = db.session.execute(
        select(Office.kind, Office.segments, Office.function)
        .join(MprReturn, MprReturn.office_id == Office.id)
        .where(MprReturn.format_code == report.fmt.code, MprReturn.period == report.month.first_day)
        .distinct()
    ).all()
    return len(found)
