"""First login in a real browser: one-time password, forced password and profile, later changes.

A user is provisioned through the service inside the live app (as an administrator's
hand-over sheet would give it), then signs in with Chromium like a person would.
"""

from __future__ import annotations

import re
import uuid

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

PROFILE = {
    "#first_name": "Meera",
    "#last_name": "Deshpande",
    "#designation": "Assistant Commissioner",
    "#mobile": "+91 98200 45678",
}


@pytest.fixture
def newcomer(live_server) -> tuple[str, str]:
    """A freshly provisioned Office user and its one-time password."""
    from app.extensions import db
    from app.services.accounts import provisioning

    username = f"b-{uuid.uuid4().hex[:8]}"
    with live_server.app.app_context():
        (issued,) = provisioning.from_csv(f"username,role,office\n{username},Office,CGST-MUM-E\n", "tests")
        db.session.remove()
    return username, issued.password


def log_out(page) -> None:
    """Sign out through the navbar: open the user menu, press Logout (a POST form)."""
    page.click("a.dropdown-toggle:has(.fa-user)")
    with page.expect_navigation():
        page.click("form.mpr-logout button")


def sign_in(page, username: str, password: str) -> None:
    """Fill and send the login form."""
    page.goto("/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("input[type=submit]")


def fill_password_form(page, current: str, new: str, confirm: str | None = None, **profile) -> None:
    """Fill the password-and-profile form and save it."""
    page.fill("#current_password", current)
    page.fill("#new_password", new)
    page.fill("#confirm", confirm if confirm is not None else new)
    for selector, value in {**PROFILE, **{f"#{k.lstrip('#')}": v for k, v in profile.items()}}.items():
        page.fill(selector, value)
    with page.expect_navigation():
        page.click("#mpr-save-password")


def stored_profile(live_server, username: str) -> dict:
    """What the database holds for the user."""
    from app.extensions import db
    from app.security.sessions import profile_of

    with live_server.app.app_context():
        user = live_server.app.appbuilder.sm.find_user(username=username)
        profile = profile_of(user.id)
        found = {
            "name": (user.first_name, user.last_name),
            "email": user.email,
            "designation": profile.designation,
            "mobile": profile.mobile,
            "must_change": profile.must_change_password,
        }
        db.session.remove()
    return found


def test_first_login_forces_password_and_profile(page, live_server, newcomer, shots_dir):
    username, otp = newcomer
    sign_in(page, username, otp)
    expect(page).to_have_url(re.compile(r"/account/password$"))
    expect(page.locator("h2")).to_have_text("Set your password and profile")
    page.screenshot(path=str(shots_dir / "first-login-form.png"), full_page=True)

    page.goto("/mpr/")  # nothing else opens until the form is done
    expect(page).to_have_url(re.compile(r"/account/password$"))
    page.goto("/mpr/status/")
    expect(page).to_have_url(re.compile(r"/account/password$"))

    fill_password_form(page, otp, "password1234", email="meera.d@example.gov.in")  # common: refused
    expect(page.locator(".mpr-field-error").first).to_contain_text("known from breaches or is too common")
    fill_password_form(page, otp, "short one", email="meera.d@example.gov.in")
    expect(page.locator(".mpr-field-error").first).to_contain_text("at least 12 characters")
    fill_password_form(page, otp, "rivers run to the sea", email=f"{username}@users.invalid")
    expect(page.locator(".mpr-field-error")).to_contain_text("Invalid email address")
    assert stored_profile(live_server, username)["must_change"]

    fill_password_form(page, otp, "rivers run to the sea", email="Meera.D@Example.gov.in")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".alert-success")).to_contain_text("Password and profile saved.")
    page.goto("/mpr/")
    expect(page).to_have_url(re.compile(r"/mpr/$"))
    assert stored_profile(live_server, username) == {
        "name": ("Meera", "Deshpande"),
        "email": "meera.d@example.gov.in",
        "designation": "Assistant Commissioner",
        "mobile": "9820045678",
        "must_change": False,
    }

    log_out(page)
    sign_in(page, username, otp)  # the one-time password is spent
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator(".alert")).to_contain_text("Invalid login")
    sign_in(page, username, "rivers run to the sea")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_the_same_form_at_a_later_change_from_the_profile_link(page, live_server, newcomer):
    username, otp = newcomer
    sign_in(page, username, otp)
    fill_password_form(page, otp, "paper boats in the rain", email="first.change@example.gov.in")
    expect(page).to_have_url(re.compile(r"/$"))

    page.click("a.dropdown-toggle:has(.fa-user)")  # the user menu in the navbar
    page.click("text=Profile")
    expect(page).to_have_url(re.compile(r"/account/password$"))
    expect(page.locator("h2")).to_have_text("Change password and profile")
    expect(page.locator("#designation")).to_have_value("Assistant Commissioner")  # prefilled
    expect(page.locator("#email")).to_have_value("first.change@example.gov.in")

    fill_password_form(
        page, "not my password at all", "kites over the old fort", email="first.change@example.gov.in"
    )
    expect(page.locator(".mpr-field-error")).to_contain_text("This is not your current password")

    fill_password_form(
        page,
        "paper boats in the rain",
        "kites over the old fort",
        email="new.charge@example.gov.in",
        **{"#designation": "Deputy Commissioner"},
    )
    expect(page.locator(".alert-success")).to_contain_text("Password and profile saved.")
    stored = stored_profile(live_server, username)
    assert stored["designation"] == "Deputy Commissioner" and stored["email"] == "new.charge@example.gov.in"
    log_out(page)
    sign_in(page, username, "kites over the old fort")
    expect(page).not_to_have_url(re.compile(r"/login/"))
