"""Bad input at the edge (issue 8): every probe request answers 4xx with a clear message, never 5xx.

Each test here failed before app/security/edges.py: deep JSON, NUL bytes, huge ids,
far periods, oversized bodies, and an error page that failed on a broken transaction.
"""

from __future__ import annotations

import pytest

API = "/api/v1/mpr"
DEEP = "[" * 100_000 + "]" * 100_000
HUGE = 2_147_483_648
OFFICE_RETURN = f"{API}/returns/GI-GST-2/CGST-MUM-E/2024-01"


@pytest.fixture
def office(api_token):
    """The API headers of an office."""
    return api_token("cgst-mum-e")


@pytest.fixture
def owner(api_token):
    """The API headers of a Functional Owner."""
    return api_token("dgcei-fo")


def _message(response) -> str:
    body = response.get_json(silent=True)
    return (body or {}).get("message", "") if body is not None else response.get_data(as_text=True)


def _deep(client, path: str, method: str = "POST", headers: dict | None = None):
    return client.open(path, method=method, data=DEEP, content_type="application/json", headers=headers or {})


def test_deep_json_on_the_api_login_is_400_before_any_token(client):
    deep = "[" * 8000 + "]" * 8000  # small enough for the login limit, deep enough to recurse
    response = client.post("/api/v1/security/login", data=deep, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in _message(response)


@pytest.mark.parametrize(
    "method, path",
    [
        ("PUT", OFFICE_RETURN),
        ("POST", f"{OFFICE_RETURN}/submit"),
        ("POST", f"{API}/corrections"),
        ("POST", f"{API}/corrections/1/reject"),
    ],
)
def test_deep_json_on_api_endpoints_is_400(client, office, method, path):
    response = _deep(client, path, method, office)
    assert response.status_code == 400
    assert "nested" in _message(response)


def test_moderately_nested_json_beyond_the_limit_is_400_and_within_it_is_read(app, client, office):
    limit = app.config["MPR_MAX_JSON_DEPTH"]
    too_deep = "[" * (limit + 1) + "]" * (limit + 1)
    response = client.put(OFFICE_RETURN, data=too_deep, content_type="application/json", headers=office)
    assert response.status_code == 400
    fine = {"version": 0, "rows": {"_": {}}}
    assert client.put(OFFICE_RETURN, json=fine, headers=office).status_code in (200, 422)


def test_nul_in_the_login_username_is_400_on_both_login_paths(app, client):
    api = client.post(
        "/api/v1/security/login", json={"username": "cgst-mum-e\x00", "password": "x", "provider": "db"}
    )
    assert api.status_code == 400 and "control character" in _message(api)
    page = client.post("/login/", data={"username": "cgst\x00", "password": "x", "csrf_token": "t"})
    assert page.status_code == 400


def test_nul_in_office_codes_of_api_and_page_urls_is_400(client, office, login_as):
    api = client.get(f"{API}/returns/GI-GST-2/CGST-MUM-E%00/2026-10", headers=office)
    assert api.status_code == 400 and "control character" in _message(api)
    login_as("cgst-mum-e")
    page = client.get("/mpr/?period=2026-10&office=CGST-MUM-E%00")
    assert page.status_code == 400
    assert "control character" in page.get_data(as_text=True)


def test_control_characters_in_a_form_text_field_are_400_but_newlines_are_text(client, login_as):
    login_as("cgst-mum-e")
    refused = client.post("/mpr/corrections/1/reject", data={"reason": "no\x07pe", "csrf_token": "t"})
    assert refused.status_code == 400
    assert "reason" in refused.get_data(as_text=True)


def test_multipart_parts_without_a_name_are_checked_not_a_server_error(app, client, api_token):
    """A part with no `name` (Werkzeug reads it as None) is looked at like any other, never a 500."""
    body = (
        b"--B\r\nContent-Disposition: form-data\r\n\r\nv\x07\r\n"
        b'--B\r\nContent-Disposition: form-data; filename="x.xlsx"\r\n\r\nPK\r\n--B--\r\n'
    )
    response = client.post(
        "/api/v1/mpr/returns/GI-GST-4/CGST-MUM-E/2024-01/upload",
        data=body,
        headers={**api_token("cgst-mum-e"), "Content-Type": "multipart/form-data; boundary=B"},
    )
    assert response.status_code == 400 and "control character" in _message(response)


@pytest.mark.parametrize(
    "path",
    [
        f"/mpr/corrections/{HUGE}",
        f"/mpr/f/gi-gst-2/CGST-MUM-E/2024-01/revision/{HUGE}",
        f"/users/show/{HUGE}",
        f"/users/edit/{HUGE}",
        f"/roles/show/{HUGE}",
        f"/roles/edit/{HUGE}",
        "/users/show/abc",
    ],
)
def test_ids_beyond_the_integer_range_on_pages_are_404(client, login_as, path):
    login_as("admin" if path.startswith(("/users", "/roles")) else "dgcei-fo")
    response = client.get(path)
    assert response.status_code == 404
    assert "Internal Server Error" not in response.get_data(as_text=True)


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_ids_beyond_the_integer_range_on_decisions_are_404(client, owner, login_as, action):
    api = client.post(f"{API}/corrections/{HUGE}/{action}", json={"reason": "x"}, headers=owner)
    assert api.status_code == 404
    login_as("dgcei-fo")
    page = client.post(f"/mpr/corrections/{HUGE}/{action}", data={"reason": "x", "csrf_token": "t"})
    assert page.status_code in (400, 404)


def test_the_error_page_renders_after_a_failed_transaction(app):
    """A failed flush leaves the session unusable until rolled back: every error page rolls back first."""
    from flask_appbuilder.security.sqla.models import Role
    from werkzeug.exceptions import NotFound

    from app.extensions import db
    from app.web import _error_page

    with app.test_request_context("/mpr/corrections/1"):
        db.session.add(Role(name=None))
        with pytest.raises(Exception):  # noqa: B017 - any database refusal of the NULL name
            db.session.flush()
        body, status = _error_page(NotFound())
    assert status == 404
    assert "Not Found" in body


@pytest.mark.parametrize("period", ["2999-12", "1900-01", "9999-99"])
def test_a_period_far_from_now_is_a_clear_4xx_on_the_status_page_and_api(client, office, login_as, period):
    api = client.get(f"{API}/status?period={period}", headers=office)
    assert api.status_code in (400, 404)
    login_as("cgst-mum-e")
    page = client.get(f"/mpr/status/?period={period}")
    assert page.status_code in (400, 404)


def test_a_period_far_away_in_an_api_path_is_400(client, office):
    response = client.get(f"{API}/returns/GI-GST-2/CGST-MUM-E/2999-12", headers=office)
    assert response.status_code == 400
    assert "period" in _message(response)


def test_a_body_over_the_limit_is_413(app, client, office):
    big = b'{"rows": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b'"}'
    response = client.put(OFFICE_RETURN, data=big, content_type="application/json", headers=office)
    assert response.status_code == 413


def test_a_huge_form_field_is_413(app, client, login_as):
    login_as("cgst-mum-e")
    big = "x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 10)
    response = client.post("/mpr/corrections/1/reject", data={"reason": big, "csrf_token": "t"})
    assert response.status_code == 413


@pytest.mark.parametrize("path", ["/login/", "/api/v1/security/login"])
def test_anonymous_login_bodies_are_small(app, client, path):
    body = b"x" * (app.config["MPR_MAX_LOGIN_BYTES"] + 1)
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 413


def test_uploads_have_their_own_larger_limit(app):
    from app.security.edges import body_limit

    with app.test_request_context(f"{API}/returns/GI-GST-2/CGST-MUM-E/2024-01/upload", method="POST"):
        assert body_limit() == app.config["MPR_MAX_UPLOAD_BYTES"]
    with app.test_request_context(OFFICE_RETURN, method="PUT"):
        assert body_limit() == app.config["MAX_CONTENT_LENGTH"]
    assert app.config["MPR_MAX_UPLOAD_BYTES"] > app.config["MAX_CONTENT_LENGTH"]
