"""Who reads a return's figures before validation (issue 7, item 1i).

A draft: the office that enters it only. Submitted: also its validator, as the temporary
report. Validated: as reports. Owners and the Board see the status, never the figures
before validation (403 with the reason); other offices and Zones — also after the report
dates — see nothing of it (404). Every path that shows figures is asked.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from tests.conftest import log_out
from tests.http.conftest import grid_url
from tests.http.test_cycle import DATA, JAN, slug
from tests.http.test_cycle_api import call, file, put, raise_  # noqa: F401 - `call` is a fixture

OFFICE, FORMAT = "CGST-MUM-W", "GI-GST-2"
OWNER_FORMATS = ("GI-GST-2", "GI-GST-4", "GI-GST-5")  # DGCEI's formats the office files
ENTERING = "cgst-mum-w"
VALIDATOR = "gz-mum"
STATUS_ONLY = ("member-customs", "dgcei-fo", "admin")  # Board, the format's owner, an administrator
OUTSIDERS = ("cgst-mum-e", "gz-del", "cgst-mum-w-d2")  # a peer office, a foreign Zone, its own Division
PATH = f"/returns/{FORMAT}/{OFFICE}/{JAN}"


@pytest.fixture
def report_dates_passed(app):
    """Both notified report dates have passed (the widest reading of reports)."""
    yesterday = dt.date.today() - dt.timedelta(days=1)
    app.config.update(MPR_FIELD_REPORTS_FROM=yesterday, MPR_OPEN_REPORTS_FROM=yesterday)
    yield
    app.config.update(MPR_FIELD_REPORTS_FROM=None, MPR_OPEN_REPORTS_FROM=None)


def answers(call, users) -> dict[str, int]:  # noqa: F811 - the fixture's value
    """{user: status code of GET on the API} for the return under test."""
    return {user: call(user, "GET", PATH).status_code for user in users}


def test_api_answers_follow_the_return_state(call, report_dates_passed):  # noqa: F811
    assert put(call, ENTERING, FORMAT, OFFICE, JAN, DATA[FORMAT]).status_code == 200
    everyone = (ENTERING, VALIDATOR, *STATUS_ONLY, *OUTSIDERS)
    draft = answers(call, everyone)
    assert draft == {
        ENTERING: 200,
        VALIDATOR: 403,
        **dict.fromkeys(STATUS_ONLY, 403),
        **dict.fromkeys(OUTSIDERS, 404),
    }
    refused = call("member-customs", "GET", PATH).get_json()
    assert refused["code"] == "figures_not_validated" and "draft" in refused["message"]
    assert "rows" not in refused

    for code in OWNER_FORMATS:
        file(call, ENTERING, code, OFFICE, JAN, DATA[code])
    submitted = answers(call, everyone)
    assert submitted == {
        ENTERING: 200,
        VALIDATOR: 200,
        **dict.fromkeys(STATUS_ONLY, 403),
        **dict.fromkeys(OUTSIDERS, 404),
    }

    assert call(VALIDATOR, "POST", f"/validations/DGCEI/{OFFICE}/{JAN}").status_code == 200
    assert answers(call, everyone) == dict.fromkeys(everyone, 200)


def test_a_never_saved_return_shows_no_figures_but_to_its_office(call):  # noqa: F811
    """Not started reads as a draft: the carried opening is the office's business until it submits."""
    assert answers(call, (ENTERING, VALIDATOR, "member-customs", "cgst-mum-e")) == {
        ENTERING: 200,
        VALIDATOR: 403,
        "member-customs": 403,
        "cgst-mum-e": 404,
    }


def test_pages_withhold_draft_figures(call, login_as):  # noqa: F811
    assert put(call, ENTERING, FORMAT, OFFICE, JAN, DATA[FORMAT]).status_code == 200
    zone = login_as(VALIDATOR)
    grid = zone.get(grid_url(slug(FORMAT), OFFICE, JAN))
    assert grid.status_code == 403
    assert "its figures are shown once it is validated" in grid.get_data(as_text=True)
    history = zone.get(grid_url(slug(FORMAT), OFFICE, JAN) + "/history")
    text = history.get_data(as_text=True)
    assert history.status_code == 200 and 'id="mpr-figures-withheld"' in text
    assert (
        "RECEIPT_NO" not in text and "Opening balance — No. of cases" not in text
    )  # in the audit trail only


def test_history_shows_figures_to_the_entering_office(call, login_as):  # noqa: F811
    assert put(call, ENTERING, FORMAT, OFFICE, JAN, DATA[FORMAT]).status_code == 200
    text = login_as(ENTERING).get(grid_url(slug(FORMAT), OFFICE, JAN) + "/history").get_data(as_text=True)
    assert 'id="mpr-figures-withheld"' not in text
    assert "Opening balance — No. of cases: — → 5" in text  # the saved figures, in words


def test_proposed_correction_figures_go_to_the_office_and_the_deciding_owner(app, call, login_as):  # noqa: F811
    for code in OWNER_FORMATS:
        file(call, ENTERING, code, OFFICE, JAN, DATA[code])
    assert call(VALIDATOR, "POST", f"/validations/DGCEI/{OFFICE}/{JAN}").status_code == 200
    raised = raise_(call, ENTERING, FORMAT, OFFICE, JAN, {"_": {"RECEIPT_NO": "3", "LESS_THAN_2_NO": "5"}})
    assert raised.status_code == 201, raised.get_json()
    page = f"/mpr/corrections/{raised.get_json()['number']}"
    shown = {}
    for user in ("dgcei-fo", ENTERING, VALIDATOR, "member-customs"):
        client = login_as(user)
        response = client.get(page)
        assert response.status_code == 200, user
        shown[user] = 'id="mpr-figures-withheld"' not in response.get_data(as_text=True)
        log_out(app, client)
    assert shown == {"dgcei-fo": True, ENTERING: True, VALIDATOR: False, "member-customs": False}


# ----------------------------------------------------------------- the SQL twin agrees with may()

TWIN_FORMATS = ("GI-GST-2", "DRI-CUS-7")  # commissionerates under Zones; DG units under DG HQ
STATES = ("draft", "submitted", "validated")


@pytest.mark.parametrize("dates", ["not notified", "passed"])
def test_readable_figures_in_sql_agrees_with_may(app, dates):
    from app.extensions import db
    from app.models.org import Office
    from app.models.returns import MprReturn
    from app.security.actor import actor_for
    from app.security.policy import Action, applies_to, may, readable_figures
    from app.services.engine import catalogue

    yesterday = dt.date.today() - dt.timedelta(days=1)
    since = yesterday if dates == "passed" else None
    app.config.update(MPR_FIELD_REPORTS_FROM=since, MPR_OPEN_REPORTS_FROM=since)
    stamp = dt.datetime(2024, 2, 1)
    try:
        with app.app_context():
            offices = list(db.session.execute(select(Office)).scalars())
            users = app.appbuilder.sm.get_all_users()
            for code in TWIN_FORMATS:
                fmt = catalogue.definitions().format(code)
                filing = [o for o in offices if applies_to(fmt, o)]
                for office, state in zip(filing, itertools.cycle(STATES), strict=False):
                    db.session.add(
                        MprReturn(
                            format_code=code,
                            office_id=office.id,
                            period=dt.date(2024, 1, 1),
                            status=state,
                            created_at=stamp,
                            updated_at=stamp,
                        )
                    )
                db.session.commit()
                returns = list(
                    db.session.execute(select(MprReturn).where(MprReturn.format_code == code)).scalars()
                )
                assert {r.status for r in returns} == set(STATES)
                for user in users:
                    actor = actor_for(user)
                    expected = {
                        r.id
                        for r in returns
                        if may(actor, Action.READ_FIGURES, r.office, fmt, state=r.status)
                    }
                    query = (
                        select(MprReturn.id)
                        .join(Office, Office.id == MprReturn.office_id)
                        .where(MprReturn.format_code == code, readable_figures(actor, fmt))
                    )
                    assert set(db.session.execute(query).scalars()) == expected, (user.username, code)
    finally:
        app.config.update(MPR_FIELD_REPORTS_FROM=None, MPR_OPEN_REPORTS_FROM=None)


def test_status_and_index_link_only_to_figures_the_user_may_read(app, call, login_as):  # noqa: F811
    """Owners and the Board see a draft's status without a link that would answer 403."""
    assert put(call, ENTERING, FORMAT, OFFICE, JAN, DATA[FORMAT]).status_code == 200  # a draft
    link = grid_url(slug(FORMAT), OFFICE, JAN)
    for user, linked in ((ENTERING, True), ("dgcei-fo", False), ("member-customs", False)):
        client = login_as(user)
        status = client.get(f"/mpr/status/?period={JAN}&office={OFFICE}").get_data(as_text=True)
        index = client.get(f"/mpr/?period={JAN}&office={OFFICE}").get_data(as_text=True)
        assert f'data-office="{OFFICE}" data-format="{FORMAT}"' in status, user  # the status is shown
        assert (f'href="{link}"' in status, f'href="{link}"' in index) == (linked, linked), user
        if not linked:
            assert "Figures not yet shown to you" in index
        for target in [link] if linked else []:
            assert client.get(target).status_code == 200
        log_out(app, client)
