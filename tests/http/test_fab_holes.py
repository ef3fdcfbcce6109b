"""The five holes of a plain Flask-AppBuilder 5.3 set-up, each shown open there and closed here.

For each hole the test builds, inside the test, a minimal plain FAB app (AppBuilder, one
ModelView with `base_filters` and an `@action`, FAB's default configuration) on a
temporary SQLite file and shows the hole EXISTS; then it shows the MIS closes it.

1. `@action` endpoints and creation ignore `base_filters`;
2. no global CSRF protection (only WTForms forms carry a token);
3. `AUTH_RATE_LIMITED` covers /login/ but not /api/v1/security/login;
4. no lockout: failed logins are only counted;
5. logout leaves a copied session cookie valid.
"""

from __future__ import annotations

import pytest
from flask import Flask, redirect
from flask_appbuilder import AppBuilder, ModelView
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.base import SQLA
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tests.conftest import build_app, csrf_token, log_out
from tests.http.conftest import count_returns, get_grid, grid_url
from tests.http.test_access_matrix import Requester, session_csrf
from tests.http.test_security_accounts import api_login, new_active_user, sign_in, signed_in

PASSWORD = "plain fab admin password"
FAB_DEPRECATIONS = [
    pytest.mark.filterwarnings("ignore:'DateTimeField' renders:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Yielding raw tuples from iter_choices:DeprecationWarning"),
]
pytestmark = FAB_DEPRECATIONS


class PlainBase(DeclarativeBase):
    """The plain app's own models (kept out of FAB's shared metadata, which the MIS syncs)."""


class Case(PlainBase):
    """A record belonging to one office; the view shows only MUM's."""

    __tablename__ = "plain_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(50))


def plain_fab_app(folder, **config) -> Flask:
    """A minimal FAB 5.3 app with FAB's defaults: one filtered ModelView with a bulk action."""
    app = Flask("plain_fab")
    app.config.update(
        SECRET_KEY="plain-fab-secret",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/plain.sqlite",
        FAB_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
        RATELIMIT_STORAGE_URI="memory://",
        **config,
    )
    db = SQLA()
    db.init_app(app)

    class CaseView(ModelView):
        datamodel = SQLAInterface(Case)
        base_filters = [["office", FilterEqual, "MUM"]]  # this view is for Mumbai's cases only
        add_columns = edit_columns = list_columns = ["office", "title"]

        @action("close", "Close", "Close the selected cases?", "fa-lock", single=False)
        def close(self, items):
            for item in items:
                item.title = "closed"
            self.datamodel.session.commit()
            return redirect(self.get_redirect())

    with app.app_context():
        PlainBase.metadata.create_all(db.engine)
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        appbuilder.add_view(CaseView, "Cases")
        sm = appbuilder.sm
        sm.add_user(
            "admin", "Plain", "Admin", "admin@plain.example", sm.find_role("Admin"), password=PASSWORD
        )
        db.session.add_all([Case(id=1, office="MUM", title="open"), Case(id=2, office="DEL", title="open")])
        db.session.commit()
    return app


def plain_login(app, client=None, password: str = PASSWORD):
    """Sign in to the plain app through FAB's login form."""
    client = client or app.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"username": "admin", "password": password, "csrf_token": token})
    return client, response


def cases(app) -> dict[int, tuple[str, str]]:
    """Every Case as stored: id -> (office, title)."""
    with app.app_context():
        rows = app.appbuilder.session.execute(select(Case)).scalars()
        return {case.id: (case.office, case.title) for case in rows}


@pytest.fixture
def plain(tmp_path):
    """A plain FAB app with FAB's defaults."""
    return plain_fab_app(tmp_path)


# ----------------------------------------------------------------- 1. actions and creation


def test_hole_1_in_plain_fab_actions_and_creation_ignore_row_filters(plain):
    client, response = plain_login(plain)
    assert signed_in(response)
    assert client.get("/caseview/show/2").status_code == 404  # the filter hides Delhi's case ...
    response = client.post("/caseview/action_post", data={"action": "close", "rowid": ["2"]})
    assert response.status_code == 302
    assert cases(plain)[2] == ("DEL", "closed")  # ... yet the action changed it
    token = csrf_token(client.get("/caseview/add").get_data(as_text=True))
    client.post("/caseview/add", data={"office": "DEL", "title": "planted", "csrf_token": token})
    assert ("DEL", "planted") in cases(plain).values()  # and a case outside the filter was created


def test_hole_1_closed_the_mis_guard_applies_row_filters_to_every_action(tmp_path):
    from app.security.modelviews import register_model_view_guard

    guarded = plain_fab_app(tmp_path)
    register_model_view_guard(guarded)  # the same guard the MIS installs on every app
    client, _ = plain_login(guarded)
    response = client.post("/caseview/action_post", data={"action": "close", "rowid": ["1", "2"]})
    assert response.status_code == 404
    assert client.post("/caseview/action_post", data={"action": "no-such", "rowid": ["1"]}).status_code == 404
    assert cases(guarded) == {1: ("MUM", "open"), 2: ("DEL", "open")}  # nothing closed
    assert client.post("/caseview/action_post", data={"action": "close", "rowid": ["1"]}).status_code == 302
    assert cases(guarded)[1] == ("MUM", "closed")  # within the filter it works as before


def test_hole_1_closed_mis_actions_and_creation_check_jurisdiction(app, login_as, api_token, client):
    office = login_as("cgst-mum-e")
    own = get_grid(office, "dpm_gst_adj_2", "CGST-MUM-E", "2024-01")
    form = {"csrf_token": own.csrf, "version": "0", "cell|_|RECEIPT_NO": "1"}
    for step in ("", "/submit", "/correct"):  # create (save), submit, raise a correction: foreign office
        response = office.post(grid_url("dpm_gst_adj_2", "CGST-DEL-N", "2024-01") + step, data=form)
        assert response.status_code == 404, step
    zone = Requester(app).page_client("gz-mum")
    validate = zone.post(
        "/mpr/validation/DGICCE/CGST-DEL-N/2024-01", data={"csrf_token": session_csrf(app, zone)}
    )
    assert validate.status_code == 404
    body = {"version": 0, "rows": {"_": {"RECEIPT_NO": 1}}}
    headers = api_token("cgst-mum-e")
    assert (
        client.put(
            "/api/v1/mpr/returns/DPM-GST-ADJ-2/CGST-DEL-N/2024-01", json=body, headers=headers
        ).status_code
        == 404
    )
    assert count_returns(app) == 0  # nothing was created anywhere


def test_hole_1_closed_the_one_mis_model_view_over_jurisdictional_data_is_filtered_and_routes_no_edits(app):
    """Besides FAB's admin lists, only the helpdesk queue is a ModelView: row-filtered (the guard applies
    the filters to its actions: tests/messaging/test_helpdesk_queue.py) and with no add/edit/delete routes."""
    from flask_appbuilder.security.sqla import models

    from app.models.messaging import HelpdeskQuery

    fab_models = {
        models.User,
        models.Role,
        models.Group,
        models.Permission,
        models.ViewMenu,
        models.PermissionView,
    }
    model_views = [v for v in app.appbuilder.baseviews if isinstance(v, ModelView)]
    mis_views = [v for v in model_views if v.datamodel.obj not in fab_models]
    assert [v.datamodel.obj for v in mis_views] == [HelpdeskQuery]
    for view in mis_views:
        assert view.base_filters
        routed = {
            r.endpoint.split(".", 1)[1]
            for r in app.url_map.iter_rules()
            if r.endpoint.startswith(f"{view.endpoint}.")
        }
        assert routed and not routed & {"add", "edit", "delete", "show", "download", "action"}, routed


# ----------------------------------------------------------------- 2. CSRF


def test_hole_2_in_plain_fab_there_is_no_global_csrf(plain):
    assert "csrf" not in plain.extensions
    client, _ = plain_login(plain)
    response = client.post("/caseview/action_post", data={"action": "close", "rowid": ["1"]})  # no token
    assert response.status_code == 302 and cases(plain)[1] == ("MUM", "closed")


def test_hole_2_closed_every_post_needs_a_token(app, login_as):
    assert "csrf" in app.extensions
    admin = login_as("admin")
    for path in (
        "/users/action_post",
        "/mpr/validation/DGICCE/CGST-MUM-E/2024-01",
        "/admin/accounts/provision",
    ):
        response = admin.post(path, data={"action": "resetpasswords", "rowid": ["1"]})
        assert response.status_code == 400, path
    assert signed_in(sign_in(app, "admin", app.config["MPR_DEMO_PASSWORD"])[1])


# ----------------------------------------------------------------- 3. rate limit on the API login


def _api_answers(app, count: int, address: str) -> list[int]:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    body = {"username": "admin", "password": "wrong password", "provider": "db"}
    return [client.post("/api/v1/security/login", json=body).status_code for _ in range(count)]


LIMITED = {"AUTH_RATE_LIMITED": True, "RATELIMIT_ENABLED": True, "AUTH_RATE_LIMIT": "2 per minute"}


def test_hole_3_in_plain_fab_the_api_login_is_not_rate_limited(tmp_path):
    limited = plain_fab_app(tmp_path, **LIMITED)
    client = limited.test_client()
    form = [plain_login(limited, client, "wrong password")[1].status_code for _ in range(3)]
    assert form[-1] == 429  # /login/ is limited ...
    assert _api_answers(limited, 6, "10.8.0.1") == [401] * 6  # ... the API login is not


def test_hole_3_closed_the_api_login_is_rate_limited(tmp_path):
    mis = build_app(f"sqlite:///{tmp_path}/mis.sqlite", **LIMITED)
    try:
        assert _api_answers(mis, 3, "10.8.0.2") == [401, 401, 429]
    finally:
        with mis.app_context():
            from app.extensions import db

            db.engine.dispose()


# ----------------------------------------------------------------- 4. lockout


def test_hole_4_in_plain_fab_failed_logins_are_only_counted(plain):
    for _ in range(10):
        assert not signed_in(plain_login(plain, password="wrong password")[1])
    with plain.app_context():
        assert plain.appbuilder.sm.find_user(username="admin").fail_login_count == 10
    assert signed_in(plain_login(plain)[1])  # the right password still works at once


def test_hole_4_closed_repeated_failures_lock_the_account(app):
    username, password = new_active_user(app)
    for attempt in range(app.config["MPR_LOCKOUT_FAILURES"]):  # many addresses, so the throttle stays out
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.8.{attempt // 200}.{attempt % 200}"
        sign_in(app, username, "wrong password", client=client)
    assert not signed_in(sign_in(app, username, password)[1])
    assert api_login(app, username, password).status_code == 401


# ----------------------------------------------------------------- 5. logout and a copied cookie


def _copy(app, client):
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def test_hole_5_in_plain_fab_a_copied_cookie_outlives_logout(plain):
    client, _ = plain_login(plain)
    thief = _copy(plain, client)
    client.get("/logout/")
    assert client.get("/caseview/list/").status_code == 302  # the browser is signed out ...
    assert thief.get("/caseview/list/").status_code == 200  # ... the copy still works


def test_hole_5_closed_logout_ends_the_copied_cookie_too(app):
    username, password = new_active_user(app)
    client, _ = sign_in(app, username, password)
    thief = _copy(app, client)
    assert thief.get("/mpr/").status_code == 200
    log_out(app, client)
    response = thief.get("/mpr/")
    assert response.status_code == 302 and "/login/" in response.location
