"""A column in force only for offices of some commissionerate functions (`functions:` on a column): the
other offices' grids, saves and checks leave it out, and the API refuses it from them."""

from __future__ import annotations

import pytest

from tests.conftest import build_app
from tests.http.conftest import get_grid, post_grid
from tests.http.test_sync import REAL_TEXT, apps, edit_format, fresh_url, login, write_definitions  # noqa: F401

TAR = "tar_ce_3"
MONTH = "2024-01"
REALISED = '    - {code: ARREAR_REALISED_AMT, label: "Arrears realised during the month"'
LTU_ONLY = (
    '    - {code: LTU_SETTLED_AMT, label: "Settled by the large taxpayer cell", type: amount,'
    " functions: [ltu], required: false}\n"
)
LTU_CHECK = (
    '    - {code: LTU_SETTLED_WITHIN, rule: "LTU_SETTLED_AMT <= ARREAR_REALISED_AMT",'
    ' message: "Settled can not exceed realised", cells: [LTU_SETTLED_AMT]}\n'
)


def _with_an_ltu_column() -> str:
    start = REAL_TEXT.index("\n- code: TAR-CE-3\n")
    line_end = REAL_TEXT.index("\n", REAL_TEXT.index(REALISED, start)) + 1
    text = REAL_TEXT[:line_end] + LTU_ONLY + REAL_TEXT[line_end:]
    return edit_format(text, "TAR-CE-3", "  checks:\n", "  checks:\n" + LTU_CHECK)


@pytest.fixture
def ltu_app(fresh_url, apps, write_definitions):  # noqa: F811
    application = build_app(fresh_url, MPR_DEFINITIONS=str(write_definitions(_with_an_ltu_column())))
    apps.append(application)
    return application


def test_a_function_column_is_on_the_grid_of_its_offices_only(ltu_app):
    executive = login(ltu_app, "cgst-mum-e")
    page = get_grid(executive, TAR, "CGST-MUM-E", MONTH)
    assert 'data-col="LTU_SETTLED_AMT"' not in page.html
    assert 'data-col="ARREAR_REALISED_AMT"' in page.html
    headers = _api_headers(ltu_app, "cgst-mum-e")
    url = f"/api/v1/mpr/returns/TAR-CE-3/CGST-MUM-E/{MONTH}"
    sent = {"UNRESTRAINED": {"ARREAR_REALISED_AMT": "2", "LTU_SETTLED_AMT": "5"}}
    refused = ltu_app.test_client().put(url, headers=headers, json={"version": 0, "rows": sent})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [
        {
            "row": "UNRESTRAINED",
            "column": "LTU_SETTLED_AMT",
            "code": "unknown_column",
            "message": "There is no column 'LTU_SETTLED_AMT'",
        }
    ]

    ltu = login(ltu_app, "ltu-mum")
    page = get_grid(ltu, TAR, "LTU-MUM", MONTH)
    assert 'data-col="LTU_SETTLED_AMT"' in page.html
    wrong = post_grid(
        ltu,
        TAR,
        "LTU-MUM",
        MONTH,
        {("UNRESTRAINED", "ARREAR_REALISED_AMT"): "3", ("UNRESTRAINED", "LTU_SETTLED_AMT"): "5"},
    )
    assert wrong.status_code == 302  # a draft may be saved while a check fails
    again = get_grid(ltu, TAR, "LTU-MUM", MONTH)
    assert "Settled can not exceed realised" in again.html


def _api_headers(application, username: str) -> dict[str, str]:
    answer = application.test_client().post(
        "/api/v1/security/login",
        json={"username": username, "password": application.config["MPR_DEMO_PASSWORD"], "provider": "db"},
    )
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}


def test_the_format_api_says_which_functions_fill_a_column(ltu_app):
    client = ltu_app.test_client(use_cookies=False)
    headers = _api_headers(ltu_app, "cgst-mum-e")
    described = client.get(f"/api/v1/mpr/formats?period={MONTH}", headers=headers)
    assert described.status_code == 200, described.get_data(as_text=True)
    tar = next(f for f in described.get_json()["result"] if f["code"] == "TAR-CE-3")
    columns = {c["code"]: c for c in tar["columns"]}
    assert columns["LTU_SETTLED_AMT"]["functions"] == ["ltu"]
    assert columns["ARREAR_REALISED_AMT"]["functions"] == []
