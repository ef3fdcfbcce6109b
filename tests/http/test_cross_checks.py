"""Checks across formats through the pages, on SQLite and PostgreSQL: pending while the other
return is missing, the message at the compared cell on both grids, submission refused and then
accepted once fixed, validation refused.

The app runs on a small definitions file of its own (two formats of one owner) so that the Zone
can validate "every DGCEI format" of the office with two returns.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.definitions import load_definitions
from tests.conftest import _backends, build_app, fresh_postgres_database
from tests.http.conftest import flashed, get_grid, post_grid
from tests.http.test_cycle import follow, signed_in, statuses, submit_page, validate_page

OFFICE, JAN = "CGST-MUM-E", "2024-01"
FORMAT = """\
  - code: {code}
    title: "{title}"
    title_hi: "{title_hi}"
    part: III
    owner: DGCEI
    segment: GST
    unit: count
    filled_by: [commissionerate]
    functions: [executive]
"""
CROSS = """\
    cross_checks:
      - code: CASES_MATCH_BOOKED
        left: {row: TOTAL, column: CASES_NO}
        op: "=="
        right: {format: XC-GST-A, column: BOOKED_NO}
        message: "Cases by head must add up to the cases booked"
        message_hi: "शीर्ष-वार मामलों का योग दर्ज मामलों के बराबर होना चाहिए"
"""


def definitions_text(with_cross_check: bool = True) -> str:
    """Format A (cases booked, one row) and format B (the same cases by head), B checked against A."""
    head = Path("mpr_definitions.yaml").read_text(encoding="utf-8").split("\nformats:\n")[0]
    a = FORMAT.format(code="XC-GST-A", title="Cases booked", title_hi="दर्ज मामले") + (
        '    columns:\n      - {code: BOOKED_NO, label: "Booked", label_hi: "दर्ज", type: count}\n'
    )
    b = FORMAT.format(code="XC-GST-B", title="Cases by head", title_hi="शीर्ष-वार मामले") + (
        '    rows: {fixed: [{key: CGST, label: "CGST", label_hi: "सीजीएसटी"}, '
        '{key: IGST, label: "IGST", label_hi: "आईजीएसटी"}], total: "Total", total_hi: "कुल"}\n'
        '    columns:\n      - {code: CASES_NO, label: "Cases", label_hi: "मामले", type: count}\n'
    )
    return f"{head}\nformats:\n{a}{b}{CROSS if with_cross_check else ''}"


@pytest.fixture(scope="module", params=_backends())
def app(request, tmp_path_factory) -> Iterator:
    """A seeded app on a database of its own, with the two formats above."""
    folder = tmp_path_factory.mktemp("cross")
    definitions = folder / "definitions.yaml"
    definitions.write_text(definitions_text(), encoding="utf-8")
    if request.param == "sqlite":
        yield from _running(f"sqlite:///{folder / 'mpr.sqlite'}", definitions)
    else:
        with fresh_postgres_database("mpr_cross") as url:
            yield from _running(url, definitions)


def _running(url: str, definitions: Path) -> Iterator:
    application = build_app(url, MPR_DEFINITIONS=str(definitions))
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def by_head(cgst: int, igst: int) -> dict:
    return {"CGST": {"CASES_NO": str(cgst)}, "IGST": {"CASES_NO": str(igst)}}


def save_page(client, code: str, rows: dict) -> None:
    """Fill the grid and press "Save draft"."""
    cells = {(row, column): value for row, values in rows.items() for column, value in values.items()}
    response = post_grid(client, code.lower().replace("-", "_"), OFFICE, JAN, cells)
    assert response.status_code == 302, flashed(response.get_data(as_text=True))


def test_pending_until_the_other_return_is_saved_then_shown_on_both_grids(app):
    office = signed_in(app, "cgst-mum-e")
    save_page(office, "XC-GST-B", by_head(2, 1))
    page = get_grid(office, "xc_gst_b", OFFICE, JAN)
    assert "CASES_MATCH_BOOKED: pending until XC-GST-A" in page.text and "is saved" in page.text
    assert page.messages.get(("TOTAL", "CASES_NO")) is None  # pending, not failing
    save_page(office, "XC-GST-A", {"_": {"BOOKED_NO": "5"}})
    a_page, b_page = get_grid(office, "xc_gst_a", OFFICE, JAN), get_grid(office, "xc_gst_b", OFFICE, JAN)
    (on_a,) = a_page.messages[("_", "BOOKED_NO")]
    (on_b,) = b_page.messages[("TOTAL", "CASES_NO")]
    assert (
        on_a.startswith("Cases by head must add up to the cases booked")
        and "XC-GST-B, Total, Cases: 3" in on_a
    )
    assert on_b.endswith("(XC-GST-A, Booked: 5)")  # a one-row format's row is not named
    assert "mpr-pending-checks" not in b_page.html


def test_submit_refused_while_the_figures_disagree_then_fixed_and_submitted(app):
    office = signed_in(app, "cgst-mum-e")
    save_page(office, "XC-GST-A", {"_": {"BOOKED_NO": "5"}})
    refused = submit_page(office, "XC-GST-B", OFFICE, JAN, by_head(2, 1))
    assert refused.status_code == 422
    assert "its figures disagree with XC-GST-A of the same month" in flashed(refused.get_data(as_text=True))
    assert statuses(app, OFFICE, JAN) == {"XC-GST-A": "draft", "XC-GST-B": "draft"}
    follow(office, submit_page(office, "XC-GST-B", OFFICE, JAN, by_head(3, 2)))  # 3 + 2 = 5 booked
    follow(office, submit_page(office, "XC-GST-A", OFFICE, JAN, {"_": {"BOOKED_NO": "5"}}))
    assert statuses(app, OFFICE, JAN) == {"XC-GST-A": "submitted", "XC-GST-B": "submitted"}


def test_the_validating_zone_does_not_count_the_offices_drafts(app):
    office, zone = signed_in(app, "cgst-mum-e"), signed_in(app, "gz-mum")
    follow(office, submit_page(office, "XC-GST-A", OFFICE, JAN, {"_": {"BOOKED_NO": "5"}}))
    save_page(office, "XC-GST-B", by_head(2, 1))  # a draft that disagrees
    assert get_grid(office, "xc_gst_a", OFFICE, JAN).messages.get(("_", "BOOKED_NO"))
    seen = get_grid(zone, "xc_gst_a", OFFICE, JAN)
    assert not seen.messages.get(("_", "BOOKED_NO")) and "pending until XC-GST-B" in seen.text


def test_validation_refused_while_submitted_returns_disagree(app):
    """Both returns submitted before the check was added to the definitions: validating is refused."""
    office, zone = signed_in(app, "cgst-mum-e"), signed_in(app, "gz-mum")
    with_check = app.extensions["mpr_definitions"]
    path = Path(app.config["MPR_DEFINITIONS"]).with_name("without.yaml")
    path.write_text(definitions_text(with_cross_check=False), encoding="utf-8")
    app.extensions["mpr_definitions"] = load_definitions(path)
    try:
        follow(office, submit_page(office, "XC-GST-A", OFFICE, JAN, {"_": {"BOOKED_NO": "5"}}))
        follow(office, submit_page(office, "XC-GST-B", OFFICE, JAN, by_head(2, 1)))
    finally:
        app.extensions["mpr_definitions"] = with_check
    message = follow(zone, validate_page(zone, "DGCEI", OFFICE, JAN))  # back to the page, the refusal flashed
    assert "cannot be validated: figures disagree across formats (XC-GST-A / XC-GST-B" in message
    assert statuses(app, OFFICE, JAN) == {"XC-GST-A": "submitted", "XC-GST-B": "submitted"}
    (seen,) = get_grid(zone, "xc_gst_a", OFFICE, JAN).messages[("_", "BOOKED_NO")]
    assert seen.endswith("(XC-GST-B, Total, Cases)")  # the other format's figure is quoted to the office only


def test_the_api_gives_pending_and_failing_checks_across_formats(app, client, api_token):
    office = signed_in(app, "cgst-mum-e")
    save_page(office, "XC-GST-B", by_head(2, 1))
    url = f"/api/v1/mpr/returns/XC-GST-B/{OFFICE}/{JAN}"
    body = client.get(url, headers=api_token("cgst-mum-e")).get_json()
    assert [(p["code"], p["format"]) for p in body["pending_checks"]] == [("CASES_MATCH_BOOKED", "XC-GST-A")]
    save_page(office, "XC-GST-A", {"_": {"BOOKED_NO": "4"}})
    body = client.get(url, headers=api_token("cgst-mum-e")).get_json()
    assert body["pending_checks"] == []
    (failing,) = [c for c in body["checks"] if c["code"] == "CASES_MATCH_BOOKED"]
    assert (failing["row"], failing["column"]) == ("TOTAL", "CASES_NO") and "XC-GST-A" in failing["message"]
    token = api_token("cgst-mum-e")
    refused = client.post(f"{url}/submit", json={"version": body["version"]}, headers=token)
    assert refused.status_code == 422 and refused.get_json()["code"] == "figures_disagree"


def test_a_bulk_load_is_refused_where_it_disagrees_with_a_submitted_return(app, client, api_token):
    office = signed_in(app, "cgst-mum-e")
    follow(office, submit_page(office, "XC-GST-A", OFFICE, JAN, {"_": {"BOOKED_NO": "5"}}))
    lines = ["office,month,row,CASES_NO", f"{OFFICE},{JAN},CGST,2", f"{OFFICE},{JAN},IGST,1"]
    response = client.post(
        "/api/v1/mpr/bulk/XC-GST-B?dry_run=1",
        headers=api_token("admin"),
        data={"file": (io.BytesIO("\n".join(lines).encode()), "load.csv")},
        content_type="multipart/form-data",
    )
    (error,) = [e for e in response.get_json()["errors"] if e["code"] == "CASES_MATCH_BOOKED"]
    assert "XC-GST-A" in error["message"]
