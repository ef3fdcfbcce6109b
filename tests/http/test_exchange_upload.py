"""Excel in and out of one return: template, upload (dry run and save), errors by cell address, refusals.

Real HTTP through the API and the pages, on every database the suite runs on; workbooks are
filled with openpyxl as a user's spreadsheet program would, and LibreOffice opens and re-saves
the template where it is installed (always in CI).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import log_out
from tests.http.conftest import return_header, stored

API = "/api/v1/mpr/returns"
OFFICE, USER, JAN, FEB = "CGST-MUM-E", "cgst-mum-e", "2024-01", "2024-02"
TEXT_SAMPLES = {"PAN": "ABCDE1234F", "GSTIN": "27ABCDE1234F1Z5", "PERSON_NAME": "Ravi Kumar"}


_APPS: list = []  # the app under test: its secret key signs the identity sheet


@pytest.fixture(autouse=True)
def _signing_app(app):
    _APPS.append(app)
    yield
    _APPS.pop()


@pytest.fixture
def call(app, client, api_token):
    """call(user, method, path, **kwargs) -> response, with a JWT per user (cached)."""
    tokens: dict[str, dict] = {}

    def _call(user: str, method: str, path: str, **kwargs):
        if user not in tokens:
            tokens[user] = api_token(user)
        return client.open(path, method=method, headers=tokens[user], **kwargs)

    return _call


def template(call, code: str, period: str = JAN, office: str = OFFICE, user: str = USER) -> bytes:
    """The template of one return, downloaded through the API."""
    response = call(user, "GET", f"{API}/{code}/{office}/{period}/template")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == f'attachment; filename="{code}_{office}_{period}.xlsx"'
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_data()


def upload(
    call, code: str, data: bytes, period: str = JAN, office: str = OFFICE, user: str = USER, dry=False
):
    """POST a workbook as the multipart field `file`."""
    query = "?dry_run=1" if dry else ""
    return call(
        user,
        "POST",
        f"{API}/{code}/{office}/{period}/upload{query}",
        data={"file": (io.BytesIO(data), f"{code}.xlsx")},
        content_type="multipart/form-data",
    )


def open_cells(sheet) -> list:
    """The cells a user may type into: those the template left unlocked."""
    return [cell for row in sheet.iter_rows() for cell in row if cell.protection.locked is False]


def fill(data: bytes, values) -> bytes:
    """The workbook with each open cell set by `values(cell, header)`; None leaves a cell as it is."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    codes = _codes_by_letter(book)
    for cell in open_cells(sheet):
        value = values(cell, codes[cell.column])
        if value is not None:
            cell.value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _identity(book):
    """The template's signed identity, read as the server reads it (the key is the app's)."""
    from app.services.exchange.template import TemplateIdentity

    with _APPS[-1].app_context():
        return TemplateIdentity.from_token(book["_mpr"]["B1"].value)


def _codes_by_letter(book) -> dict[int, str]:
    """Sheet column number -> column code, from the identity."""
    return {index + 1: code for index, code in _identity(book).columns.items()}


def sample(fmt, code: str, month) -> object:
    """A valid value for one column of `fmt`, as a user would type it into Excel."""
    column = fmt.column(code)
    if column.type == "count":
        return max(int(column.min or 0), min(7, int(column.max or 7)))
    if column.type in ("amount", "percent"):
        return float(max(Decimal(str(column.min or 0)), min(Decimal("12.5"), Decimal(str(column.max or 99)))))
    if column.type == "date":
        return dt.datetime.combine(month.first_day + dt.timedelta(days=9), dt.time())
    if column.type == "choice":
        return column.choices[0]
    return TEXT_SAMPLES.get(code, "Noted")


def _shipped_cases():
    """(format code, month) for every shipped format, in a month it is in force."""
    from app.definitions.loader import load_definitions
    from app.definitions.months import Month

    definitions = load_definitions(Path(__file__).resolve().parents[2] / "mpr_definitions.yaml")
    cases = []
    for fmt in definitions.formats.values():
        if fmt.set_by_owner:  # no office fills it (targets): tests/http/test_targets.py loads and sets it
            continue
        month = fmt.return_month(Month.parse(JAN))  # an annual format's return is its year's April
        if not fmt.in_force(month):
            month = fmt.valid_until if fmt.valid_until is not None else fmt.valid_from
        cases.append(pytest.param(fmt.code, str(month), id=fmt.code))
    return cases


def _entering_user(app, code: str) -> tuple[str, str]:
    """(office code, username) of a demo office that files `code`, with a user who may enter it."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.org import UserProfile
    from app.security.actor import actor_for
    from app.security.policy import Action, may
    from app.services.engine import catalogue

    with app.test_request_context():
        fmt = catalogue.definitions().format(code)
        for profile in db.session.execute(select(UserProfile).order_by(UserProfile.user_id)).scalars():
            user = db.session.get(app.appbuilder.sm.user_model, profile.user_id)
            if profile.office is not None and may(actor_for(user), Action.ENTER, profile.office, fmt):
                return profile.office.code, user.username
    raise AssertionError(f"no demo user enters {code}")


@pytest.mark.parametrize(("code", "period"), _shipped_cases())
def test_round_trip_for_every_shipped_format_template_filled_uploaded_then_the_api_returns_the_figures(
    app, call, code, period
):
    from app.definitions.months import Month
    from app.services.engine import catalogue

    office, user = _entering_user(app, code)
    with app.app_context():
        fmt = catalogue.definitions().format(code)
    month = Month.parse(period)
    blank = template(call, code, period, office, user)
    typed: dict[tuple[int, str], object] = {}

    def value(cell, column_code):
        typed[(cell.row, column_code)] = sample(fmt, column_code, month)
        return typed[(cell.row, column_code)]

    filled = fill(blank, value)
    assert typed, f"{code}: the template offers no open cell"
    checked = upload(call, code, filled, period, office, user, dry=True)
    assert checked.status_code == 200, checked.get_json()
    assert checked.get_json()["cells"] >= len(typed) and stored(app, code, office, period) is None
    saved = upload(call, code, filled, period, office, user)
    assert saved.status_code == 200, saved.get_json()
    body = call(user, "GET", f"{API}/{code}/{office}/{period}").get_json()
    assert body["version"] == 1
    cells = {row["key"]: row["cells"] for row in body["rows"]}
    with app.app_context():
        rows = _template_row_keys(blank)
    for (sheet_row, column_code), sent in typed.items():
        key = rows[sheet_row]
        if fmt.rows.kind == "free":  # new-1, new-2 ... are stored as R1, R2 ...
            key = f"R{key.removeprefix('new-')}"
        assert _same(cells[key][column_code], sent), (code, key, column_code, cells[key][column_code], sent)


def _template_row_keys(data: bytes) -> dict[int, str]:
    """Sheet row number -> row key, from the identity."""
    return _identity(openpyxl.load_workbook(io.BytesIO(data))).rows


def _same(shown, sent) -> bool:
    if isinstance(sent, dt.datetime):
        return shown == sent.date().isoformat()
    if isinstance(sent, int | float):
        return Decimal(str(shown)) == Decimal(str(sent))
    return shown == sent


BAD = {  # five mistakes in five cells of DPM-GST-ADJ-1, and what the server says of each
    ("ADC.COMMISSIONERATE", "RECEIPT_NO"): ("abc", "not_a_number"),
    ("ADC.COMMISSIONERATE", "RECEIPT_AMT"): ("12.345", "too_many_decimals"),
    ("ADC.AUDIT", "DISPOSAL_NO"): (-4, "below_min"),
    ("ADC.AUDIT", "DISPOSAL_AMT"): ("12,34,5", "grouping"),
    ("DC.INVESTIGATION", "RECEIPT_NO"): (2.5, "not_whole"),
}


def _first_key_codes(app):
    """The error codes the cell-input code gives for BAD's texts (the test does not guess them)."""
    from app.services.engine import catalogue
    from app.services.engine.cell_input import CellInputError, parse_cell
    from app.services.exchange.workbook_file import cell_text

    with app.app_context():
        fmt = catalogue.definitions().format("DPM-GST-ADJ-1")
        codes = {}
        for (key, column), (raw, _code) in BAD.items():
            try:
                parse_cell(fmt.column(column), cell_text(raw))
            except CellInputError as error:
                codes[(key, column)] = error.code
        return codes


def test_an_upload_with_five_mistakes_lists_all_five_with_their_cell_addresses_and_saves_nothing(app, call):
    from xlsxwriter.utility import xl_rowcol_to_cell

    blank = template(call, "DPM-GST-ADJ-1")
    rows = {key: number for number, key in _template_row_keys(blank).items()}
    book = openpyxl.load_workbook(io.BytesIO(blank))
    letters = {code: column for column, code in _codes_by_letter(book).items()}
    if not set(BAD) <= {(k, c) for k in rows for c in letters}:
        pytest.fail(f"the test's cells are not in the template: {sorted(set(BAD))}")
    filled = fill(blank, lambda cell, code: 1)
    book = openpyxl.load_workbook(io.BytesIO(filled))
    for (key, column), (raw, _code) in BAD.items():
        book.worksheets[0].cell(rows[key], letters[column]).value = raw
    out = io.BytesIO()
    book.save(out)
    response = upload(call, "DPM-GST-ADJ-1", out.getvalue())
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    expected_codes = _first_key_codes(app)
    assert len(expected_codes) == 5
    found = {(e["row_key"], e["column_code"]): e for e in errors}
    assert set(found) == set(BAD), errors
    for (key, column), error in found.items():
        address = xl_rowcol_to_cell(rows[key] - 1, letters[column] - 1)
        assert error["cell"] == address and error["address"] == f"'DPM-GST-ADJ-1'!{address}"
        assert error["sheet"] == "DPM-GST-ADJ-1" and error["code"] == expected_codes[(key, column)]
        assert error["row"] and error["column"] and error["message"]
    assert stored(app, "DPM-GST-ADJ-1", OFFICE, JAN) is None


def test_a_template_made_before_someone_else_saved_is_refused_as_a_conflict(app, call):
    blank = template(call, "GI-GST-4")
    first = upload(call, "GI-GST-4", fill(blank, lambda cell, code: 1))
    assert first.status_code == 200 and return_header(app, "GI-GST-4", OFFICE, JAN)["version"] == 1
    before = stored(app, "GI-GST-4", OFFICE, JAN)
    stale = upload(call, "GI-GST-4", fill(blank, lambda cell, code: 2))
    assert stale.status_code == 409
    assert stale.get_json()["code"] == "stale_version" and "version 0" in stale.get_json()["message"]
    assert stored(app, "GI-GST-4", OFFICE, JAN) == before
    fresh = upload(call, "GI-GST-4", fill(template(call, "GI-GST-4"), lambda cell, code: 2))
    assert fresh.status_code == 200 and return_header(app, "GI-GST-4", OFFICE, JAN)["version"] == 2


def test_a_template_of_another_format_office_or_month_is_refused_naming_what_differs(app, call):
    gi4_jan = fill(template(call, "GI-GST-4"), lambda cell, code: 1)
    assert upload(call, "GI-GST-4", gi4_jan).status_code == 200
    wrong_month = upload(call, "GI-GST-4", gi4_jan, period=FEB)
    assert wrong_month.status_code == 422
    assert wrong_month.get_json()["code"] == "wrong_template"
    assert "month 2024-01 (this return: 2024-02)" in wrong_month.get_json()["message"]
    assert "format" not in wrong_month.get_json()["message"].split(":")[1].split(";")[0].split(" (")[0]
    wrong_format = upload(call, "GI-GST-2", gi4_jan)
    assert wrong_format.status_code == 422
    assert "format GI-GST-4 (this return: GI-GST-2)" in wrong_format.get_json()["message"]
    assert stored(app, "GI-GST-2", OFFICE, JAN) is None and stored(app, "GI-GST-4", OFFICE, FEB) is None


def test_an_altered_identity_sheet_is_refused(app, call):
    book = openpyxl.load_workbook(io.BytesIO(template(call, "GI-GST-4")))
    token = book["_mpr"]["B1"].value
    book["_mpr"]["B1"].value = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    out = io.BytesIO()
    book.save(out)
    response = upload(call, "GI-GST-4", out.getvalue())
    assert response.status_code == 422 and response.get_json()["code"] == "not_a_template"
    del book["_mpr"]
    out = io.BytesIO()
    book.save(out)
    assert upload(call, "GI-GST-4", out.getvalue()).get_json()["code"] == "not_a_template"


def _with_part(data: bytes, name: str, content: bytes, compress=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", compress) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr(name, content)
    return out.getvalue()


def test_macros_zip_bombs_old_xls_and_other_files_are_refused_before_they_are_read(app, call):
    blank = template(call, "GI-GST-4")
    cases = {
        "macro_enabled": _with_part(blank, "xl/vbaProject.bin", b"\x00" * 64),
        "zip_bomb": _with_part(blank, "xl/media/padding.bin", b"\x00" * (40 * 1024 * 1024)),
        "old_xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
        "not_a_workbook": b"office,month\nCGST-MUM-E,2024-01\n",
        "empty_file": b"",
    }
    for code, data in cases.items():
        response = upload(call, "GI-GST-4", data)
        assert response.status_code == 422, (code, response.get_data(as_text=True))
        assert response.get_json()["code"] == code, (code, response.get_json())
    app.config["MPR_MAX_UPLOAD_BYTES"], limit = 64 * 1024, app.config["MPR_MAX_UPLOAD_BYTES"]
    try:
        too_big = upload(call, "GI-GST-4", _with_part(blank, "xl/media/noise.bin", os.urandom(80 * 1024)))
        assert too_big.status_code == 413
    finally:
        app.config["MPR_MAX_UPLOAD_BYTES"] = limit
    assert stored(app, "GI-GST-4", OFFICE, JAN) is None


def test_the_template_locks_what_the_mis_computes_validates_what_is_typed_and_hides_its_identity(app, call):
    book = openpyxl.load_workbook(io.BytesIO(template(call, "GI-GST-2")))
    sheet = book["GI-GST-2"]
    assert book["_mpr"].sheet_state == "veryHidden" and book["_mpr"].protection.sheet
    assert sheet.protection.sheet and sheet.freeze_panes
    codes = _codes_by_letter(book)
    opened = {codes[c.column] for c in open_cells(sheet)}
    with app.app_context():
        from app.services.engine import catalogue

        fmt = catalogue.definitions().format("GI-GST-2")
        entered = {c.code for c in fmt.columns if c.role == "entered"}
        computed = [c for c in fmt.columns if c.role == "computed"]
    assert entered <= opened and not opened & {c.code for c in computed}
    formulas = [
        c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert any(codes.get(c.column) in {k.code for k in computed} for c in formulas)
    validated = {str(dv.sqref) for dv in sheet.data_validations.dataValidation}
    assert all(any(c.coordinate in v.split() for v in validated) for c in open_cells(sheet))


def test_a_dry_run_checks_without_saving_and_a_validated_return_offers_no_template(app, call):
    filled = fill(template(call, "GI-GST-4"), lambda cell, code: 3)
    checked = upload(call, "GI-GST-4", filled, dry=True)
    assert checked.status_code == 200 and checked.get_json()["dry_run"] is True
    assert stored(app, "GI-GST-4", OFFICE, JAN) is None
    assert upload(call, "GI-GST-4", filled).status_code == 200
    from tests.http.test_cycle import audit_mark

    with app.app_context():
        from sqlalchemy import select

        from app.extensions import db
        from app.models.audit import AuditEvent

        event = db.session.execute(select(AuditEvent).where(AuditEvent.id == audit_mark(app))).scalar_one()
        assert event.action == "save" and "sha256" in (event.reason or "")


def test_only_the_entering_office_gets_a_template_or_may_upload(app, call):
    blank = template(call, "GI-GST-4")
    for user in ("gz-mum", "member-customs", "dgcei-fo"):
        response = call(user, "GET", f"{API}/GI-GST-4/{OFFICE}/{JAN}/template")
        assert (
            response.status_code in (403, 404)
            and response.status_code
            == call(user, "POST", f"{API}/GI-GST-4/{OFFICE}/{JAN}/upload").status_code
        ), user
        assert upload(call, "GI-GST-4", blank, user=user).status_code == response.status_code
    assert call("cgst-mum-w", "GET", f"{API}/GI-GST-4/{OFFICE}/{JAN}/template").status_code == 404
    assert stored(app, "GI-GST-4", OFFICE, JAN) is None


def test_the_grid_page_offers_the_template_and_lists_an_uploads_mistakes_beside_the_grid(
    app, client, login_as
):
    from tests.conftest import csrf_token

    login_as(USER)
    page = client.get(f"/mpr/f/gi_gst_4/{OFFICE}/{JAN}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="mpr-template"' in html and 'id="mpr-upload-form"' in html
    blank = client.get(f"/mpr/f/gi_gst_4/{OFFICE}/{JAN}/template")
    assert blank.status_code == 200 and blank.mimetype.endswith("spreadsheetml.sheet")
    first = {"n": 0}

    def one_mistake(cell, code):
        first["n"] += 1
        return "twelve" if first["n"] == 1 else 1

    form = {"csrf_token": csrf_token(html), "next": f"/mpr/f/gi_gst_4/{OFFICE}/{JAN}"}
    wrong = client.post(
        f"/mpr/f/gi_gst_4/{OFFICE}/{JAN}/upload",
        data={**form, "file": (io.BytesIO(fill(blank.get_data(), one_mistake)), "gi4.xlsx")},
        content_type="multipart/form-data",
    )
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and 'id="mpr-upload-errors"' in text
    assert "&#39;GI-GST-4&#39;!B" in text or "'GI-GST-4'!B" in text
    assert "twelve" in text  # the typed text is back in its cell, with the message
    assert stored(app, "GI-GST-4", OFFICE, JAN) is None
    right = client.post(
        f"/mpr/f/gi_gst_4/{OFFICE}/{JAN}/upload",
        data={**form, "file": (io.BytesIO(fill(blank.get_data(), lambda cell, code: 1)), "gi4.xlsx")},
        content_type="multipart/form-data",
    )
    assert right.status_code == 302 and stored(app, "GI-GST-4", OFFICE, JAN) is not None
    assert "Workbook uploaded" in client.get(right.headers["Location"]).get_data(as_text=True)
    no_file = client.post(f"/mpr/f/gi_gst_4/{OFFICE}/{JAN}/upload", data=form)
    assert no_file.status_code == 302
    assert "Choose the filled workbook" in client.get(no_file.headers["Location"]).get_data(as_text=True)
    log_out(app, client)


def _soffice() -> str | None:
    found = shutil.which("soffice")
    if found is None and os.environ.get("CI", "").lower() == "true":
        pytest.fail("soffice is required in CI (Debian libreoffice-calc-nogui, installed by .ci/run)")
    return found


def test_libreoffice_opens_the_template_recalculates_it_and_its_resaved_file_uploads(app, call, tmp_path):
    soffice = _soffice()
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    filled = fill(template(call, "GI-GST-2"), lambda cell, code: 4)
    source = tmp_path / "GI-GST-2.xlsx"
    source.write_bytes(filled)
    profile = Path(tmp_path / "profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to",
         "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "out"), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    resaved = (tmp_path / "out" / "GI-GST-2.xlsx").read_bytes()
    response = upload(call, "GI-GST-2", resaved)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    computed = openpyxl.load_workbook(io.BytesIO(resaved), data_only=True)["GI-GST-2"]
    codes = _codes_by_letter(openpyxl.load_workbook(io.BytesIO(filled)))
    rows = _template_row_keys(filled)
    cells = {row["key"]: row["cells"] for row in body["rows"]}
    compared = 0
    for number, key in rows.items():
        for column, code in codes.items():
            shown = computed.cell(number, column).value
            if isinstance(shown, int | float) and cells[key].get(code) is not None:
                assert Decimal(str(shown)).quantize(Decimal("0.01")) == Decimal(
                    str(cells[key][code])
                ).quantize(Decimal("0.01")), (key, code)
                compared += 1
    assert compared >= len(codes) // 2
