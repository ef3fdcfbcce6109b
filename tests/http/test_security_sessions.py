"""Sessions: a new one at login; logout, password change, deactivation and role change end every
session and token of the user server-side (a copied cookie stops working); idle and absolute
time-outs; cookie flags; redirects only to this site.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from http.cookies import SimpleCookie
from urllib.parse import quote, urlparse

import pytest

from tests.conftest import csrf_token, log_out
from tests.http.test_security_accounts import (
    api_login,
    events_about,
    new_active_user,
    password_form,
    sign_in,
    signed_in,
)

FAB_DEPRECATIONS = [
    pytest.mark.filterwarnings("ignore:'DateTimeField' renders:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Yielding raw tuples from iter_choices:DeprecationWarning"),
]


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie (what a thief would have)."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def works(client) -> bool:
    """Whether the client's session still opens a page that needs a signed-in user."""
    response = client.get("/mpr/")
    return response.status_code == 200


def token_works(app, token: str) -> bool:
    """Whether a JWT still opens the API."""
    client = app.test_client(use_cookies=False)
    return client.get("/api/v1/mpr/formats", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def refresh_works(app, refresh_token: str) -> bool:
    """Whether a refresh token still yields a new access token."""
    client = app.test_client(use_cookies=False)
    headers = {"Authorization": f"Bearer {refresh_token}"}
    return client.post("/api/v1/security/refresh", headers=headers).status_code == 200


def holdings(app, username: str, password: str) -> dict:
    """Two browser sessions, a copy of the first cookie, and API tokens of one user."""
    first, response = sign_in(app, username, password)
    assert signed_in(response)
    second, _ = sign_in(app, username, password)
    tokens = api_login(app, username, password, refresh=True).get_json()
    held = {"first": first, "second": second, "copy": copy_of(app, first)}
    held.update(access=tokens["access_token"], refresh=tokens["refresh_token"])
    assert all(works(held[k]) for k in ("first", "second", "copy"))
    assert token_works(app, held["access"]) and refresh_works(app, held["refresh"])
    return held


def assert_all_ended(app, held: dict, keep: str | None = None) -> None:
    """Every session, copy and token of `held` is dead (except the browser named `keep`)."""
    for name in ("first", "second", "copy"):
        if name != keep:
            response = held[name].get("/mpr/")
            assert response.status_code == 302 and "/login/" in response.location, name
    assert not token_works(app, held["access"]), "access token"
    assert not refresh_works(app, held["refresh"]), "refresh token"


# ----------------------------------------------------------------- a new session at login


def test_login_starts_a_new_session(app):
    username, password = new_active_user(app)
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"  # session fixation: a value set before login
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    _client, response = sign_in(app, username, password, client)
    assert signed_in(response)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_mpr_epoch") is not None and session.get("_mpr_login_at") is not None
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value != before


# ----------------------------------------------------------------- what ends every session


def test_logout_ends_every_session_and_token_of_the_user(app):
    username, password = new_active_user(app)
    held = holdings(app, username, password)
    response = log_out(app, held["first"])
    assert response.status_code == 302
    assert_all_ended(app, held)
    assert "logout" in [e.action for e in events_about(app, username)]
    assert signed_in(sign_in(app, username, password)[1])  # signing in again works


def test_a_password_change_ends_every_other_session_and_token(app):
    username, password = new_active_user(app)
    held = holdings(app, username, password)
    new = "otter paddles past the old mill"
    response = held["first"].post("/account/password", data=password_form(held["first"], password, new))
    assert response.status_code == 302
    assert works(held["first"])  # the browser that changed it goes on
    assert_all_ended(app, held, keep="first")
    assert token_works(app, api_login(app, username, new).get_json()["access_token"])


def _edit_user(app, admin, username: str, **changes):
    """Post FAB's user edit form as the administrator, changing `changes`."""
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        form = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "username": user.username,
            "email": user.email,
            "active": "y",
            "roles": [str(role.id) for role in user.roles],
        }
        pk = user.id
    form.update(changes)
    if form["active"] is None:
        del form["active"]
    token = csrf_token(admin.get(f"/users/edit/{pk}").get_data(as_text=True))
    return admin.post(f"/users/edit/{pk}", data={**form, "csrf_token": token})


@FAB_DEPRECATIONS[0]
@FAB_DEPRECATIONS[1]
def test_deactivation_ends_every_session_and_token(app, login_as):
    username, password = new_active_user(app)
    held = holdings(app, username, password)
    response = _edit_user(app, login_as("admin"), username, active=None)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert_all_ended(app, held)
    assert not signed_in(sign_in(app, username, password)[1])
    (event,) = [e for e in events_about(app, username) if e.action == "user-deactivated"]
    assert json.loads(event.before) == {"active": True} and json.loads(event.after) == {"active": False}
    assert event.actor == "admin"


@FAB_DEPRECATIONS[0]
@FAB_DEPRECATIONS[1]
def test_a_role_change_ends_every_session_and_token_and_is_audited(app, login_as):
    username, password = new_active_user(app)
    held = holdings(app, username, password)
    with app.app_context():
        zone = app.appbuilder.sm.find_role("Zone").id
    response = _edit_user(app, login_as("admin"), username, roles=[str(zone)])
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert_all_ended(app, held)
    (event,) = [e for e in events_about(app, username) if e.action == "roles-changed"]
    assert json.loads(event.before)["roles"] == ["Office"] and json.loads(event.after)["roles"] == ["Zone"]
    assert password not in (event.before + event.after)
    client, response = sign_in(app, username, password)
    assert signed_in(response) and client.get("/mpr/validation/").status_code == 200  # now a Zone user


def test_a_role_change_by_any_path_ends_the_sessions(app):
    """Not only FAB's form: any change of a user's roles, groups or activity bumps the session epoch."""
    from flask_appbuilder.security.sqla.models import Group

    from app.extensions import db

    username, password = new_active_user(app)
    held = holdings(app, username, password)
    with app.app_context():
        sm = app.appbuilder.sm
        group = Group(name=f"g-{username}")
        db.session.add(group)
        group.roles.append(sm.find_role("Board"))
        group.users.append(sm.find_user(username=username))  # a role by way of a group
        db.session.commit()
        db.session.delete(group)
        db.session.commit()
    assert_all_ended(app, held)


# ----------------------------------------------------------------- time-outs


@pytest.mark.parametrize(
    ("key", "age", "message"),
    [
        ("_mpr_seen", dt.timedelta(minutes=31), "period of inactivity"),
        ("_mpr_login_at", dt.timedelta(hours=8, minutes=1), "maximum length"),
    ],
)
def test_sessions_time_out(app, key, age, message):
    username, password = new_active_user(app)
    client, _ = sign_in(app, username, password)
    assert works(client)
    with client.session_transaction() as session:
        session[key] = session[key] - age.total_seconds()
    response = client.get("/mpr/")
    assert response.status_code == 302 and "/login/" in response.location
    assert message in client.get(response.location).get_data(as_text=True)
    assert not works(client)


def test_activity_keeps_a_session_alive(app):
    username, password = new_active_user(app)
    client, _ = sign_in(app, username, password)
    with client.session_transaction() as session:
        session["_mpr_seen"] -= 29 * 60  # 29 idle minutes: still within the 30
    assert works(client)


def test_time_outs_are_configured():
    from config import Config

    assert Config.MPR_IDLE_TIMEOUT_MINUTES == 30 and Config.MPR_ABSOLUTE_TIMEOUT_HOURS == 8
    assert dt.timedelta(hours=Config.MPR_ABSOLUTE_TIMEOUT_HOURS) >= Config.PERMANENT_SESSION_LIFETIME


# ----------------------------------------------------------------- cookies


def _session_cookie(app, response) -> SimpleCookie:
    name = app.config["SESSION_COOKIE_NAME"]
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            cookie = SimpleCookie()
            cookie.load(header)
            return cookie[name]
    raise AssertionError("no session cookie set")


def test_the_session_cookie_is_httponly_samesite_and_bounded(app):
    username, password = new_active_user(app)
    _client, response = sign_in(app, username, password)
    cookie = _session_cookie(app, response)
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # plain HTTP in the demo; see the next test
    expires = dt.datetime.strptime(cookie["expires"], "%a, %d %b %Y %H:%M:%S GMT")
    assert expires - dt.datetime.now(dt.UTC).replace(tzinfo=None) <= dt.timedelta(hours=8, minutes=1)


def test_the_secure_flag_is_configurable(app, monkeypatch):
    import config

    username, password = new_active_user(app)
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    _client, response = sign_in(app, username, password)
    assert _session_cookie(app, response)["secure"]
    assert config.ProductionConfig.SESSION_COOKIE_SECURE is True
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    assert config._env_bool("SESSION_COOKIE_SECURE", False) is True


# ----------------------------------------------------------------- redirects stay on this site

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "https:evil.example",
    "http://127.0.0.1@evil.example/",
    "http://localhost.evil.example/",
]


def _stays_here(location: str) -> bool:
    parsed = urlparse(location.replace("\\", "/"))
    return (
        parsed.scheme in ("", "http", "https")
        and parsed.netloc in ("", "localhost")
        and not location.startswith(("//", "\\"))
    )


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_never_leads_off_site(app, target):
    username, password = new_active_user(app)
    client, response = sign_in(app, username, password, next_url=quote(target, safe=""))
    if re.search(r"[\x00-\x1f]", target):  # the edge refuses control characters in any parameter
        assert response.status_code == 400 and "control character" in response.get_data(as_text=True)
        return
    assert signed_in(response) and _stays_here(response.location), response.location
    again = client.get(f"/login/?next={quote(target, safe='')}")  # already signed in
    assert _stays_here(again.location), again.location
    assert _stays_here(client.get("/back", headers={"Referer": target}).location)


def test_next_within_the_site_is_followed(app):
    username, password = new_active_user(app)
    _client, response = sign_in(app, username, password, next_url=quote("/mpr/status/", safe=""))
    assert response.location == "/mpr/status/"
    assert app.config["FAB_SAFE_REDIRECT_HOSTS"]
