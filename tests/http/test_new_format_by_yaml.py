"""Issue 10 as an administrator tries it: a new format with a computed "Net" row, fed columns and a check
across formats is added to mpr_definitions.yaml; `flask mpr check` and `flask mpr sync` run on a
database that holds data; the system account feeds it, and an office fills it and submits — no code."""

from __future__ import annotations

from app import create_app
from tests.conftest import make_config
from tests.http.conftest import get_grid, save_grid
from tests.http.test_sync import REAL_TEXT, apps, flask_cli, fresh_url, login, seeded, write_definitions  # noqa: F401

MONTH, OFFICE = "2024-05", "CGST-MUM-E"
ITC = """\
- code: DDM-GST-5
  title: "Blocking and unblocking of input tax credit (rule 86A CGST Rules)"
  part: I
  owner: DDM
  segment: GST
  unit: crore
  filled_by: [commissionerate]
  functions: [executive]
  from: 2024-04
  rows:
    fixed:
      - {key: BLOCKED, label: "Credit blocked during the month"}
      - {key: UNBLOCKED, label: "Credit unblocked during the month"}
      - {key: NET, label: "Net credit blocked in the month", formula: "BLOCKED - UNBLOCKED"}
  columns:
    - {code: GSTIN_NO, label: "No. of GSTINs", type: count, fed: GSTN}
    - {code: CREDIT_AMT, label: "Credit", type: amount, fed: GSTN}
    - {code: GROUNDS, label: "Grounds (rule 86A(1)(a)-(d))", type: text, max_length: 200, required: false}
  cross_checks:
    - {code: NET_WITHIN_REGISTRATIONS, left: {row: NET, column: GSTIN_NO}, op: "<=",
       right: {format: DPM-GST-12, row: AT_END, column: TAXPAYERS_NO},
       message: "GSTINs with credit blocked can not exceed the registrations in force"}

"""


def _with_itc() -> str:
    at = REAL_TEXT.index("\nsummaries:")  # the new format goes at the end of the formats list
    return REAL_TEXT[: at + 1] + ITC + REAL_TEXT[at + 1 :]


def _api(application, username: str):
    client = application.test_client(use_cookies=False)
    answer = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": application.config["MPR_DEMO_PASSWORD"], "provider": "db"},
    )
    headers = {"Authorization": f"Bearer {answer.get_json()['access_token']}"}
    return lambda method, path, body=None: client.open(
        f"/api/v1/mpr{path}", method=method, headers=headers, json=body
    )


def test_a_new_format_needs_yaml_only(fresh_url, apps, write_definitions):  # noqa: F811
    with seeded(fresh_url, apps):  # a database that holds data (two drafts)
        pass
    definitions = write_definitions(_with_itc())
    checked = flask_cli("mpr", "check", str(definitions), definitions=definitions, url=fresh_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    synced = flask_cli("mpr", "sync", definitions=definitions, url=fresh_url)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "create table mpr_ddm_gst_5" in synced.stdout

    application = create_app(make_config(fresh_url, MPR_DEFINITIONS=str(definitions)))
    apps.append(application)
    feed, office = _api(application, "gstn-feed"), _api(application, "cgst-mum-e")
    fed = feed(
        "PUT",
        f"/returns/DDM-GST-5/{OFFICE}/{MONTH}/fed",
        {
            "rows": {
                "BLOCKED": {"GSTIN_NO": 12, "CREDIT_AMT": "340.50"},
                "UNBLOCKED": {"GSTIN_NO": 3, "CREDIT_AMT": "41.25"},
            }
        },
    )
    assert fed.status_code == 200, fed.get_json()

    browser = login(application, "cgst-mum-e")
    page = get_grid(browser, "ddm_gst_5", OFFICE, MONTH)
    assert page.value("NET", "GSTIN_NO") == "9" and page.value("NET", "CREDIT_AMT") == "299.25"
    assert ("BLOCKED", "GSTIN_NO") not in page.inputs  # fed: read-only for the office
    save_grid(browser, "ddm_gst_5", OFFICE, MONTH, {("BLOCKED", "GROUNDS"): "Fake invoices (86A(1)(a))"})

    # the check across formats: DPM-GST-12 says 5 registrations in force at the end of the month
    registrations = {("AT_START", "TAXPAYERS_NO"): "5", ("CANCELLED", "TAXPAYERS_NO"): "0"}
    for key in ("NEW_NORMAL", "NEW_COMPOSITION", "NEW_TDS_TCS", "NEW_NRTP_CASUAL"):
        registrations[(key, "TAXPAYERS_NO")] = "0"
    save_grid(browser, "dpm_gst_12", OFFICE, MONTH, registrations)
    version = office("GET", f"/returns/DDM-GST-5/{OFFICE}/{MONTH}").get_json()["version"]
    refused = office("POST", f"/returns/DDM-GST-5/{OFFICE}/{MONTH}/submit", {"version": version})
    assert refused.status_code == 422, refused.get_json()
    assert "can not exceed the registrations in force" in str(refused.get_json())

    registrations[("NEW_NORMAL", "TAXPAYERS_NO")] = "20"
    save_grid(browser, "dpm_gst_12", OFFICE, MONTH, registrations)
    version = office("GET", f"/returns/DDM-GST-5/{OFFICE}/{MONTH}").get_json()["version"]
    submitted = office("POST", f"/returns/DDM-GST-5/{OFFICE}/{MONTH}/submit", {"version": version})
    assert submitted.status_code == 200, submitted.get_json()
