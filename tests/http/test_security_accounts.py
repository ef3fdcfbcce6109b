"""Accounts: provisioning with one-time passwords, first login, the password rule, lockout, rate limits.

Every test works on users it provisions itself (never the demo users, which other tests
sign in as). Tests that need other configuration (rate limits, a Zone provisioned
whole) build their own app on a temporary SQLite file.
"""

from __future__ import annotations

import io
import os
import re
import uuid

import openpyxl
import pytest
from sqlalchemy import select

from tests.conftest import build_app, csrf_token, log_out

OTP_RE = re.compile(r"^[A-HJ-NP-Za-km-z2-9]{4}(-[A-HJ-NP-Za-km-z2-9]{4}){3}$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROFILE = {
    "first_name": "Asha",
    "last_name": "Kulkarni-Rao",
    "designation": "Deputy Commissioner",
    "mobile": "98200 12345",
}


# ----------------------------------------------------------------- helpers (also used by other files)


def provision(app, role: str = "Office", office: str = "CGST-MUM-E") -> tuple[str, str]:
    """A new user with a one-time password, through the provisioning service: (username, password)."""
    from app.services.accounts import provisioning

    username = f"t-{uuid.uuid4().hex[:10]}"
    with app.app_context():
        (issued,) = provisioning.from_csv(f"username,role,office\n{username},{role},{office}\n", "tests")
    return username, issued.password


def activate(app, username: str) -> str:
    """Give the user a password of its own, as a finished first login would; returns it."""
    from app.extensions import db
    from app.security.sessions import profile_of

    password = f"quiet river lantern {uuid.uuid4().hex[:6]}"
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.find_user(username=username)
        sm.reset_password(user.id, password)
        profile = profile_of(user.id)
        profile.must_change_password, profile.otp_expires_at = False, None
        db.session.commit()
    return password


def new_active_user(app, role: str = "Office", office: str = "CGST-MUM-E") -> tuple[str, str]:
    """A provisioned user past its first login: (username, password)."""
    username, _otp = provision(app, role, office)
    return username, activate(app, username)


def sign_in(app, username: str, password: str, client=None, next_url: str = ""):
    """Post the login form; returns (client, response)."""
    client = client or app.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    url = f"/login/?next={next_url}" if next_url else "/login/"
    response = client.post(url, data={"username": username, "password": password, "csrf_token": token})
    return client, response


def signed_in(response) -> bool:
    """Whether a login POST succeeded (FAB redirects back to the login page on failure)."""
    return response.status_code == 302 and "/login/" not in response.location


def api_login(app, username: str, password: str, **extra):
    """POST FAB's API login."""
    body = {"username": username, "password": password, "provider": "db", **extra}
    return app.test_client(use_cookies=False).post("/api/v1/security/login", json=body)


def events_about(app, username: str) -> list:
    """Audit events by or about `username`, oldest first."""
    from app.extensions import db
    from app.models.audit import AuditEvent

    with app.app_context():
        query = select(AuditEvent).where(
            (AuditEvent.actor == username) | (AuditEvent.object_key == f"user:{username}")
        )
        events = list(db.session.execute(query.order_by(AuditEvent.seq)).scalars())
        db.session.expunge_all()
    return events


def profile(app, username: str):
    """(user, profile) as stored, detached."""
    from app.extensions import db
    from app.security.sessions import profile_of

    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        found = profile_of(user.id)
        db.session.expunge_all()
    return user, found


def set_profile(app, username: str, **values) -> None:
    """Change stored profile fields of a user (expiry, lockout) directly."""
    from app.extensions import db
    from app.security.sessions import profile_of

    with app.app_context():
        found = profile_of(app.appbuilder.sm.find_user(username=username).id)
        for name, value in values.items():
            setattr(found, name, value)
        db.session.commit()


def password_form(client, current: str, new: str, **overrides) -> dict:
    """The password-and-profile form, filled."""
    token = csrf_token(client.get("/account/password").get_data(as_text=True))
    email = f"{uuid.uuid4().hex[:8]}@example.gov.in"
    data = {"current_password": current, "new_password": new, "confirm": new, "email": email, **PROFILE}
    return {**data, "csrf_token": token, **overrides}


def workbook_rows(content: bytes) -> dict[str, list[tuple]]:
    """Sheet name -> rows of an .xlsx."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def now():
    """UTC now, naive."""
    from app.security.sessions import now as _now

    return _now()


# ----------------------------------------------------------------- provisioning


def test_cli_provisions_from_a_csv_and_writes_the_handover_sheet(app, tmp_path):
    names = [f"t-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    source = tmp_path / "users.csv"
    source.write_text(f"username,role,office\n{names[0]},Office,CGST-MUM-E\n{names[1]},Zone,GZ-DEL\n")
    out = tmp_path / "handover.xlsx"
    result = app.test_cli_runner().invoke(args=["mpr", "provision", "--csv", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheets = workbook_rows(out.read_bytes())
    assert set(sheets) == {"GZ-MUM", "GZ-DEL"}  # one sheet per Zone
    header, row = sheets["GZ-MUM"]
    assert header[:4] == ("User id", "One-time password", "Role", "Office")
    assert row[0] == names[0] and OTP_RE.match(row[1]) and row[2:4] == ("Office", "CGST-MUM-E")
    user, stored = profile(app, names[0])
    assert stored.must_change_password and stored.otp_used_at is None
    days = (stored.otp_expires_at - now()).total_seconds() / 86400
    assert app.config["MPR_OTP_DAYS"] - 1 < days <= app.config["MPR_OTP_DAYS"]
    assert signed_in(sign_in(app, names[1], sheets["GZ-DEL"][1][1])[1])


def test_cli_creates_nothing_when_one_row_is_wrong(app, tmp_path):
    good, bad = f"t-{uuid.uuid4().hex[:8]}", f"t-{uuid.uuid4().hex[:8]}"
    source = tmp_path / "users.csv"
    source.write_text(f"username,role,office\n{good},Office,CGST-MUM-E\n{bad},Office,NO-SUCH-OFFICE\n")
    out = tmp_path / "handover.xlsx"
    result = app.test_cli_runner().invoke(args=["mpr", "provision", "--csv", str(source), "--out", str(out)])
    assert result.exit_code == 1
    assert "Nothing was created" in result.output and "line 3" in result.output
    with app.app_context():
        assert app.appbuilder.sm.find_user(username=good) is None
    assert not out.exists()


def test_the_admin_page_provisions_from_a_csv_upload(app, login_as):
    client = login_as("admin")
    name = f"t-{uuid.uuid4().hex[:8]}"
    page = client.get("/admin/accounts/").get_data(as_text=True)
    upload = (io.BytesIO(f"username,role,office\n{name},Office,CGST-DEL-N\n".encode()), "users.csv")
    response = client.post("/admin/accounts/provision", data={"csrf_token": csrf_token(page), "csv": upload})
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    (row,) = workbook_rows(response.data)["GZ-DEL"][1:]
    assert row[0] == name and OTP_RE.match(row[1])
    assert name in client.get("/admin/accounts/").get_data(as_text=True)  # waiting for first login


def test_the_handover_sheet_keeps_user_text_as_text():
    from app.services.accounts.provisioning import Issued, handover_workbook

    issued = Issued('=HYPERLINK("http://x")', "abcd-efgh", "Office", "X", "http://evil", "Z", now())
    book = openpyxl.load_workbook(io.BytesIO(handover_workbook([issued])))
    cells = {cell.value: cell.data_type for row in book["Z"].iter_rows() for cell in row}
    assert cells['=HYPERLINK("http://x")'] == "s" and cells["http://evil"] == "s"
    assert not book["Z"]._hyperlinks


@pytest.fixture(scope="module")
def limited_app(tmp_path_factory):
    """An app with login rate limits on (3 a minute, memory storage) on its own SQLite file."""
    folder = tmp_path_factory.mktemp("limited")
    application = build_app(
        f"sqlite:///{folder}/limited.sqlite",
        AUTH_RATE_LIMITED=True,
        RATELIMIT_ENABLED=True,
        AUTH_RATE_LIMIT="3 per minute",
    )
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def from_address(app, address: str):
    """A test client whose requests come from `address` (rate limits are per client address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_cli_provisions_a_whole_zone(limited_app, tmp_path):
    out = tmp_path / "zone.xlsx"
    result = limited_app.test_cli_runner().invoke(
        args=["mpr", "provision", "--zone", "GZ-DEL", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    sheets = workbook_rows(out.read_bytes())
    assert list(sheets) == ["GZ-DEL"]
    users = {row[0]: row for row in sheets["GZ-DEL"][1:]}
    assert {"gz-del", "cgst-del-n", "cgst-del-s"} <= set(users)
    assert users["gz-del"][2] == "Zone" and users["cgst-del-n"][2] == "Office"
    assert len({row[1] for row in users.values()}) == len(users)  # every password different


def test_the_admin_page_provisions_a_zone(limited_app):
    client = from_address(limited_app, "10.9.0.1")
    assert signed_in(sign_in(limited_app, "admin", limited_app.config["MPR_DEMO_PASSWORD"], client)[1])
    page = client.get("/admin/accounts/").get_data(as_text=True)
    assert 'value="CZ-CHE"' in page
    response = client.post(
        "/admin/accounts/provision", data={"zone": "CZ-CHE", "confirmed": "1", "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 200 and response.mimetype == XLSX
    rows = workbook_rows(response.data)["CZ-CHE"]
    assert rows[0][1] == "One-time password" and {"cz-che", "tut-cus"} <= {r[0] for r in rows[1:]}
    listed = client.get("/admin/accounts/").get_data(as_text=True)
    assert 'data-user="tut-cus"' in listed  # now waiting for its first login


# ----------------------------------------------------------------- one-time passwords


def test_a_one_time_password_works_once(app):
    username, otp = provision(app)
    client, response = sign_in(app, username, otp)
    assert signed_in(response)
    log_out(app, client)
    _client, again = sign_in(app, username, otp)
    assert not signed_in(again)
    assert api_login(app, username, otp).status_code == 401
    refused = [e for e in events_about(app, username) if e.action == "login-refused"]
    assert refused and "one-time password already used" in refused[0].after


def test_a_one_time_password_expires(app):
    username, otp = provision(app)
    set_profile(app, username, otp_expires_at=now().replace(year=2000))
    assert not signed_in(sign_in(app, username, otp)[1])
    assert any("expired" in (e.after or "") for e in events_about(app, username))


def test_reissue_invalidates_the_old_password_and_its_sessions(app, login_as):
    username, old = provision(app)
    holder, response = sign_in(app, username, old)
    assert signed_in(response)
    admin = login_as("admin")
    token = csrf_token(admin.get("/admin/accounts/").get_data(as_text=True))
    response = admin.post(f"/admin/accounts/{username}/reissue", data={"csrf_token": token})
    assert response.mimetype == XLSX
    (row,) = workbook_rows(response.data)["GZ-MUM"][1:]
    new = row[1]
    assert new != old and OTP_RE.match(new)
    assert "/login/" in holder.get("/account/password").location  # the old session ended
    assert not signed_in(sign_in(app, username, old)[1])
    assert signed_in(sign_in(app, username, new)[1])
    named = admin.post("/admin/accounts/reissue", data={"csrf_token": token, "username": username})
    assert named.mimetype == XLSX  # the same, for a user id typed on the page
    assert any(e.action == "otp-reissued" for e in events_about(app, username))


def test_fabs_own_user_forms_lead_to_provisioning(app, login_as):
    admin = login_as("admin")
    for path in ("/users/add", "/resetpassword/form?pk=1"):
        response = admin.get(path)
        assert response.status_code == 302 and response.location.endswith("/admin/accounts/"), path


# ----------------------------------------------------------------- first login and the profile


def test_with_a_one_time_password_only_the_password_form_opens(app):
    username, otp = provision(app)
    client, _ = sign_in(app, username, otp)
    paths = ["/", "/mpr/", "/mpr/status/", "/mpr/corrections/", "/mpr/f/dpm_gst_adj_2/CGST-MUM-E/2024-01"]
    for path in [*paths, "/users/userinfo/", "/admin/accounts/"]:
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith("/account/password"), path
    token = csrf_token(client.get("/account/password").get_data(as_text=True))
    saved = client.post("/mpr/f/dpm_gst_adj_2/CGST-MUM-E/2024-01", data={"csrf_token": token, "version": "0"})
    assert saved.location.endswith("/account/password")
    page = client.get("/account/password").get_data(as_text=True)
    assert "Set your password and profile" in page
    fresh, _otp = provision(app)
    assert api_login(app, fresh, _otp).status_code == 401  # no API token before the first change
    assert signed_in(sign_in(app, fresh, _otp)[1])  # ... and that attempt did not spend it


def test_the_first_login_sets_a_password_and_the_profile(app):
    username, otp = provision(app)
    client, _ = sign_in(app, username, otp)
    new = "monsoon ledger quietly stacks"
    data = password_form(client, otp, new, email="Asha.Rao@Example.gov.in")
    response = client.post("/account/password", data=data)
    errors = re.findall(r"mpr-field-error\">([^<]*)", response.get_data(as_text=True))
    assert response.status_code == 302, errors
    assert client.get("/mpr/").status_code == 200  # free to work; this session goes on
    user, stored = profile(app, username)
    assert (user.first_name, user.last_name, user.email) == (
        "Asha",
        "Kulkarni-Rao",
        "asha.rao@example.gov.in",
    )
    assert (stored.designation, stored.mobile, stored.must_change_password) == (
        "Deputy Commissioner",
        "9820012345",
        False,
    )
    assert not signed_in(sign_in(app, username, otp)[1])
    assert signed_in(sign_in(app, username, new)[1])
    actions = [e.action for e in events_about(app, username)]
    assert {"login", "password-changed", "profile-changed"} <= set(actions)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "t@users.invalid", "Invalid email"),  # the placeholder given at provisioning
        ("email", "not-an-address", "Invalid email"),
        ("mobile", "12345", "Ten digits"),
        ("mobile", "5820012345", "Ten digits"),
        ("first_name", "Asha2", "Letters"),
        ("designation", "", "This field is required"),
        ("confirm", "something else entirely", "The two passwords differ"),
        ("current_password", "not my password at all", "not your current password"),
    ],
)
def test_the_profile_and_password_form_is_validated(app, field, value, message):
    username, otp = provision(app)
    client, _ = sign_in(app, username, otp)
    response = client.post(
        "/account/password",
        data=password_form(client, otp, "monsoon ledger quietly stacks", **{field: value}),
    )
    assert response.status_code == 200
    assert message.lower() in response.get_data(as_text=True).lower()
    assert profile(app, username)[1].must_change_password  # nothing was saved


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short words", False),  # 11 characters
        ("twelve chars", True),  # 12: no digits, no capitals, no symbols needed
        ("a" * 3 + "b" * 9, False),  # two characters repeated
        ("tea kettle whistles softly", True),  # a plain passphrase
        ("monsoon clouds gather over the western ghats every single june!!", True),  # 64 are allowed
        ("Password@12345", False),  # a breached password with padding
        ("iloveyou1234", False),
        ("qwertyuiop123", False),
        ("Mumbai@2024!!", False),  # a local common base
        ("{user} is my name", False),  # contains the user id
    ],
)
def test_the_password_rule(app, password, accepted):
    username, otp = provision(app)
    client, _ = sign_in(app, username, otp)
    new = password.format(user=username)
    response = client.post("/account/password", data=password_form(client, otp, new))
    assert (response.status_code == 302) is accepted, response.get_data(as_text=True)[-3000:]


def test_the_common_password_list_is_large():
    from app.security.passwords import common_passwords, password_problems

    assert len(common_passwords()) >= 10_000
    assert password_problems(("abcdefghij" * 13)[:128]) == []  # 128 characters
    assert password_problems(("abcdefghij" * 13)[:129])  # over the maximum


def test_the_same_form_at_every_later_change(app):
    username, password = new_active_user(app)
    client, _ = sign_in(app, username, password)
    for path in ("/resetmypassword/form", "/users/userinfo/", "/userinfoeditview/form"):
        assert client.get(path).location.endswith("/account/password"), path
    page = client.get("/account/password").get_data(as_text=True)
    assert "Change password and profile" in page and 'name="designation"' in page
    same = client.post("/account/password", data=password_form(client, password, password))
    assert "different from the current one" in same.get_data(as_text=True)
    changed = client.post(
        "/account/password", data=password_form(client, password, "granite harbour evening tide")
    )
    assert changed.status_code == 302
    assert signed_in(sign_in(app, username, "granite harbour evening tide")[1])


# ----------------------------------------------------------------- lockout, answers, timing


def test_lockout_after_repeated_failures_on_every_login_path(app, login_as):
    username, password = new_active_user(app)
    user, _ = profile(app, username)
    for attempt in range(app.config["MPR_LOCKOUT_FAILURES"]):  # from many addresses: no throttle
        client = from_address(app, f"10.9.{attempt // 200}.{attempt % 200}")
        assert not signed_in(sign_in(app, username, "wrong password, surely", client=client)[1])
    assert not signed_in(sign_in(app, username, password)[1])  # the right password does not help now
    assert not signed_in(sign_in(app, user.email, password)[1])  # nor the e-mail address as user id
    assert api_login(app, username, password).status_code == 401
    actions = [e.action for e in events_about(app, username)]
    assert actions.count("login-failed") >= app.config["MPR_LOCKOUT_FAILURES"] and "lockout" in actions
    admin = login_as("admin")
    page = admin.get("/admin/accounts/").get_data(as_text=True)
    row = page[page.index(f'data-user="{username}"') :].split("</tr>")[0]
    assert "locked" in row
    admin.post(f"/admin/accounts/{username}/unlock", data={"csrf_token": csrf_token(page)})
    assert signed_in(sign_in(app, username, password)[1])
    assert "unlock" in [e.action for e in events_about(app, username)]


def test_a_lockout_ends_by_itself(app):
    username, password = new_active_user(app)
    set_profile(app, username, locked_until=now().replace(year=2000))
    assert signed_in(sign_in(app, username, password)[1])


def _answer(app, username: str, password: str) -> tuple:
    client, response = sign_in(app, username, password)
    page = client.get(response.location).get_data(as_text=True)
    flashed = re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return (
        response.status_code,
        response.location,
        [" ".join(re.sub("<[^>]+>", " ", f).split()) for f in flashed],
    )


def test_unknown_user_wrong_password_and_lockout_get_the_same_answer(app):
    username, password = new_active_user(app)
    locked, locked_password = new_active_user(app)
    set_profile(app, locked, locked_until=now().replace(year=2999))
    unknown = _answer(app, f"nobody-{uuid.uuid4().hex[:6]}", "whatever it is, 1")
    assert unknown == _answer(app, username, "not the password, 1")
    assert unknown == _answer(app, locked, locked_password)
    assert "Invalid login" in " ".join(unknown[2])
    answers = [
        api_login(app, f"nobody-{uuid.uuid4().hex[:6]}", "x"),
        api_login(app, username, "not the password, 2"),
        api_login(app, locked, locked_password),
    ]
    assert {(r.status_code, r.get_data(as_text=True)) for r in answers} == {
        (answers[0].status_code, answers[0].get_data(as_text=True))
    }
    assert answers[0].status_code == 401


def test_unknown_users_are_checked_against_a_hash_as_costly_as_real_ones(app):
    username, _password = new_active_user(app)
    with app.app_context():
        real = app.appbuilder.sm.find_user(username=username).password
    fake = app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"]
    assert real.split("$")[0] == fake.split("$")[0]  # same method and cost (FAB's default is scrypt)


def test_with_the_default_scrypt_the_fixed_hash_costs_what_real_ones_do(tmp_path):
    """Production hashes with scrypt: FAB's fixed hash is used (no scrypt run at start-up), same cost."""
    from werkzeug.security import generate_password_hash

    from app import create_app
    from tests.conftest import make_config

    config = make_config(f"sqlite:///{tmp_path / 'mpr.sqlite'}", FAB_PASSWORD_HASH_METHOD="scrypt")
    fake = create_app(config).config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"]
    assert fake.split("$")[0] == generate_password_hash("x", method="scrypt").split("$")[0]


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """Every password-hash check a login makes, as the hash's method and cost ("pbkdf2:sha256:1000")."""
    import flask_appbuilder.security.manager as fab_manager
    from werkzeug.security import check_password_hash

    import app.security.manager as mpr_manager

    seen: list[str] = []

    def recording(pwhash: str, password: str) -> bool:
        seen.append(pwhash.split("$")[0])
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(fab_manager, "check_password_hash", recording)
    monkeypatch.setattr(mpr_manager, "check_password_hash", recording)
    return seen


def test_every_failed_login_does_the_work_of_one_real_password_check(app, hash_checks):
    """No timing oracle: unknown user, wrong password and locked account each hash once, at the real cost.

    Timing the answers cannot tell these apart under the fast test hash (request overhead
    dominates), so the test counts the work instead: one check of a hash made with the same
    method and cost as a real user's stored password.
    """
    username, password = new_active_user(app)
    locked, locked_password = new_active_user(app)
    set_profile(app, locked, locked_until=now().replace(year=2999))
    with app.app_context():
        real_cost = app.appbuilder.sm.find_user(username=username).password.split("$")[0]
    attempts = {
        "unknown user": (f"nobody-{uuid.uuid4().hex[:6]}", "not it at all, 1"),
        "wrong password": (username, "not it at all, 2"),
        "locked account": (locked, locked_password),
    }
    for path, (name, secret) in attempts.items():
        hash_checks.clear()
        assert not signed_in(sign_in(app, name, secret)[1]), path
        assert hash_checks == [real_cost], f"{path}: {hash_checks} (a real password costs {real_cost})"
        hash_checks.clear()
        assert api_login(app, name, secret).status_code == 401, path
        assert hash_checks == [real_cost], f"API, {path}: {hash_checks} (a real password costs {real_cost})"
    hash_checks.clear()
    assert signed_in(sign_in(app, username, password)[1])
    assert hash_checks == [real_cost]


# ----------------------------------------------------------------- rate limits


def test_the_login_page_is_rate_limited(limited_app):
    client = from_address(limited_app, "10.9.1.1")
    answers = [sign_in(limited_app, "nobody", "wrong password!", client)[1].status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    other = from_address(limited_app, "10.9.1.2")  # another client is not affected
    assert sign_in(limited_app, "nobody", "wrong password!", other)[1].status_code == 302


def test_the_api_login_is_rate_limited(limited_app):
    client = from_address(limited_app, "10.9.2.1")
    body = {"username": "nobody", "password": "wrong", "provider": "db"}
    answers = [client.post("/api/v1/security/login", json=body).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    right = {"username": "admin", "password": limited_app.config["MPR_DEMO_PASSWORD"], "provider": "db"}
    assert client.post("/api/v1/security/login", json=right).status_code == 429  # even the right password
    assert from_address(limited_app, "10.9.2.2").post("/api/v1/security/login", json=right).status_code == 200


def test_rate_limit_storage_is_configurable():
    from config import Config, ProductionConfig

    if "RATELIMIT_STORAGE_URI" not in os.environ:
        assert Config.RATELIMIT_STORAGE_URI == "memory://"  # the demo keeps limits in memory
        assert ProductionConfig.RATELIMIT_STORAGE_URI.startswith("redis://")  # workers share them


def test_workers_sharing_redis_share_the_limit(tmp_path):
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings = {
        "AUTH_RATE_LIMITED": True,
        "RATELIMIT_ENABLED": True,
        "AUTH_RATE_LIMIT": "3 per minute",
        "RATELIMIT_STORAGE_URI": url,
        "RATELIMIT_KEY_PREFIX": f"mpr-test-{uuid.uuid4().hex}",
    }
    database = f"sqlite:///{tmp_path}/shared.sqlite"
    first, second = build_app(database, **settings), build_app(database, **settings)
    try:
        body = {"username": "nobody", "password": "wrong", "provider": "db"}
        for _ in range(3):
            assert (
                from_address(first, "10.9.3.1").post("/api/v1/security/login", json=body).status_code == 401
            )
        assert from_address(second, "10.9.3.1").post("/api/v1/security/login", json=body).status_code == 429
    finally:
        for application in (first, second):
            with application.app_context():
                from app.extensions import db

                db.engine.dispose()


# ----------------------------------------------------------------- the throttle (issue 8)


def test_failures_from_one_address_slow_that_address_down_and_not_the_real_user(app):
    username, password = new_active_user(app)
    attacker = from_address(app, "203.0.113.7")
    free = app.config["MPR_THROTTLE_FREE_FAILURES"]
    for _attempt in range(free + 1):
        sign_in(app, username, "a guess", client=attacker)
    # now throttled: even the right password is not checked from there, and the page says to wait
    _client, response = sign_in(app, username, password, client=attacker)
    assert not signed_in(response)
    assert "wait" in attacker.get(response.location).get_data(as_text=True)
    # the real user, from their own computer, signs in at once; the account is not locked
    assert signed_in(sign_in(app, username, password, client=from_address(app, "198.51.100.20"))[1])
    assert "login-throttled" in [e.action for e in events_about(app, username)]
    assert "lockout" not in [e.action for e in events_about(app, username)]


def test_the_api_login_is_throttled_the_same_way(app):
    username, password = new_active_user(app)
    free = app.config["MPR_THROTTLE_FREE_FAILURES"]
    client = from_address(app, "203.0.113.8")
    body = {"username": username, "password": "a guess", "provider": "db"}
    for _attempt in range(free + 1):
        assert client.post("/api/v1/security/login", json=body).status_code == 401
    right = client.post("/api/v1/security/login", json={**body, "password": password})
    assert right.status_code == 401
    elsewhere = from_address(app, "198.51.100.21")
    assert elsewhere.post("/api/v1/security/login", json={**body, "password": password}).status_code == 200


def test_waits_double_up_to_a_ceiling_and_a_success_clears_them(app):
    from app.security import throttle

    with app.app_context():
        free = app.config["MPR_THROTTLE_FREE_FAILURES"]
        waits = [throttle.delay_after(n) for n in range(1, free + 14)]
    assert waits[:free] == [0] * free
    assert waits[free : free + 4] == [1, 2, 4, 8]
    assert max(waits) == app.config["MPR_THROTTLE_MAX_SECONDS"]
    username, password = new_active_user(app)
    client = from_address(app, "203.0.113.9")
    for _attempt in range(free):
        sign_in(app, username, "a guess", client=client)
    assert signed_in(sign_in(app, username, password, client=client)[1])  # within the free tries
    log_out(app, client)
    for _attempt in range(free):  # the success cleared the count: free tries again
        sign_in(app, username, "a guess", client=client)
    assert signed_in(sign_in(app, username, password, client=client)[1])


def test_unknown_user_ids_are_throttled_too(app):
    client = from_address(app, "203.0.113.10")
    nobody = f"nobody-{uuid.uuid4().hex[:6]}"
    for _attempt in range(app.config["MPR_THROTTLE_FREE_FAILURES"] + 1):
        sign_in(app, nobody, "x", client=client)
    _client, response = sign_in(app, nobody, "x", client=client)
    assert "wait" in client.get(response.location).get_data(as_text=True)
