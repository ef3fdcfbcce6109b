"""Targets set by their owner (DDM-GST-1-TARGET, `set_by: owner`): entered, loaded, read, achieved.

End to end on the real paths: DDM sets an office's targets on the Targets page and through the
API (audited, revisions kept), loads a year's targets for every office from a file; offices and
Zones read theirs and cannot enter them; the targets are on no office's to-do list, status,
validation or reminders; the % achievement of DDM-GST-1 at office, Zone and all-India level,
and the MSR's Zone lines, are computed by hand here: (sum of up to the month) / (sum of targets).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from app.definitions.months import Month
from tests.http.conftest import form_data, parse_grid
from tests.http.test_reports import call, get  # noqa: F401 - the `call` fixture
from tests.report_data import put_return

TARGET, REVENUE, SLUG = "DDM-GST-1-TARGET", "DDM-GST-1", "ddm_gst_1_target"
OFFICE, OWNER = "CGST-MUM-E", "ddm"
HEADS = ("CGST", "SGST_UTGST", "IGST", "CESS")
API_PATH = "/targets/DDM-GST-1-TARGET"


def this_year() -> Month:
    return Month.of(dt.date.today()).fy_start


def heads(*values) -> dict[str, str]:
    return {head: str(value) for head, value in zip(HEADS, values, strict=True)}


def target_rows(cash: tuple, itc: tuple) -> dict:
    return {"CASH": heads(*cash), "ITC": heads(*itc)}


def put_target(call, user: str, office: str, year: Month, rows: dict, version: int | None = None, **more):  # noqa: F811
    """PUT an office's targets through the API, quoting the version of a GET unless given."""
    if version is None:
        current = get(call, OWNER, f"{API_PATH}/{year}/{office}")
        assert current.status_code == 200, current.get_data(as_text=True)
        version = current.get_json()["version"]
    return call(user, "PUT", f"{API_PATH}/{year}/{office}", {"version": version, "rows": rows, **more})


def history(app, office: str, year: Month) -> list:
    from app.services import audit

    with app.app_context():
        return list(audit.history(f"return:{TARGET}:{office}:{year}"))


def test_the_owner_sets_an_offices_targets_on_the_page_audited_with_revisions(app, login_as):
    year = this_year()
    seen = len(history(app, OFFICE, year))  # the audit trail outlives each test's returns
    owner = login_as(OWNER)
    index = owner.get("/mpr/targets/").get_data(as_text=True)
    assert TARGET in index and f"Financial year {year.shift(12).fy_label}" in index  # the next year too
    page = owner.get(f"/mpr/targets/{TARGET}/{year}")
    assert page.status_code == 200
    assert 'data-office="CGST-MUM-E"' in page.get_data(as_text=True) and "not set" in page.get_data(
        as_text=True
    )
    grid = parse_grid(owner.get(f"/mpr/targets/{TARGET}/{year}/{OFFICE}"))
    assert grid.status == 200 and ("CASH", "CGST") in grid.inputs and ("TOTAL", "TOTAL") not in grid.inputs
    cells = {
        (row, head): value
        for row, values in target_rows((100, 80, 60, 10), (50, 40, 30, 0)).items()
        for head, value in values.items()
    }
    saved = owner.post(
        f"/mpr/targets/{TARGET}/{year}/{OFFICE}", data=form_data(grid, cells, extra={"reason": "budget 2026"})
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    shown = owner.get(f"/mpr/targets/{TARGET}/{year}").get_data(as_text=True)
    assert "370.00" in shown and "Targets set for 1 of" in shown
    line = shown.split('data-office="CGST-MUM-E"', 1)[1].split("</tr>", 1)[0]
    assert ">Change</a>" in line and ">Set</a>" in shown.split('data-office="CGST-MUM-W"', 1)[1]
    [event] = history(app, OFFICE, year)[seen:]
    assert (event.action, event.actor, event.reason) == ("target-set", OWNER, "budget 2026")
    assert '"CGST": "100.00"' in event.after and event.before is None
    # a change keeps the figures it replaces as a revision, and says what they were
    grid = parse_grid(owner.get(f"/mpr/targets/{TARGET}/{year}/{OFFICE}"))
    assert grid.inputs[("CASH", "CGST")] == "100.00"
    assert "a change here also changes the achievement shown for the months" in grid.html
    again = owner.post(
        f"/mpr/targets/{TARGET}/{year}/{OFFICE}", data=form_data(grid, {("CASH", "CGST"): "120"})
    )
    assert again.status_code == 302
    events = history(app, OFFICE, year)[seen:]
    assert [e.action for e in events] == ["target-set", "target-set"]
    assert '"revision": 1' in events[1].before and '"CGST": "100.00"' in events[1].before
    assert '"revision": 2' in events[1].after and '"CGST": "120.00"' in events[1].after
    with app.app_context():
        from app.extensions import db
        from app.models.corrections import ReturnRevision

        assert db.session.execute(select(func.count()).select_from(ReturnRevision)).scalar_one() == 1


def test_offices_and_zones_read_their_targets_and_nobody_enters_them_as_a_return(app, call, login_as):  # noqa: F811
    year = this_year()
    assert put_target(call, OWNER, OFFICE, year, target_rows((1, 2, 3, 4), (5, 6, 7, 8))).status_code == 200
    zone = get(call, "gz-mum", f"{API_PATH}/{year}").get_json()
    assert {line["office"] for line in zone["offices"]} == {"CGST-MUM-E", "CGST-MUM-W", "LTU-MUM"}
    assert not zone["may_set"]
    mine = get(call, "cgst-mum-e", f"{API_PATH}/{year}").get_json()
    [line] = mine["offices"]
    assert (line["office"], line["set"], line["set_by"], line["cells"]["TOTAL"]) == (
        OFFICE,
        True,
        OWNER,
        "36.00",
    )
    assert get(call, "cgst-mum-e", f"{API_PATH}/{year}/CGST-MUM-W").status_code == 404  # another office's
    assert get(call, "gz-mum", f"{API_PATH}/{year}/CGST-DEL-N").status_code == 404  # another Zone's
    assert (
        put_target(call, "cgst-mum-e", OFFICE, year, target_rows((9, 9, 9, 9), (9, 9, 9, 9))).status_code
        == 403
    )
    assert (
        put_target(call, "gz-mum", OFFICE, year, target_rows((9, 9, 9, 9), (9, 9, 9, 9))).status_code == 403
    )
    assert get(call, "dgicce", f"{API_PATH}/{year}").status_code == 404  # another owner: no such format
    assert get(call, "cgst-mum-w-d2", f"{API_PATH}/{year}").status_code == 403  # a Division
    # the office's grid is read-only, and its save is refused as for any format it does not fill
    office = login_as("cgst-mum-e")
    grid = parse_grid(office.get(f"/mpr/f/{SLUG}/{OFFICE}/{year}"))
    assert grid.status == 200 and grid.inputs == {} and grid.value("TOTAL", "TOTAL") == "36.00"
    assert (
        "mpr-submit" not in grid.html
        and "mpr-owner-set" in grid.html
        and "correction request" not in grid.text
    )
    assert (
        office.post(
            f"/mpr/f/{SLUG}/{OFFICE}/{year}", data=form_data(grid, {("CASH", "CGST"): "1"})
        ).status_code
        == 404
    )
    refused = call("cgst-mum-e", "PUT", f"/returns/{TARGET}/{OFFICE}/{year}", {"version": 1, "rows": {}})
    assert refused.status_code == 403
    page = parse_grid(office.get(f"/mpr/targets/{TARGET}/{year}/{OFFICE}"))
    assert page.status == 200 and page.inputs == {} and "mpr-save" not in page.html
    # what each may do with the format, as the formats API says it
    may = {user: _may(call, user) for user in (OWNER, "cgst-mum-e", "gz-mum")}
    assert may == {OWNER: ["set", "read"], "cgst-mum-e": ["read"], "gz-mum": ["read"]}


def _may(call, user: str) -> list[str]:  # noqa: F811
    formats = get(call, user, f"/formats?period={this_year()}").get_json()["result"]
    return next(f["may"] for f in formats if f["code"] == TARGET)


def test_the_owners_to_do_list_names_the_targets_not_set_yet(app, call):  # noqa: F811
    from app.services.cycle.todo import todo_for
    from tests.http.test_status_todo import actor

    with app.test_request_context():
        january = [i for i in todo_for(actor(OWNER), today=dt.date(2025, 1, 10)) if i.kind == "targets"]
        assert [i.text.split(":")[0] for i in january] == [
            "Set the targets of DDM-GST-1-TARGET for the financial year 2024-25",
            "Set the targets of DDM-GST-1-TARGET for the financial year 2025-26",  # from January
        ]
        assert "7 of 7 offices have none" in january[0].text
    for office in (
        "CGST-DEL-N",
        "CGST-DEL-S",
        "CGST-MUM-E",
        "CGST-MUM-W",
        "LTU-MUM",
        "ST-DEL-I",
        "ST-DEL-II",
    ):
        assert (
            put_target(
                call, OWNER, office, Month(2024, 4), target_rows((1, 1, 1, 1), (1, 1, 1, 1))
            ).status_code
            == 200
        )
    with app.test_request_context():
        july = [i.text for i in todo_for(actor(OWNER), today=dt.date(2024, 7, 1)) if i.kind == "targets"]
        assert july == []  # every office of the year under way has its target; the next year waits
        assert not [
            i for i in todo_for(actor("cgst-mum-e"), today=dt.date(2024, 7, 1)) if i.kind == "targets"
        ]


def test_targets_open_for_the_next_year_not_later_and_need_every_cell(app, call):  # noqa: F811
    year, rows = this_year().shift(12), target_rows((10, 10, 10, 10), (1, 1, 1, 1))
    assert put_target(call, OWNER, OFFICE, year, rows).status_code == 200
    assert get(call, OWNER, f"{API_PATH}/{year.shift(12)}/{OFFICE}").status_code == 409
    missing = put_target(call, OWNER, "CGST-MUM-W", year, {"CASH": heads(1, 2, 3, 4)})
    assert missing.status_code == 422
    assert {(e["row"], e["column"], e["code"]) for e in missing.get_json()["errors"]} >= {
        ("ITC", "CGST", "required")
    }
    wrong = put_target(
        call,
        OWNER,
        "CGST-MUM-W",
        year,
        {"CASH": {**heads(1, 2, 3, 4), "CGST": "1,5"}, "ITC": heads(0, 0, 0, 0)},
    )
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["column"] == "CGST"
    stale = put_target(call, OWNER, OFFICE, year, rows, version=0)
    assert stale.status_code == 409
    same = put_target(call, OWNER, OFFICE, year, rows)
    assert same.status_code == 200 and same.get_json()["unchanged"] is True


def test_targets_are_on_no_offices_to_do_status_validation_or_reminders(app, call):  # noqa: F811
    from app.models.messaging import MailMessage
    from app.services.accounts.organisation import office_by_code
    from app.services.cycle.status import formats_for
    from app.services.cycle.todo import todo_for
    from app.services.cycle.workflow import owner_formats
    from app.services.messaging.reminders import remind
    from tests.http.test_status_todo import actor

    april = Month(2024, 4)
    status = get(call, "gz-mum", f"/status?period={april}&office={OFFICE}").get_json()["result"]
    assert status and TARGET not in {row["format"] for row in status}
    with app.test_request_context():
        assert TARGET not in {f.code for f in formats_for(april)}
        assert TARGET not in {f.code for f in owner_formats("DDM", office_by_code(OFFICE), april)}
        items = [item.text for item in todo_for(actor("cgst-mum-e"), today=dt.date(2024, 4, 20))]
        assert items and not [text for text in items if TARGET in text]
        remind(dt.date(2024, 5, 10))  # five days before April's returns are due
        from app.extensions import db

        bodies = db.session.execute(select(MailMessage.body)).scalars().all()
        assert bodies and not [body for body in bodies if TARGET in body]


def _csv(year: Month, lines: dict[str, tuple[tuple, tuple]]) -> bytes:
    out = io.StringIO()
    out.write("office,month,row," + ",".join(HEADS) + "\n")
    for office, (cash, itc) in lines.items():
        for key, values in (("CASH", cash), ("ITC", itc)):
            out.write(f"{office},{year},{key}," + ",".join(str(v) for v in values) + "\n")
    return out.getvalue().encode()


def _load(client, headers, data: bytes, dry_run: int):
    return client.post(
        f"/api/v1/mpr/bulk/{TARGET}?dry_run={dry_run}&status=submitted",
        headers=headers,
        data={"file": (io.BytesIO(data), "targets.csv")},
        content_type="multipart/form-data",
    )


def test_the_owner_loads_a_whole_years_targets_from_a_file(app, client, call, api_token, login_as):  # noqa: F811
    page = login_as(OWNER).get(f"/mpr/bulk/{TARGET}/").get_data(as_text=True)
    assert 'id="mpr-bulk-owner-set"' in page and 'name="status" value="submitted"' not in page
    year = this_year().shift(12)  # next year: targets are set before the year begins
    seen = len(history(app, OFFICE, year))
    assert put_target(call, OWNER, OFFICE, year, target_rows((1, 1, 1, 1), (1, 1, 1, 1))).status_code == 200
    lines = {
        "CGST-MUM-E": ((100, 50, 40, 10), (20, 10, 10, 0)),
        "CGST-MUM-W": ((80, 40, 30, 5), (10, 10, 5, 0)),
        "CGST-DEL-N": ((60, 30, 20, 5), (10, 5, 5, 0)),
    }
    owner = api_token(OWNER)
    planned = _load(client, owner, _csv(year, lines), dry_run=1)
    assert planned.status_code == 200, planned.get_json()
    replaces = {r["office"]: r["replaces"] for r in planned.get_json()["returns"]}
    assert replaces == {"CGST-MUM-E": "validated", "CGST-MUM-W": None, "CGST-DEL-N": None}
    loaded = _load(client, owner, _csv(year, lines), dry_run=0)
    assert loaded.status_code == 200, loaded.get_json()
    assert (loaded.get_json()["returns"], loaded.get_json()["status"]) == (3, "validated")  # always in force
    body = get(call, OWNER, f"{API_PATH}/{year}").get_json()
    totals = {line["office"]: line["cells"]["TOTAL"] for line in body["offices"] if line["set"]}
    assert totals == {"CGST-MUM-E": "240.00", "CGST-MUM-W": "180.00", "CGST-DEL-N": "135.00"}
    events = history(app, OFFICE, year)[seen:]
    assert [e.action for e in events] == ["target-set", "bulk-load"]
    assert '"revision": 1' in events[1].before and '"CESS": "1.00"' in events[1].before
    assert get(call, OWNER, f"{API_PATH}/{year}/{OFFICE}").get_json()["revision"] == 2
    assert _load(client, api_token("cgst-mum-e"), _csv(year, lines), dry_run=1).status_code == 403
    assert (
        _load(client, api_token("admin"), _csv(year, lines), dry_run=1).status_code == 404
    )  # the owner's own
    too_late = _load(client, owner, _csv(year.shift(12), lines), dry_run=1).get_json()
    assert {e["code"] for e in too_late["errors"]} == {"month_not_ended"}
    # the template of next year's targets: a line per office and row to fill
    template = client.get(f"/api/v1/mpr/bulk/{TARGET}/template?from={year}&until={year}", headers=owner)
    assert template.status_code == 200, template.get_data(as_text=True)
    data = list(
        openpyxl.load_workbook(io.BytesIO(template.data), read_only=True)["Data"].iter_rows(values_only=True)
    )
    assert data[0][:7] == ("office", "month", "row", *HEADS) and len(data) == 1 + 7 * 2  # 7 offices x 2 rows
    assert {(line[0], line[1]) for line in data[1:]} >= {(OFFICE, str(year)), ("CGST-DEL-N", str(year))}


def _pct(done: Decimal, target: Decimal) -> Decimal:
    return (done * 100 / target).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


REVENUE_BY_OFFICE = {  # office: (CASH heads, ITC heads) each month of April and May 2024
    "CGST-MUM-E": ((10, 6, 4, 1), (3, 2, 1, 0)),
    "CGST-MUM-W": ((7, 3, 2, 1), (2, 1, 1, 0)),
    "CGST-DEL-N": ((5, 2, 2, 0), (1, 1, 0, 0)),
}
TARGETS_BY_OFFICE = {
    "CGST-MUM-E": ((150, 90, 60, 10), (40, 20, 10, 0)),
    "CGST-MUM-W": ((110, 40, 30, 10), (30, 10, 10, 0)),
    "CGST-DEL-N": ((90, 30, 30, 0), (20, 10, 0, 0)),
}
ZONES = {"GZ-MUM": ("CGST-MUM-E", "CGST-MUM-W"), "GZ-DEL": ("CGST-DEL-N",)}


def _sum(values_by_office: dict, offices, months: int = 1) -> Decimal:
    return Decimal(sum(sum(cash) + sum(itc) for o in offices for cash, itc in [values_by_office[o]]) * months)


@pytest.fixture
def achieved(app, call):  # noqa: F811
    """DDM-GST-1 validated for April and May 2024 in three offices of two Zones; their targets set by DDM."""
    with app.app_context():
        for office, (cash, itc) in REVENUE_BY_OFFICE.items():
            for month in (Month(2024, 4), Month(2024, 5)):
                put_return(REVENUE, office, month, "validated", {"CASH": heads(*cash), "ITC": heads(*itc)})
    for office, (cash, itc) in TARGETS_BY_OFFICE.items():
        assert put_target(call, OWNER, office, Month(2024, 4), target_rows(cash, itc)).status_code == 200


def test_the_achievement_is_recomputed_at_office_zone_and_all_india_level(app, call, achieved):  # noqa: F811
    india = get(call, "member-customs", f"/reports/{REVENUE}/INDIA/2024-05?by=children").get_json()
    total = next(row["cells"] for row in india["rows"] if row["key"] == "TOTAL")
    offices = list(REVENUE_BY_OFFICE)
    expected = _pct(_sum(REVENUE_BY_OFFICE, offices, 2), _sum(TARGETS_BY_OFFICE, offices))
    assert Decimal(total["TOTAL_TARGET_PCT"]) == expected  # never a sum (or mean) of percentages
    for child in india["children"]:
        if child["unit"] in ZONES:
            members = ZONES[child["unit"]]
            cells = next(r["cells"] for r in child["rows"] if r["key"] == "TOTAL")
            assert Decimal(cells["TOTAL_TARGET_PCT"]) == _pct(
                _sum(REVENUE_BY_OFFICE, members, 2), _sum(TARGETS_BY_OFFICE, members)
            )
    office = get(call, "cgst-mum-e", f"/reports/{REVENUE}/{OFFICE}/2024-05").get_json()
    cash = next(row["cells"] for row in office["rows"] if row["key"] == "CASH")
    assert Decimal(cash["CGST_TARGET_PCT"]) == _pct(Decimal(20), Decimal(150))  # 10 + 10 over 150


def test_the_msr_ranks_zones_by_achievement_recomputed_from_their_sums(app, call, achieved):  # noqa: F811
    response = get(call, OWNER, "/msr/MSR-DDM-GST-1/2024-05")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    lines = {row["unit"]: row for row in body["rows"] if not row["total"]}
    expected = {
        zone: _pct(_sum(REVENUE_BY_OFFICE, members, 2), _sum(TARGETS_BY_OFFICE, members))
        for zone, members in ZONES.items()
    }
    for zone, pct in expected.items():
        assert Decimal(lines[zone]["cells"]["TOTAL_TARGET_PCT"]) == pct
        assert Decimal(lines[zone]["cells"]["TOTAL_UPTO"]) == _sum(REVENUE_BY_OFFICE, ZONES[zone], 2)
    ranked = [
        row["unit"]
        for row in body["rows"]
        if row["cells"]["TOTAL_TARGET_PCT"] is not None and not row["total"]
    ]
    assert ranked == sorted(expected, key=lambda zone: -expected[zone])
    india = body["rows"][-1]
    offices = list(REVENUE_BY_OFFICE)
    assert india["total"] and Decimal(india["cells"]["TOTAL_TARGET_PCT"]) == _pct(
        _sum(REVENUE_BY_OFFICE, offices, 2), _sum(TARGETS_BY_OFFICE, offices)
    )
    drilled = get(call, OWNER, "/msr/MSR-DDM-GST-1/2024-05?zone=GZ-MUM").get_json()
    by_office = {row["unit"]: row["cells"]["TOTAL_TARGET_PCT"] for row in drilled["rows"] if not row["total"]}
    assert Decimal(by_office["CGST-MUM-E"]) == _pct(
        _sum(REVENUE_BY_OFFICE, ["CGST-MUM-E"], 2), _sum(TARGETS_BY_OFFICE, ["CGST-MUM-E"])
    )
    assert get(call, "gz-mum", "/msr/MSR-DDM-GST-1/2024-05").status_code == 403  # owners and the Board only


def test_the_openapi_document_has_the_targets_endpoints(app, client, api_token):
    document = client.get("/api/v1/_openapi", headers=api_token(OWNER)).get_json()
    paths = document["paths"]
    one = "/api/v1/mpr/targets/{format_code}/{period}/{office_code}"
    assert "/api/v1/mpr/targets/{format_code}/{period}" in paths and {"get", "put"} <= set(paths[one])
    body = paths[one]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == {"version", "rows", "reason"} and body["required"] == [
        "version",
        "rows",
    ]
