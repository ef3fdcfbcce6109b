"""Bulk load of past months (issue 12, part 3) through HTTP: template, dry run, apply, access, the page.

A load is DPM-GST-ADJ-2 (owner DGICCE: user dgicce) for several offices and months; the
files are written with the csv module and openpyxl as an owner's spreadsheet would be.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from app.definitions.months import Month
from app.extensions import db
from app.models.audit import AuditEvent
from tests.bulk_data import FORMAT, HEADER, as_csv, as_xlsx, chain
from tests.conftest import csrf_token
from tests.http.conftest import count_returns, return_header, stored

API = "/api/v1/mpr"
OFFICES = ["CGST-MUM-E", "CGST-MUM-W"]
MONTHS = [Month(2024, 4), Month(2024, 5), Month(2024, 6)]
PAGE = f"/mpr/bulk/{FORMAT}/"


@pytest.fixture
def token(api_token):
    """JWT headers per user (cached)."""
    tokens: dict[str, dict] = {}

    def _token(user: str) -> dict:
        if user not in tokens:
            tokens[user] = api_token(user)
        return tokens[user]

    return _token


def post_load(client, headers, data: bytes, name: str = "load.csv", **args):
    """POST a file to the bulk-load API; query args as given (dry_run, status)."""
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return client.post(
        f"{API}/bulk/{FORMAT}?{query}",
        headers=headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_dry_run_lists_every_planted_cell_error_with_its_address_and_stores_nothing(app, client, token):
    load = chain(OFFICES, MONTHS)
    load.line("CGST-MUM-E", "2024-05")["RECEIPT_NO"] = "x"  # row 3 (E, May), column F
    load.line("CGST-MUM-E", "2024-06")["RECEIPT_AMT"] = "1.234"  # row 4, column G
    load.line("CGST-MUM-W", "2024-04")["DISPOSAL_REVENUE_NO"] = "1,5"  # row 5, column H
    load.line("CGST-MUM-W", "2024-05")["office"] = "NO-SUCH"  # row 6, column A
    june = load.line("CGST-MUM-W", "2024-06")
    june["AGE_GT_1Y_NO"] = str(int(june["AGE_GT_1Y_NO"]) + 1)  # row 7: the ages no longer sum to the closing
    header = (*HEADER, "CLOSING_NO", "NO_SUCH_COLUMN")  # columns O and P of the header
    response = post_load(client, token("dgicce"), as_xlsx(load, header), "load.xlsx", dry_run=1)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    found = {(e["cell"], e["code"]) for e in errors}
    assert {
        ("F3", "not_a_number"),
        ("G4", "too_many_decimals"),
        ("H5", "grouping"),
        ("A6", "unknown_office"),
        ("L7", "AGE_MATCHES_CLOSING"),
        ("M7", "AGE_MATCHES_CLOSING"),
        ("N7", "AGE_MATCHES_CLOSING"),
        ("O1", "computed_column"),
        ("P1", "unknown_column"),
    } <= found
    first = next(e for e in errors if e["cell"] == "F3")
    assert first["sheet"] == "Data" and first["office"] == "CGST-MUM-E" and first["month"] == "2024-05"
    assert first["column"] == "Receipt during the month — No." and first["message"]
    assert count_returns(app) == 0


def test_a_clean_file_is_planned_then_loaded_and_readable_with_the_status_chosen(app, client, token):
    load = chain(OFFICES, MONTHS)
    data = as_csv(load)
    planned = post_load(client, token("dgicce"), data, dry_run=1, status="validated")
    assert planned.status_code == 200, planned.get_json()
    body = planned.get_json()
    assert body["errors"] == [] and body["disagreements"] == [] and len(body["returns"]) == 6
    assert count_returns(app) == 0  # a dry run stores nothing
    loaded = post_load(client, token("dgicce"), data, dry_run=0, status="validated")
    assert loaded.status_code == 200, loaded.get_json()
    assert loaded.get_json()["returns"] == 6 and loaded.get_json()["status"] == "validated"
    got = client.get(f"{API}/returns/{FORMAT}/CGST-MUM-W/2024-06", headers=token("dgicce"))
    assert got.status_code == 200 and got.get_json()["status"] == "validated"
    cells = got.get_json()["rows"][0]["cells"]
    closing = load.closings[("CGST-MUM-W", "2024-06")]
    assert Decimal(str(cells["CLOSING_AMT"])) == closing["CLOSING_AMT"]
    assert cells["CLOSING_NO"] == closing["CLOSING_NO"]
    may = stored(app, FORMAT, "CGST-MUM-E", "2024-05")["_"]
    assert may["OPENING_NO"] == load.closings[("CGST-MUM-E", "2024-04")]["CLOSING_NO"]


def test_submitted_loads_are_read_by_the_office_and_carry_who_loaded_them(app, client, token):
    data = as_csv(chain(OFFICES[:1], MONTHS[:2]))
    assert post_load(client, token("dgicce"), data, dry_run=0, status="submitted").status_code == 200
    got = client.get(f"{API}/returns/{FORMAT}/CGST-MUM-E/2024-05", headers=token("cgst-mum-e"))
    assert got.status_code == 200 and got.get_json()["status"] == "submitted"
    with app.app_context():
        from app.services.accounts.organisation import office_by_code
        from app.services.engine.grid import find_return

        ret = find_return(FORMAT, office_by_code("CGST-MUM-E"), Month(2024, 5))
        loader = app.appbuilder.sm.find_user(username="dgicce")
        assert ret.submitted_by_id == loader.id and ret.submitted_at is not None
        assert ret.validated_at is None and ret.validated_by_id is None
        assert ret.opening_entered is False
        first = find_return(FORMAT, office_by_code("CGST-MUM-E"), Month(2024, 4))
        assert first.opening_entered is True  # the office's first month: the opening as given


def test_one_bad_cell_stores_nothing_at_all(app, client, token):
    load = chain(OFFICES, MONTHS)
    load.line("CGST-MUM-W", "2024-06")["RECEIPT_AMT"] = "12.3.4"
    response = post_load(client, token("dgicce"), as_csv(load), dry_run=0, status="validated")
    assert response.status_code == 422
    assert [e["cell"] for e in response.get_json()["errors"]] == [f"G{load.number('CGST-MUM-W', '2024-06')}"]
    assert count_returns(app) == 0


def test_audit_events_carry_the_files_hash(app, client, token):
    import hashlib

    data = as_csv(chain(OFFICES, MONTHS[:1]))
    digest = hashlib.sha256(data).hexdigest()
    assert post_load(client, token("dgicce"), data, dry_run=0, status="validated").status_code == 200
    with app.app_context():
        events = (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == "bulk-load")).scalars().all()
        )
        mine = [e for e in events if digest in (e.after or "")]
    per_return = [e for e in mine if e.object_type == "return"]
    summary = [e for e in mine if e.object_type == "bulk-load"]
    assert len(per_return) == 2 and len(summary) == 1
    after = json.loads(summary[0].after)
    assert after["sha256"] == digest and after["returns"] == 2 and after["file"] == "load.csv"
    assert summary[0].actor == "dgicce"
    assert app.test_cli_runner().invoke(args=["mpr", "verify-audit"]).exit_code == 0


def test_openings_that_differ_from_the_previous_closing_are_reported_from_the_file_and_the_database(
    app, client, token
):
    first = chain(OFFICES[:1], MONTHS[:1])
    assert post_load(client, token("dgicce"), as_csv(first), dry_run=0, status="validated").status_code == 200
    april = first.closings[("CGST-MUM-E", "2024-04")]
    later = chain(
        OFFICES[:1], MONTHS[1:], openings={"CGST-MUM-E": (april["CLOSING_NO"], april["CLOSING_AMT"])}
    )
    later.line("CGST-MUM-E", "2024-05")["OPENING_NO"] = str(april["CLOSING_NO"] + 1)  # vs the database
    later.line("CGST-MUM-E", "2024-06")["OPENING_AMT"] = "0.01"  # vs May in the file
    response = post_load(client, token("dgicce"), as_csv(later), dry_run=0)
    assert response.status_code == 422
    found = {(d["month"], d["column_code"], d["closing_from"]) for d in response.get_json()["disagreements"]}
    # May's wrong opening moves May's closing too: June's opening (right as typed) no longer fits it
    assert found == {
        ("2024-05", "OPENING_NO", "database"),
        ("2024-06", "OPENING_NO", "file"),
        ("2024-06", "OPENING_AMT", "file"),
    }
    may = next(d for d in response.get_json()["disagreements"] if d["month"] == "2024-05")
    assert may["opening"] == str(april["CLOSING_NO"] + 1) and may["previous_closing"] == str(
        april["CLOSING_NO"]
    )
    assert may["cell"] == "D2" and may["office"] == "CGST-MUM-E"
    assert return_header(app, FORMAT, "CGST-MUM-E", "2024-05") is None


def test_the_months_are_checked_against_the_database_and_each_other(app, client, token):
    april = chain(OFFICES[:1], MONTHS[:1])
    assert post_load(client, token("dgicce"), as_csv(april), dry_run=0, status="submitted").status_code == 200
    load = chain(["CGST-MUM-E", "CGST-MUM-W", "CGST-DEL-N"], [Month(2024, 3), Month(2024, 4), Month(2024, 6)])
    load.lines.append(dict(load.line("CGST-DEL-N", "2024-03")))  # the same office, month and row again
    load.lines.append({**load.line("CGST-DEL-N", "2024-06"), "month": str(Month.of(dt.date.today()))})
    errors = post_load(client, token("dgicce"), as_csv(load)).get_json()["errors"]
    codes = {(e["office"], e["month"], e["code"]) for e in errors}
    assert ("CGST-MUM-E", "2024-04", "return_filed") in codes  # submitted: never overwritten
    assert ("CGST-MUM-E", "2024-03", "before_first_month") in codes
    assert ("CGST-MUM-W", "2024-06", "months_not_contiguous") in codes
    assert ("CGST-DEL-N", "2024-03", "duplicate_line") in codes
    assert any(code == "month_not_ended" and office == "CGST-DEL-N" for office, _m, code in codes)


def test_a_draft_is_replaced_and_the_plan_says_so(app, client, token, login_as):
    from tests.http.conftest import ADJ2_FIRST_MONTH, save_grid, single

    save_grid(login_as("cgst-mum-e"), "dpm_gst_adj_2", "CGST-MUM-E", "2024-04", single(ADJ2_FIRST_MONTH))
    load = chain(OFFICES[:1], MONTHS[:1])
    planned = post_load(client, token("dgicce"), as_csv(load), dry_run=1).get_json()
    assert planned["returns"][0]["replaces"] == "draft"
    assert post_load(client, token("dgicce"), as_csv(load), dry_run=0).status_code == 200
    assert return_header(app, FORMAT, "CGST-MUM-E", "2024-04")["status"] == "submitted"
    assert stored(app, FORMAT, "CGST-MUM-E", "2024-04")["_"]["OPENING_NO"] == int(load.lines[0]["OPENING_NO"])


def test_the_template_has_the_header_the_prefilled_lines_and_a_guide(client, token):
    response = client.get(f"{API}/bulk/{FORMAT}/template?from=2024-04&until=2024-06", headers=token("dgicce"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(book["Data"].iter_rows(values_only=True))
    assert rows[0] == HEADER  # computed columns are not in it
    assert len(rows) == 1 + 3 * 6  # 3 months x the 6 offices filing the format, one row each
    assert rows[1][:3] == ("CGST-DEL-N", "2024-04", None)
    guide = [r for r in book["Guide"].iter_rows(values_only=True) if r and r[0]]
    roles = {r[0]: r[3] for r in guide if len(r) > 3 and r[3]}
    assert roles["OPENING_NO"] == "opening" and roles["RECEIPT_NO"] == "entered"
    assert roles["CLOSING_NO"].startswith("computed")
    blank = client.get(f"{API}/bulk/{FORMAT}/template", headers=token("admin"))
    assert blank.status_code == 200
    assert len(list(openpyxl.load_workbook(io.BytesIO(blank.data))["Data"].iter_rows())) == 1
    assert (
        client.get(f"{API}/bulk/{FORMAT}/template?from=2024-13", headers=token("dgicce")).status_code == 422
    )


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("cgst-mum-e", 403),
        ("gz-mum", 403),
        ("member-customs", 403),
        ("ddm", 404),
        ("admin", 200),
        ("dgicce", 200),
    ],
)
def test_who_may_bulk_load(app, client, token, login_as, user, status):
    data = as_csv(chain(OFFICES[:1], MONTHS[:1]))
    assert client.get(f"{API}/bulk/{FORMAT}/template", headers=token(user)).status_code == status
    assert post_load(client, token(user), data, dry_run=1).status_code == status
    page = login_as(user).get(PAGE)
    assert page.status_code == status
    assert count_returns(app) == 0


def test_the_page_streams_progress_then_the_report_with_every_error(app, client, login_as):
    login_as("dgicce")
    page = client.get(PAGE)
    assert page.status_code == 200
    load = chain(OFFICES, MONTHS)
    load.line("CGST-MUM-W", "2024-05")["RECEIPT_NO"] = "many"
    app.config["MPR_BULK_PROGRESS_EVERY"] = 2
    try:
        response = client.post(
            PAGE,
            data={
                "csrf_token": csrf_token(page.get_data(as_text=True)),
                "next": PAGE,
                "status": "validated",
                "action": "load",
                "file": (io.BytesIO(as_csv(load)), "april-june.csv"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 200 and response.is_streamed
        text = response.get_data(as_text=True)  # the body is written while it is read
    finally:
        app.config["MPR_BULK_PROGRESS_EVERY"] = 25
    steps = [text.index(f'data-done="{n}"') for n in (2, 4, 6)]
    assert steps == sorted(steps) and steps[-1] < text.index('id="mpr-bulk-report"')
    assert 'data-outcome="problems"' in text
    assert f'data-cell="F{load.number("CGST-MUM-W", "2024-05")}" data-code="not_a_number"' in text
    assert text.count('data-code="') == 1  # the checks over that row say nothing more
    assert count_returns(app) == 0
    load = chain(OFFICES, MONTHS)  # a clean file, loaded from the page
    response = client.post(
        PAGE,
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "next": PAGE,
            "status": "validated",
            "action": "load",
            "file": (io.BytesIO(as_xlsx(load)), "april-june.xlsx"),
        },
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert 'data-outcome="loaded"' in text and 'data-phase="load"' in text
    assert count_returns(app) == 6


def test_an_unreadable_file_is_refused_on_the_page_with_the_reason(app, client, login_as):
    login_as("dgicce")
    page = client.get(PAGE)
    response = client.post(
        PAGE,
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "next": PAGE,
            "action": "check",
            "file": (io.BytesIO(b"PK\x03\x04 not really a workbook"), "load.xlsx"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "not an Excel workbook" in response.get_data(as_text=True)


def test_the_cli_checks_by_default_and_loads_with_apply(app, tmp_path):
    load = chain(OFFICES, MONTHS[:2])
    path = tmp_path / "load.csv"
    bad = chain(OFFICES, MONTHS[:2])
    bad.line("CGST-MUM-E", "2024-05")["OPENING_NO"] = "999"
    path.write_bytes(as_csv(bad))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mpr", "bulk-load", FORMAT, str(path), "--as", "dgicce", "--apply"])
    assert result.exit_code == 1
    assert "DISAGREES load.csv!D3" in result.output and "1 disagreement(s)" in result.output
    path.write_bytes(as_csv(load))
    result = runner.invoke(args=["mpr", "bulk-load", FORMAT, str(path), "--as", "dgicce"])
    assert result.exit_code == 0 and "Dry run" in result.output and "checked 4/4" in result.output
    assert count_returns(app) == 0
    result = runner.invoke(
        args=["mpr", "bulk-load", FORMAT, str(path), "--as", "dgicce", "--apply", "--status", "validated"]
    )
    assert result.exit_code == 0, result.output
    assert "Loaded 4 return(s) of 2 office(s) as validated" in result.output
    assert return_header(app, FORMAT, "CGST-MUM-W", "2024-05")["status"] == "validated"
    refused = runner.invoke(args=["mpr", "bulk-load", FORMAT, str(path), "--as", "cgst-mum-e"])
    assert refused.exit_code == 1 and "may not bulk load" in refused.output


def test_the_bulk_paths_take_uploads_up_to_the_upload_limit(app):
    from app.security.edges import body_limit

    for path in (f"{API}/bulk/{FORMAT}", PAGE):
        with app.test_request_context(path, method="POST"):
            assert body_limit() == app.config["MPR_MAX_UPLOAD_BYTES"]
    with app.test_request_context(f"{API}/bulk/{FORMAT}/template", method="GET"):
        assert body_limit() == app.config["MAX_CONTENT_LENGTH"]
