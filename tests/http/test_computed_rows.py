"""Computed and carried rows through the cycle (DPM-GST-12 Registration of taxpayers), on each backend.

The end line is computed from the lines above it on save; next month's start line is
carried from it; a change to a month carries into the next; reports recompute the end line
over the summed lines, never adding up stored results.
"""

from __future__ import annotations

import io

from app.definitions.months import Month
from tests.http.conftest import get_grid, save_grid, stored
from tests.report_data import put_return

SLUG, CODE, OFFICE, USER = "dpm_gst_12", "DPM-GST-12", "CGST-MUM-W", "cgst-mum-w"
JUNE, JULY = "2023-06", "2023-07"
COLUMN = "TAXPAYERS_NO"


def lines(**counts: int) -> dict[tuple[str, str], str]:
    """Typed cells of DPM-GST-12, one count per row."""
    return {(row, COLUMN): str(value) for row, value in counts.items()}


def test_the_end_line_is_computed_on_save_and_carried_into_the_next_month(app, login_as, api_token) -> None:
    client = login_as(USER)
    june = get_grid(client, SLUG, OFFICE, JUNE)
    assert ("AT_START", COLUMN) in june.inputs  # the first month: the one-time opening entry
    assert ("AT_END", COLUMN) not in june.inputs  # computed: read-only
    assert 'data-row="AT_END"' in june.html and 'data-role="computed"' in june.html
    typed = lines(
        AT_START=1200, NEW_NORMAL=40, NEW_COMPOSITION=6, NEW_TDS_TCS=2, NEW_NRTP_CASUAL=1, CANCELLED=9
    )
    save_grid(client, SLUG, OFFICE, JUNE, typed, page=june)
    assert stored(app, CODE, OFFICE, JUNE)["AT_END"][COLUMN] == 1240
    assert get_grid(client, SLUG, OFFICE, JUNE).value("AT_END", COLUMN) == "1,240"

    july = get_grid(client, SLUG, OFFICE, JULY)
    assert ("AT_START", COLUMN) not in july.inputs  # carried from June's end line, read-only
    assert july.value("AT_START", COLUMN) == "1,240"
    sent = lines(AT_START=5, NEW_NORMAL=30, NEW_COMPOSITION=0, NEW_TDS_TCS=0, NEW_NRTP_CASUAL=0, CANCELLED=10)
    sent[("AT_END", COLUMN)] = "99"  # a computed cell sent anyway is never stored as sent
    save_grid(client, SLUG, OFFICE, JULY, sent, page=july)
    saved = stored(app, CODE, OFFICE, JULY)
    assert (saved["AT_START"][COLUMN], saved["AT_END"][COLUMN]) == (1240, 1260)

    # June changes: July's start line follows, and so does its end line
    save_grid(client, SLUG, OFFICE, JUNE, lines(CANCELLED=19))
    saved = stored(app, CODE, OFFICE, JULY)
    assert (saved["AT_START"][COLUMN], saved["AT_END"][COLUMN]) == (1230, 1250)

    # through the API: June submitted, its opening line can no longer move; July submitted
    headers = api_token(USER)
    url = f"/api/v1/mpr/returns/{CODE}/{OFFICE}"
    june = client.post(f"{url}/{JUNE}/submit", headers=headers, json={})
    assert june.status_code == 200, june.get_json()
    version = client.get(f"{url}/{JUNE}", headers=headers).get_json()["version"]
    moved = {"version": version, "rows": {"AT_START": {COLUMN: 1}}}
    refused = client.put(f"{url}/{JUNE}", headers=headers, json=moved)
    assert refused.status_code == 422
    assert "opening_fixed" in {m["code"] for m in refused.get_json()["errors"]}
    submitted = client.post(f"{url}/{JULY}/submit", headers=headers, json={})
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    body = client.get(f"{url}/{JULY}", headers=headers).get_json()
    end = next(r for r in body["rows"] if r["key"] == "AT_END")
    assert end["cells"][COLUMN] == 1250
    listed = client.get(f"/api/v1/mpr/formats?period={JULY}", headers=headers).get_json()["result"]
    described = next(f for f in listed if f["code"] == CODE)
    roles = {r["key"]: (r["role"], r["carry"]) for r in described["rows"]}
    assert roles["AT_START"] == ("carried", "AT_END") and roles["AT_END"][0] == "computed"


def test_the_live_grid_script_registers_the_computed_row(app, login_as) -> None:
    response = login_as(USER).get(f"/mpr/f/{SLUG}/formulas.js")
    assert response.status_code == 200
    script = response.get_data(as_text=True)
    assert 'rows: [\n      {key: "AT_END"' in script and 'F.get(v,"CANCELLED")' in script


def test_a_report_recomputes_the_end_line_over_the_summed_lines(app, client, api_token) -> None:
    may = Month(2022, 5)
    with app.app_context():
        for office, start in (("CGST-DEL-N", 100), ("CGST-DEL-S", 50)):
            rows = {
                key: {COLUMN: value}
                for key, value in (("AT_START", start), ("NEW_NORMAL", 10), ("CANCELLED", 4), ("AT_END", 999))
            }
            put_return(CODE, office, may, "validated", rows)  # AT_END stored stale on purpose
    headers = api_token("member-customs")
    response = client.get(f"/api/v1/mpr/reports/{CODE}/INDIA/{may}", headers=headers)
    assert response.status_code == 200, response.get_json()
    cells = {row["key"]: row["cells"] for row in response.get_json()["rows"]}
    assert cells["AT_START"][COLUMN] == 150 and cells["CANCELLED"][COLUMN] == 8
    assert cells["AT_END"][COLUMN] == 150 + 20 - 8  # the formula over the sums, not 999 + 999


def bulk_csv(months: dict[str, dict[str, int]]) -> bytes:
    """A bulk-load CSV of DPM-GST-12 for CGST-MUM-E: one line per month and entered or carried row."""
    text = "office,month,row,TAXPAYERS_NO\n"
    for month, counts in months.items():
        text += "".join(f"CGST-MUM-E,{month},{row},{value}\n" for row, value in counts.items())
    return text.encode()


def post_bulk(client, headers, data: bytes, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return client.post(
        f"/api/v1/mpr/bulk/{CODE}?{query}",
        headers=headers,
        data={"file": (io.BytesIO(data), "load.csv")},
        content_type="multipart/form-data",
    )


def test_a_bulk_load_computes_the_end_line_and_checks_the_carried_start_line(app, client, api_token) -> None:
    headers = api_token("dgicce")
    april = {
        "AT_START": 100,
        "NEW_NORMAL": 12,
        "NEW_COMPOSITION": 1,
        "NEW_TDS_TCS": 0,
        "NEW_NRTP_CASUAL": 0,
        "CANCELLED": 3,
    }
    may = {**april, "AT_START": 111}  # April ends with 110
    refused = post_bulk(client, headers, bulk_csv({"2024-04": april, "2024-05": may}), dry_run=0)
    assert refused.status_code == 422, refused.get_json()
    [disagreement] = refused.get_json()["disagreements"]
    assert (
        disagreement["month"],
        disagreement["row_key"],
        disagreement["opening"],
        disagreement["previous_closing"],
    ) == ("2024-05", "AT_START", "111", "110")
    loaded = post_bulk(
        client, headers, bulk_csv({"2024-04": april, "2024-05": {**may, "AT_START": 110}}), dry_run=0
    )
    assert loaded.status_code == 200, loaded.get_json()
    assert stored(app, CODE, "CGST-MUM-E", "2024-05")["AT_END"][COLUMN] == 120
