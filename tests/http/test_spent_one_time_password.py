"""A one-time password used once but not followed by setting a password (issue 7 g).

The next login with it says it has been used and whom to ask, instead of "Invalid login.";
a wrong password still gets the usual answer, so nothing is revealed to a guesser.
"""

from __future__ import annotations

import datetime as dt

from tests.conftest import csrf_token, log_out
from tests.http.conftest import flashed
from tests.http.test_security_accounts import XLSX, provision, set_profile, sign_in, signed_in, workbook_rows


def _login_message(app, username: str, password: str) -> str:
    client, response = sign_in(app, username, password)
    assert not signed_in(response)
    return flashed(client.get(response.location).get_data(as_text=True))


def test_a_spent_one_time_password_says_it_was_used_and_whom_to_ask(app, login_as):
    username, otp = provision(app)
    holder, response = sign_in(app, username, otp)
    assert signed_in(response)
    log_out(app, holder)  # left without setting a password
    message = _login_message(app, username, otp)
    assert "This one-time password has already been used" in message
    assert "Ask your MIS administrator for a new one-time password" in message
    assert "Invalid login" not in message
    assert "Invalid login" in _login_message(app, username, "not the password at all")

    admin = login_as("admin")
    token = csrf_token(admin.get("/admin/accounts/").get_data(as_text=True))
    reissued = admin.post(f"/admin/accounts/{username}/reissue", data={"csrf_token": token})
    assert reissued.mimetype == XLSX
    new = workbook_rows(reissued.data)["GZ-MUM"][1][1]
    holder, response = sign_in(app, username, new)
    assert signed_in(response)
    log_out(app, holder)
    message = _login_message(app, username, new)
    assert "Shri Rakesh Kumar Verma (mis-admin@cbic.example.org), the administrator who issued it" in message


def test_an_expired_one_time_password_says_so(app):
    username, otp = provision(app)
    set_profile(app, username, otp_expires_at=dt.datetime(2000, 1, 1))
    assert "This one-time password has expired" in _login_message(app, username, otp)
