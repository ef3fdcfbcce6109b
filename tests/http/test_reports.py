"""Reports over HTTP: the API, jurisdiction by unit, the basis, corrections, pages, Excel in LibreOffice."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import event

from app.definitions import load_definitions
from app.definitions.months import Month
from app.presenters.display import indian_number
from app.presenters.workbook_parts import INDIAN_NUMBER_FORMATS
from config import Config
from tests.http.test_cycle import CGST, DATA, JAN
from tests.http.test_cycle_api import file_all, raise_
from tests.report_data import put_return

API = "/api/v1/mpr/reports"
PRODUCT = "DPM-GST-ADJ-1"
MAY = Month(2024, 5)
DEFINITIONS = load_definitions(Config.MPR_DEFINITIONS)
MUMBAI, DELHI = ("CGST-MUM-E", "CGST-MUM-W"), ("CGST-DEL-N", "CGST-DEL-S")


def _cells(index: int) -> dict:
    return {
        "RECEIPT_NO": 3 + index,
        "RECEIPT_AMT": Decimal("10.25") * (index + 1),
        "DISPOSAL_NO": 2,
        "OIO_NO": 1,
    }


@pytest.fixture
def product_data(app):
    """Validated DPM-GST-ADJ-1 returns for four offices in two Zones (May and April 2024), one submitted."""
    with app.app_context():
        for index, office in enumerate((*MUMBAI, *DELHI)):
            status = "submitted" if office == "CGST-DEL-S" else "validated"
            for month in (Month(2024, 4), MAY):
                put_return(
                    PRODUCT, office, month, status, {"ADC.AUDIT": _cells(index), "DC.AUDIT": _cells(1)}
                )


@pytest.fixture
def call(app, client, api_token):
    """call(user, method, path, body) -> response on /api/v1/mpr, with a JWT per user (cached)."""
    tokens: dict[str, dict] = {}

    def _call(user: str, method: str, path: str, body: dict | None = None):
        if user not in tokens:
            tokens[user] = api_token(user)
        return client.open(f"/api/v1/mpr{path}", method=method, headers=tokens[user], json=body or {})

    return _call


def _row(response, key: str) -> dict:
    return next(r["cells"] for r in response.get_json()["rows"] if r["key"] == key)


def get(call, user: str, path: str):
    return call(user, "GET", path.removeprefix("/api/v1/mpr"))


def test_the_report_api_returns_columns_rows_completeness_and_children(app, call, product_data):
    response = get(call, "member-customs", f"{API}/{PRODUCT}/INDIA/{MAY}?by=children")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    kinds = {c["code"]: c["kind"] for c in body["columns"]}
    assert kinds["OPENING_NO"] == "carried" and kinds["CLOSING_NO"] == "computed"
    assert kinds["RECEIPT_UPTO_NO"] == "derived" and kinds["RECEIPT_NO"] == "entered"
    rows = {r["key"]: r for r in body["rows"]}
    assert rows["ADC.AUDIT"]["cells"]["RECEIPT_NO"] == 3 + 4 + 5  # CGST-DEL-S is only submitted
    assert rows["ADC.AUDIT"]["cells"]["RECEIPT_UPTO_NO"] == 2 * (3 + 4 + 5)
    assert rows["TOTAL"]["cells"]["RECEIPT_NO"] == 12 + 3 * 4
    assert rows["TOTAL"]["cells"]["OIO_PCT"] == "50.00"  # 6 of 12 disposals: a ratio of sums
    assert body["completeness"]["expected"] >= 4 and "CGST-DEL-S" in body["completeness"]["missing"]
    assert body["completeness"]["included"] == 3 and body["amended"] == []
    children = {c["unit"]: c for c in body["children"]}
    assert {"GZ-MUM", "GZ-DEL"} <= set(children)
    mumbai = {r["key"]: r for r in children["GZ-MUM"]["rows"]}
    assert mumbai["ADC.AUDIT"]["cells"]["RECEIPT_NO"] == 3 + 4
    assert children["GZ-DEL"]["completeness"]["missing"] == ["CGST-DEL-S"]
    zone = get(call, "member-customs", f"{API}/{PRODUCT}/GZ-MUM/{MAY}?by=children").get_json()
    assert [c["unit"] for c in zone["children"]] == sorted(MUMBAI)
    offices = get(call, "member-customs", f"{API}/{PRODUCT}/INDIA/{MAY}?by=offices").get_json()
    by_office = {c["unit"]: {r["key"]: r["cells"] for r in c["rows"]} for c in offices["children"]}
    assert {*MUMBAI, *DELHI} <= set(by_office) and by_office["CGST-DEL-N"]["ADC.AUDIT"]["RECEIPT_NO"] == 5


def test_temporary_reports_include_submitted_returns_for_the_office_and_its_zone_only(
    app, call, product_data
):
    path = f"{API}/{PRODUCT}/CGST-DEL-S/{MAY}"
    assert _row(get(call, "cgst-del-s", path), "ADC.AUDIT")["RECEIPT_NO"] is None
    for user in ("cgst-del-s", "gz-del"):
        temporary = get(call, user, f"{path}?basis=temporary")
        assert temporary.status_code == 200 and temporary.get_json()["basis"] == "temporary"
        assert _row(temporary, "ADC.AUDIT")["RECEIPT_NO"] == 6
    zone = get(call, "gz-del", f"{API}/{PRODUCT}/GZ-DEL/{MAY}?basis=temporary").get_json()
    assert zone["completeness"]["included"] == 2
    for user in ("member-customs", "dgicce"):
        refused = get(call, user, f"{path}?basis=temporary")
        assert refused.status_code == 403 and refused.get_json()["code"] == "temporary_refused"
    assert get(call, "member-customs", f"{API}/{PRODUCT}/INDIA/{MAY}?basis=temporary").status_code == 403


@pytest.mark.parametrize(
    ("user", "unit", "status"),
    [
        ("member-customs", "INDIA", 200),
        ("dgicce", "INDIA", 200),  # the format's owner
        ("ddm", "INDIA", 404),  # another owner
        ("gz-mum", "INDIA", 404),  # before the open-reports date
        ("gz-mum", "GZ-MUM", 200),
        ("gz-mum", "CGST-MUM-E", 200),
        ("gz-mum", "GZ-DEL", 404),
        ("cgst-mum-e", "CGST-MUM-E", 200),
        ("cgst-mum-e", "GZ-MUM", 404),
        ("cgst-mum-e", "CGST-MUM-W", 404),
        ("member-customs", "CBIC", 404),  # not a reporting unit
        ("member-customs", "NO-SUCH", 404),
    ],
)
def test_units_outside_the_jurisdiction_are_not_found(app, call, user, unit, status):
    assert get(call, user, f"{API}/{PRODUCT}/{unit}/{MAY}").status_code == status


def test_the_open_reports_date_opens_all_india_to_zones_and_offices(app, call):
    app.config.update(MPR_OPEN_REPORTS_FROM=dt.date.today() - dt.timedelta(days=1))
    try:
        assert get(call, "gz-mum", f"{API}/{PRODUCT}/INDIA/{MAY}").status_code == 200
        assert get(call, "cgst-mum-e", f"{API}/{PRODUCT}/GZ-DEL/{MAY}").status_code == 200
    finally:
        app.config.update(MPR_OPEN_REPORTS_FROM=None)
    assert get(call, "gz-mum", f"{API}/{PRODUCT}/INDIA/{MAY}").status_code == 404


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (f"{PRODUCT}/INDIA/2024-13", 422, "bad_report_request"),
        (f"{PRODUCT}/INDIA/May-2024", 422, "bad_report_request"),
        (f"{PRODUCT}/INDIA/2024-05?basis=draft", 422, "bad_report_request"),
        (f"{PRODUCT}/INDIA/2024-05?by=range", 422, "bad_report_request"),
        (f"NO-SUCH/INDIA/{MAY}", 404, "report_not_found"),
        (f"{PRODUCT}/INDIA/2020-05", 404, "report_not_found"),  # not in force before 2023-04
    ],
)
def test_bad_requests_get_a_clear_answer(app, call, path, status, code):
    response = get(call, "member-customs", f"{API}/{path}")
    assert response.status_code == status and response.get_json()["code"] == code
    assert response.get_json()["message"]


def test_drafts_and_submitted_returns_never_reach_a_validated_report_and_a_correction_marks_it(app, call):
    case, code = CGST, "GI-GST-2"
    path = f"{API}/{code}/INDIA/{JAN}"
    for fmt in case.formats:
        response = call(case.office_user, "GET", f"/returns/{fmt}/{case.office}/{JAN}")
        version = response.get_json()["version"]
        call(
            case.office_user,
            "PUT",
            f"/returns/{fmt}/{case.office}/{JAN}",
            {"version": version, "rows": DATA[fmt]},
        )
    assert get(call, "member-customs", path).get_json()["rows"][0]["cells"]["RECEIPT_NO"] is None
    file_all(call, case)  # submitted, then validated
    body = get(call, "member-customs", path).get_json()
    assert body["rows"][0]["cells"]["RECEIPT_NO"] == 2 and body["amended"] == []
    number = raise_(call, case.office_user, code, case.office, JAN, case.change).get_json()["number"]
    assert get(call, "member-customs", path).get_json()["rows"][0]["cells"]["RECEIPT_NO"] == 2  # pending
    assert call(case.owner_user, "POST", f"/corrections/{number}/approve").status_code == 200
    body = get(call, "member-customs", path).get_json()
    assert body["rows"][0]["cells"]["RECEIPT_NO"] == 3 and body["amended"] == [case.office]


def _count_queries(app, action) -> int:
    from app.extensions import db

    with app.app_context():
        seen = []
        engine = db.engine
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            action()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len([s for s in seen if not s.lstrip().upper().startswith(("PRAGMA", "BEGIN", "COMMIT"))])


def test_the_number_of_queries_does_not_grow_with_the_number_of_offices(app):
    from app.services.engine import catalogue
    from app.services.reports.report import build_report
    from app.services.reports.scope import resolve_unit

    def report():
        fmt = catalogue.definitions().format(PRODUCT)
        build_report(fmt, resolve_unit("INDIA"), MAY, by_children=True)

    with app.app_context():
        put_return(PRODUCT, "CGST-MUM-E", MAY, "validated", {"ADC.AUDIT": _cells(0)})
    one = _count_queries(app, report)
    with app.app_context():
        for office in (*MUMBAI[1:], *DELHI):
            put_return(PRODUCT, office, MAY, "validated", {"ADC.AUDIT": _cells(0)})
    assert _count_queries(app, report) == one <= 8


def test_report_pages_drill_down_print_and_download(app, login_as, product_data):
    client = login_as("member-customs")
    page = client.get(f"/mpr/reports/{PRODUCT}/INDIA/{MAY}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Included: 3 of" in html and "missing: " in html
    assert f'href="/mpr/reports/{PRODUCT}/GZ-MUM/{MAY}"' in html
    zone = client.get(f"/mpr/reports/{PRODUCT}/GZ-MUM/{MAY}").get_data(as_text=True)
    assert f'href="/mpr/reports/{PRODUCT}/INDIA/{MAY}"' in zone  # breadcrumb back up
    assert f'href="/mpr/reports/{PRODUCT}/CGST-MUM-E/{MAY}"' in zone
    printed = client.get(f"/mpr/reports/{PRODUCT}/INDIA/{MAY}/print").get_data(as_text=True)
    assert "Generated at" in printed and "Included: 3 of" in printed and "<script" not in printed
    assert printed.count("mpr-print-page") >= 2  # 23 columns: two A4 slices, row labels on each
    download = client.get(f"/mpr/reports/{PRODUCT}/INDIA/{MAY}/xlsx")
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    assert download.get_data()[:2] == b"PK"
    owner = client.get(f"/mpr/reports/owner/DGICCE/INDIA/{MAY}")
    assert owner.status_code == 200 and f'data-format="{PRODUCT}"' in owner.get_data(as_text=True)
    sheets = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/mpr/reports/owner/DGICCE/INDIA/{MAY}/xlsx").data)
    )
    owned = [f.code for f in DEFINITIONS.formats_of_owner("DGICCE") if f.in_force(MAY)]
    assert sheets.sheetnames == owned and len(owned) > 1  # one sheet per format of the owner
    assert (
        sheets[PRODUCT].freeze_panes == "B9"
    )  # title lines, 2 header rows, numbers and any(sheets[PRODUCT].merged_cells.ranges)
    body = sheets[PRODUCT].iter_rows(min_row=9)  # below the numbered row: figures as numbers
    figures = [c for row in body for c in row[1:] if isinstance(c.value, int | float)]
    assert figures and {c.number_format for c in figures} <= set(INDIAN_NUMBER_FORMATS.values())
    chooser = client.get(f"/mpr/reports/?format={PRODUCT}&unit=INDIA&period={MAY}")
    assert chooser.status_code == 302 and chooser.location.endswith(f"/mpr/reports/{PRODUCT}/INDIA/{MAY}")
    assert client.get("/mpr/reports/").status_code == 200


def _soffice() -> str | None:
    found = shutil.which("soffice")
    if found is None and os.environ.get("CI", "").lower() == "true":
        pytest.fail("soffice is required in CI (Debian libreoffice-calc-nogui, installed by .ci/run)")
    return found


def _as_number(text: str):
    try:
        return Decimal(text.replace(",", ""))
    except ArithmeticError:
        return None


def _shown_as_on_the_pages(text: str, value) -> bool:
    """A non-negative figure reads in Indian grouping in the workbook too: 12,34,567.00."""
    number = Decimal(str(value))
    return number < 0 or text == indian_number(number, len(text.partition(".")[2]))


def test_libreoffice_opens_the_workbook_and_every_number_matches_the_api(app, call, product_data, tmp_path):
    soffice = _soffice()
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    body = get(call, "member-customs", f"{API}/{PRODUCT}/INDIA/{MAY}?by=children").get_json()
    workbook = get(call, "member-customs", f"{API}/{PRODUCT}/INDIA/{MAY}/xlsx?by=children")
    assert workbook.status_code == 200
    source = tmp_path / "report.xlsx"
    source.write_bytes(workbook.get_data())
    profile = Path(tmp_path / "profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to",
         'csv:Text - txt - csv (StarCalc):44,34,76', "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    lines = list(csv.reader((tmp_path / "report.csv").read_text(encoding="utf-8").splitlines()))
    codes = [c["code"] for c in body["columns"]]
    expected = [[r["cells"][c] for c in codes] for r in body["rows"]]
    for child in body["children"]:
        expected.extend([r["cells"][c] for c in codes] for r in child["rows"])
    numbered = next(i for i, line in enumerate(lines) if line[1:4] == ["1", "2", "3"])
    data = [
        line for line in lines[numbered + 1 :] if line and line[0] and not line[0].startswith("Generated")
    ]
    data = [line for line in data if not (len(line) > 1 and line[1].startswith("Included"))]
    assert len(data) == len(expected)
    for line, cells in zip(data, expected, strict=True):
        for text, value in zip(line[1 : len(codes) + 1], cells, strict=True):
            if value is None:
                assert text == ""
            else:
                assert _as_number(text) == Decimal(str(value)), (line[0], text, value)
                assert _shown_as_on_the_pages(text, value), (line[0], text, value)


def test_a_replaced_format_stays_readable_and_last_year_is_never_guessed_across_versions(app, call):
    """DDM-CUS-1A replaced DDM-CUS-1 in April 2018: its 'net revenue last year' has no counterpart."""
    from app.services.engine import catalogue

    with app.app_context():
        definitions = catalogue.definitions()
        old, new = definitions.format("DDM-CUS-1"), definitions.format("DDM-CUS-1A")
        for fmt, month in ((old, Month(2017, 5)), (new, Month(2018, 5))):
            cells = {c.code: Decimal("1.00") for c in fmt.columns if c.role == "entered" and c.is_numeric}
            put_return(fmt.code, "MUM-NCH-IMP1", month, "validated", {"_": cells})
    then = get(call, "member-customs", f"{API}/DDM-CUS-1/MUM-NCH-IMP1/2017-05").get_json()
    assert then["rows"][0]["cells"]["TOTAL_NET"] is not None
    now = get(call, "member-customs", f"{API}/DDM-CUS-1A/MUM-NCH-IMP1/2018-05").get_json()
    cells = now["rows"][0]["cells"]
    assert cells["TOTAL_NET_REVENUE"] is not None and cells["TOTAL_NET_UPTO"] == cells["TOTAL_NET_REVENUE"]
    assert cells["TOTAL_NET_P"] is None and cells["TOTAL_NET_ACTUAL"] is None  # no counterpart: blank, not 0
    assert now["completeness"]["included"] == 1
