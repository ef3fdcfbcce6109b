"""Irreversible one-click actions ask first and say what will happen (issue 7 d).

Validating lists the formats; provisioning a Zone counts the users who would be created
or get new passwords and by default leaves alone users who already set their own;
re-issuing a one-time password says what it ends. "Unlock" appears only for locked users.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import PG_URL, build_app, csrf_token, fresh_postgres_database
from tests.http.test_cycle import JAN, signed_in, statuses
from tests.http.test_security_accounts import XLSX, profile, provision, set_profile, workbook_rows
from tests.http.test_status_todo import file_all

CONFIRM = "/mpr/validation/DGCEI/CGST-MUM-E/" + JAN


def test_validation_asks_first_and_lists_the_formats(app):
    with app.test_request_context():
        file_all(validated=False)
    zone = signed_in(app, "gz-mum")
    listing = zone.get(f"/mpr/validation/?period={JAN}").get_data(as_text=True)
    assert (
        f'href="{CONFIRM}"' in listing and f'action="{CONFIRM}"' not in listing
    )  # a link, not a one-click form
    page = zone.get(CONFIRM)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for code, title in (
        ("GI-GST-2", "Investigation of cases (GST anti-evasion)"),
        ("GI-GST-4", ""),
        ("GI-GST-5", ""),
    ):
        assert f'data-format="{code}"' in text and title in text
    assert "cannot be undone" in text and "Validate 3 format(s)" in text
    assert set(statuses(app, "CGST-MUM-E", JAN).values()) == {"submitted"}  # asking changed nothing
    assert signed_in(app, "gz-del").get(CONFIRM).status_code == 404


def test_validation_page_says_when_nothing_can_be_validated_yet(app):
    text = signed_in(app, "gz-mum").get(CONFIRM).get_data(as_text=True)
    assert "Nothing can be validated yet: not submitted: GI-GST-2, GI-GST-4, GI-GST-5" in text
    assert 'id="mpr-confirm"' not in text


def test_reissue_asks_first_and_unlock_shows_only_for_locked_users(app, login_as):
    username, _otp = provision(app)
    before = profile(app, username)[0].password
    admin = login_as("admin")
    index = admin.get("/admin/accounts/").get_data(as_text=True)
    row = index[index.index(f'data-user="{username}"') :].split("</tr>")[0]
    assert f'href="/admin/accounts/{username}/reissue"' in row and 'method="post"' not in row
    assert "Unlock" not in row  # waiting for its first login, not locked
    page = admin.get(f"/admin/accounts/{username}/reissue")
    assert page.status_code == 200
    assert "current password stops working at once and every session of the user ends" in page.get_data(
        as_text=True
    )
    assert profile(app, username)[0].password == before  # asking changed nothing
    named = admin.get(f"/admin/accounts/reissue?username={username}")
    assert named.status_code == 302 and named.location.endswith(f"/admin/accounts/{username}/reissue")

    set_profile(
        app, username, locked_until=dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=1)
    )
    index = admin.get("/admin/accounts/").get_data(as_text=True)
    assert "mpr-unlock" in index[index.index(f'data-user="{username}"') :].split("</tr>")[0]


@pytest.fixture(scope="module")
def own_app(backend, tmp_path_factory):
    """An app on its own database: provisioning a Zone re-issues demo users' passwords."""
    if backend.startswith("postgresql"):
        assert PG_URL
        with fresh_postgres_database("mpr_confirm") as url:
            application = build_app(url)
            yield application
            _dispose(application)
    else:
        application = build_app(f"sqlite:///{tmp_path_factory.mktemp('confirm')}/confirm.sqlite")
        yield application
        _dispose(application)


def _dispose(application) -> None:
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_provisioning_a_zone_asks_first_and_leaves_users_with_their_own_password_alone(own_app):
    set_profile(own_app, "cgst-del-n", is_demo=False, must_change_password=False)  # chose a password
    set_profile(own_app, "cgst-del-s", is_demo=False, must_change_password=True)  # never logged in
    kept = profile(own_app, "cgst-del-n")[0].password
    admin = signed_in(own_app, "admin")
    index = admin.get("/admin/accounts/").get_data(as_text=True)
    assert 'action="/admin/accounts/provision" class="form-inline"' in index and 'method="get"' in index

    page = admin.get("/admin/accounts/provision?zone=GZ-DEL").get_data(as_text=True)
    assert "1 existing user(s) already set their own password and are left alone" in page
    assert "have not yet set a password will get a new one-time password" in page
    assert "cgst-del-n" in page  # named next to the box that would include them
    token = csrf_token(page)

    unasked = admin.post("/admin/accounts/provision", data={"zone": "GZ-DEL", "csrf_token": token})
    assert unasked.status_code == 302 and "zone=GZ-DEL" in unasked.location  # never without asking first
    assert profile(own_app, "cgst-del-n")[0].password == kept

    done = admin.post(
        "/admin/accounts/provision", data={"zone": "GZ-DEL", "confirmed": "1", "csrf_token": token}
    )
    assert done.status_code == 200 and done.mimetype == XLSX
    issued = {row[0] for row in workbook_rows(done.data)["GZ-DEL"][1:]}
    assert "cgst-del-s" in issued and "cgst-del-n" not in issued
    assert profile(own_app, "cgst-del-n")[0].password == kept

    everyone = admin.post(
        "/admin/accounts/provision",
        data={"zone": "GZ-DEL", "confirmed": "1", "include_settled": "1", "csrf_token": token},
    )
    assert "cgst-del-n" in {row[0] for row in workbook_rows(everyone.data)["GZ-DEL"][1:]}
    assert profile(own_app, "cgst-del-n")[0].password != kept
