"""The web layer: CSRF on every state-changing request, no state change on GET, security
headers, generic error pages without stack traces, user text escaped, refusals audited.

The endpoint lists come from the application's URL map, like the access matrix.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid

import pytest
from sqlalchemy import select, text

from app.services.engine.grid import last_open_month
from tests.conftest import build_app, csrf_token
from tests.http.conftest import flashed
from tests.http.test_access_matrix import DEFINITIONS, Requester, _format_of, _month_for, session_csrf
from tests.http.test_security_accounts import events_about, new_active_user, password_form, sign_in

FAB_DEPRECATIONS = [
    pytest.mark.filterwarnings("ignore:'DateTimeField' renders:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Yielding raw tuples from iter_choices:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The Query.get:sqlalchemy.exc.LegacyAPIWarning"),  # FAB's related lists
]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_REFUSAL = "the form expired or was sent from elsewhere"
# No GET changes state: signing out, a GET in FAB, is a POST with CSRF here (issue 8).
GET_EXCEPTIONS: dict[str, str] = {}
VALUES = {
    "office_code": "CGST-MUM-E",
    "period": "2024-01",
    "number": "1",
    "pk": "1",  # real records: a GET must not change them
    "username": "cgst-mum-e",
    "filename": "nothing.txt",
    "locale": "en",
    "format_code": "DPM-GST-ADJ-2",
    "owner": "DGICCE",
    "version": "v1",  # the OpenAPI document
    "unit_code": "INDIA",  # reports
    "code": "REFUND_CATEGORY",  # master lists (and an MSR code that is not one: 404)
    "key": "EXCESS_CASH_LEDGER",
}


def url_rules(app, methods: set[str]):
    """(endpoint, path) for every URL rule accepting one of `methods`, static files aside."""
    adapter = app.url_map.bind("localhost")
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in ("static", "appbuilder.static") or not rule.methods & methods:
            continue
        values = {k: v for k, v in VALUES.items() if k in rule.arguments}
        if "period" in values and rule.endpoint.startswith("Format_"):  # a month the format is in force
            values["period"] = str(
                _month_for(DEFINITIONS.format(_format_of(rule.endpoint)), last_open_month())
            )
        if "name" in rule.arguments:
            view = next(
                v for v in app.appbuilder.baseviews if type(v).__name__ == rule.endpoint.split(".")[0]
            )
            values["name"] = next(iter(view.actions), "none")
        yield rule.endpoint, adapter.build(rule.endpoint, values), rule.methods & methods


# ----------------------------------------------------------------- CSRF


def test_csrf_protection_is_global_and_exempts_only_the_jwt_api(app):
    csrf = app.extensions["csrf"]
    exempt = {getattr(bp, "name", bp) for bp in csrf._exempt_blueprints}
    api_blueprints = {
        name for name, bp in app.blueprints.items() if (bp.url_prefix or "").startswith("/api/")
    }
    assert exempt <= api_blueprints | {"SecurityApi", "MenuApi", "OpenApi", "MprOpenApi", "SwaggerView"}
    assert not csrf._exempt_views
    assert app.config["WTF_CSRF_ENABLED"] and app.config["WTF_CSRF_CHECK_DEFAULT"] is not False


def test_every_state_changing_page_request_needs_a_csrf_token(app):
    requester = Requester(app)
    admin, office = requester.page_client("admin"), requester.page_client("cgst-mum-e")
    checked, unprotected = 0, []
    for endpoint, path, methods in url_rules(app, WRITES):
        if path.startswith("/api/"):
            continue
        for method in methods:
            for client in (admin, office, app.test_client()):
                for token in (None, "forged-token"):
                    data = {"csrf_token": token} if token else {}
                    response = client.open(path, method=method, data=data)
                    checked += 1
                    if response.status_code != 400 or CSRF_REFUSAL not in response.get_data(as_text=True):
                        unprotected.append(f"{method} {path} ({endpoint}): {response.status_code}")
    assert checked > 100 and not unprotected, "\n".join(unprotected)


def test_the_api_takes_no_cookies_so_it_needs_no_csrf_token(app, login_as):
    browser = login_as("cgst-mum-e")  # a signed-in browser: its cookie must not open the API
    refused = []
    for endpoint, path, methods in url_rules(app, WRITES):
        if not path.startswith("/api/") or endpoint.startswith("SecurityApi."):
            continue
        for method in methods:
            response = browser.open(path, method=method, json={})
            if response.status_code != 401:
                refused.append(f"{method} {path}: {response.status_code}")
    assert not refused, "the API answered a cookie instead of a JWT:\n" + "\n".join(refused)


def test_a_login_form_without_its_token_is_refused(app):
    response = app.test_client().post("/login/", data={"username": "admin", "password": "x"})
    assert response.status_code == 400 and "form expired or was sent from elsewhere" in response.get_data(
        as_text=True
    )


# ----------------------------------------------------------------- no state change on GET


def database_digest(app) -> str:
    """A hash of every table but the audit trail (refusals are audited, by design)."""
    from flask_appbuilder import Model

    from app.extensions import db

    digest = hashlib.sha256()
    with app.app_context():
        for table in sorted(Model.metadata.sorted_tables, key=lambda t: t.name):
            if table.name.startswith("mpr_audit"):
                continue
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest.update(f"{table.name}:{[tuple(map(str, row)) for row in rows]}".encode())
        db.session.rollback()
    return digest.hexdigest()


@FAB_DEPRECATIONS[0]
@FAB_DEPRECATIONS[1]
@FAB_DEPRECATIONS[2]
def test_no_get_request_changes_anything(app):
    requester = Requester(app)
    clients = {name: requester.page_client(name) for name in ("admin", "cgst-mum-e", "gz-mum", "dgicce")}
    tokens = {name: requester.token(name)["access_token"] for name in clients}
    before, changed, seen = database_digest(app), [], 0
    for endpoint, path, _methods in url_rules(app, {"GET"}):
        if endpoint in GET_EXCEPTIONS:
            continue
        for name, client in clients.items():
            if path.startswith("/api/"):
                headers = {"Authorization": f"Bearer {tokens[name]}"}
                app.test_client(use_cookies=False).get(path, headers=headers)
            else:
                client.get(path)
            seen += 1
        after = database_digest(app)
        if after != before:
            changed.append(f"GET {path} ({endpoint})")
            before = after
    assert seen > 400 and not changed, "GET requests that changed the database:\n" + "\n".join(changed)
    assert set(GET_EXCEPTIONS) <= {rule.endpoint for rule in app.url_map.iter_rules()}


def test_logout_is_a_post_with_csrf_and_a_get_or_a_forged_post_changes_nothing(app, login_as):
    client = login_as("cgst-mum-e")
    assert client.get("/logout/").status_code == 405
    forged = client.post("/logout/")  # another site's form: no token
    assert forged.status_code == 400 and CSRF_REFUSAL in forged.get_data(as_text=True)
    assert client.get("/mpr/").status_code == 200  # still signed in
    page = client.get("/mpr/").get_data(as_text=True)
    assert 'class="mpr-logout" method="post" action="/logout/"' in page
    signed_out = client.post("/logout/", data={"csrf_token": csrf_token(page)})
    assert signed_out.status_code == 302
    assert client.get("/mpr/").status_code == 302


def test_fab_refuses_deletes_and_actions_sent_as_get(app, login_as):
    admin = login_as("admin")
    before = database_digest(app)
    for path in ("/users/delete/1", "/roles/delete/1", "/users/action/resetpasswords/1"):
        assert admin.get(path).status_code == 302
    assert database_digest(app) == before
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="admin") is not None


# ----------------------------------------------------------------- headers


def _assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert (
        "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    )
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'self'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in (
        "same-origin",
        "no-referrer",
        "strict-origin-when-cross-origin",
    )


@pytest.mark.parametrize(
    "path",
    [
        "/login/",
        "/",
        "/mpr/",
        "/mpr/f/dpm_gst_adj_2/CGST-MUM-E/2024-01",
        "/account/password",
        "/no/such/page",
    ],
)
def test_security_headers_on_pages_and_errors(login_as, path):
    response = login_as("cgst-mum-e").get(path)
    _assert_security_headers(response)


def test_security_headers_on_the_api_and_on_refusals(app, api_token, client, login_as):
    _assert_security_headers(client.get("/api/v1/mpr/formats", headers=api_token("gz-mum")))
    _assert_security_headers(client.get("/api/v1/mpr/formats"))  # 401
    _assert_security_headers(login_as("cgst-mum-e").get("/admin/accounts/"))  # 403


def test_the_mis_pages_carry_no_inline_script(login_as):
    client = login_as("cgst-mum-e")
    for path in (
        "/",
        "/mpr/",
        "/mpr/f/dpm_gst_adj_2/CGST-MUM-E/2024-01",
        "/account/password",
        "/mpr/status/",
    ):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert not re.search(r"\son[a-z]+\s*=", page), f"inline event handler on {path}"


@FAB_DEPRECATIONS[0]
@FAB_DEPRECATIONS[1]
def test_fab_admin_scripts_run_only_with_the_responses_nonce(login_as):
    client = login_as("admin")
    first, second = client.get("/users/list/"), client.get("/users/list/")
    nonce = re.search(r"'nonce-([^']+)'", first.headers["Content-Security-Policy"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", first.get_data(as_text=True))
    assert inline and all(f'nonce="{nonce}"' in attributes for attributes in inline)
    assert nonce not in second.headers["Content-Security-Policy"]  # a new one each time


# ----------------------------------------------------------------- error pages


@pytest.fixture(scope="module")
def production_like(tmp_path_factory):
    """An app as in production (TESTING off), with a view that fails, on its own SQLite file."""
    folder = tmp_path_factory.mktemp("prod")
    application = build_app(f"sqlite:///{folder}/prod.sqlite", TESTING=False)

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret-internal-detail /etc/passwd")

    application.view_functions["UtilView.back"] = broken
    application.view_functions["MprApi.formats"] = broken
    yield application
    with application.app_context():
        from app.extensions import db

        db.engine.dispose()


def test_an_internal_error_shows_a_generic_page(production_like, caplog):
    client = production_like.test_client()
    response = client.get("/back")
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and "Something went wrong" in body
    assert "secret-internal-detail" not in body and "Traceback" not in body and "RuntimeError" not in body
    _assert_security_headers(response)
    assert "secret-internal-detail" in caplog.text  # ... it is in the log, for the administrators
    api = client.get("/api/v1/mpr/formats")  # the view fails before any authentication check
    assert api.status_code == 500 and api.get_json() == {"message": "Internal error"}


@pytest.mark.parametrize(
    ("path", "status"), [("/no/such/page", 404), ("/mpr/f/no_such_format/X/2024-01", 404)]
)
def test_not_found_pages_are_generic(login_as, path, status):
    response = login_as("gz-mum").get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == status and "outside your jurisdiction" in body
    assert "Traceback" not in body and "werkzeug" not in body.lower()


def test_a_refused_request_is_a_generic_403_and_audited_without_secrets(app):
    username, password = new_active_user(app)
    client, _ = sign_in(app, username, password)
    secret = f"secret-{uuid.uuid4().hex}"
    response = client.post(
        "/admin/accounts/provision", data={"csrf_token": session_csrf(app, client), "password": secret}
    )
    assert response.status_code == 403 and "Your role does not allow this" in response.get_data(as_text=True)
    assert client.get("/users/list/").status_code == 403
    refused = [e for e in events_about(app, username) if e.action == "refused"]
    assert [e.object_key for e in refused] == ["POST /admin/accounts/provision", "GET /users/list/"]
    assert all(e.actor_id is not None for e in refused)
    assert not any(secret in json.dumps([e.object_key, e.before, e.after, e.reason]) for e in refused)


def test_the_audit_trail_never_holds_a_password(app):
    from app.extensions import db

    username, password = new_active_user(app)
    client, _ = sign_in(app, username, password)
    sign_in(app, username, "the wrong one, on purpose")
    new = "lanterns drift over still water"
    client.post("/account/password", data=password_form(client, password, new))
    with app.app_context():
        stored = db.session.execute(text("SELECT * FROM mpr_audit_event")).all()
    everything = json.dumps([tuple(map(str, row)) for row in stored])
    for secret in (password, new, "the wrong one, on purpose", app.config["MPR_DEMO_PASSWORD"]):
        assert secret not in everything


# ----------------------------------------------------------------- user text is escaped

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_stored_text_is_escaped_in_pages(app, api_token, client):
    headers = api_token("cgst-mum-e")
    body = {"version": 0, "rows": {"new-1": {"PERSON_NAME": "O'Brien & Sons (Pvt) <b"}}}
    refused = client.put("/api/v1/mpr/returns/GI-GST-5/CGST-MUM-E/2024-01", headers=headers, json=body)
    assert refused.status_code == 422  # markup never gets in: names have a pattern
    body["rows"]["new-1"]["PERSON_NAME"] = "O'Brien & Sons (Pvt)"
    saved = client.put("/api/v1/mpr/returns/GI-GST-5/CGST-MUM-E/2024-01", headers=headers, json=body)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    # the draft is shown to its office only (the Zone reads it once submitted)
    page = (
        Requester(app)
        .page_client("cgst-mum-e")
        .get("/mpr/f/gi_gst_5/CGST-MUM-E/2024-01")
        .get_data(as_text=True)
    )
    assert "O&#39;Brien &amp; Sons (Pvt)" in page and "O'Brien & Sons" not in page


def test_rejected_text_shown_again_is_escaped(login_as):
    from tests.http.conftest import post_grid

    client = login_as("cgst-mum-e")
    response = post_grid(client, "gi_gst_5", "CGST-MUM-E", "2024-01", {("new-1", "PERSON_NAME"): PAYLOAD})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert PAYLOAD not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


def test_text_typed_into_forms_and_urls_comes_back_escaped(app, login_as):
    admin = login_as("admin")
    page = admin.get("/admin/accounts/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = admin.post("/admin/accounts/reissue", data={"csrf_token": token, "username": PAYLOAD})
    shown = response.get_data(as_text=True)  # refused on the error page: no such user, named escaped
    assert response.status_code == 422 and PAYLOAD not in shown and "&lt;img" in shown
    via_page = {"csrf_token": token, "username": PAYLOAD, "next": "/admin/accounts/"}  # as the page's form
    shown = admin.get(admin.post("/admin/accounts/reissue", data=via_page).location).get_data(as_text=True)
    assert PAYLOAD not in shown and "&lt;img" in shown
    zone = Requester(app).page_client("gz-mum")
    for path in (f"/mpr/status/?owner={PAYLOAD}", f"/mpr/?office={PAYLOAD}", f"/login/?next={PAYLOAD}"):
        assert PAYLOAD not in zone.get(path).get_data(as_text=True), path


@pytest.mark.parametrize("page", ["history", "correct", "revision/1"])
def test_format_pages_for_a_month_out_of_force_answer_without_crashing(app, page):
    client = Requester(app).page_client("mum-nch-imp1")
    response = client.get(f"/mpr/f/ddm_cus_1/MUM-NCH-IMP1/2024-01/{page}")  # DDM-CUS-1 ended in March 2018
    assert response.status_code == 302  # a page, not the API: the refusal is a flash on the to-do list
    assert response.location == "/mpr/?period=2024-01"
    assert "DDM-CUS-1 is not in force for January 2024." in flashed(
        client.get(response.location).get_data(as_text=True)
    )
