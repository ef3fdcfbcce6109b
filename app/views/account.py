"""Password and profile: the same form at first login and at every password change."""

from __future__ import annotations

import re

from flask import flash, g, redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.views import ResetMyPasswordView, UserInfoEditView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp

from app.extensions import db
from app.security import sessions
from app.security.passwords import MAX_LENGTH, password_problems
from app.services import audit

MOBILE_RE = r"^[6-9]\d{9}$"  # Indian mobile numbers: 10 digits starting 6-9
NAME_RE = r"^[A-Za-z][A-Za-z .'-]*$"


def _plain_mobile(value: str | None) -> str | None:
    """'+91 98200-12345' -> '9820012345': spaces, dashes and the country code are not part of it."""
    if not value:
        return value
    digits = re.sub(r"[\s().-]", "", value)
    return re.sub(r"^(\+91|0091|0)(?=\d{10}$)", "", digits)


def _profile_record(user, profile) -> dict:
    """The fields the profile form changes, as the audit trail records them before and after."""
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "designation": profile.designation if profile else None,
        "mobile": profile.mobile if profile else None,
    }


# WTForms has no Hindi catalogue: its default messages are given here, translatable.
_REQUIRED = DataRequired(message=_l("This field is required."))


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Field cannot be longer than %(max)d characters."))


class PasswordProfileForm(FlaskForm):
    """Current password, a new password, and the profile used for alerts."""

    current_password = PasswordField(_l("Current (or one-time) password"), validators=[_REQUIRED])
    new_password = PasswordField(_l("New password"), validators=[_REQUIRED, _at_most(MAX_LENGTH)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[_REQUIRED, EqualTo("new_password", _l("The two passwords differ."))],
    )
    first_name = StringField(
        _l("First name"),
        validators=[_REQUIRED, _at_most(64), Regexp(NAME_RE, message=_l("Letters, spaces, . ' - only."))],
    )
    last_name = StringField(
        _l("Last name"),
        validators=[_REQUIRED, _at_most(64), Regexp(NAME_RE, message=_l("Letters, spaces, . ' - only."))],
    )
    designation = StringField(_l("Designation"), validators=[_REQUIRED, _at_most(120)])
    email = EmailField(
        _l("E-mail"),
        validators=[
            _REQUIRED,
            Email(message=_l("Invalid email address."), check_deliverability=False),
            _at_most(320),
        ],
    )
    mobile = StringField(
        _l("Mobile number"),
        filters=[_plain_mobile],
        validators=[_REQUIRED, Regexp(MOBILE_RE, message=_l("Ten digits, starting with 6, 7, 8 or 9."))],
    )


class AccountView(BaseView):
    """/account/password: change the password and confirm the profile (forced at first login)."""

    route_base = "/account"
    default_view = "password"

    @expose("/password", methods=["GET", "POST"])
    @login_required
    @no_cache
    def password(self):
        """Show or process the password-and-profile form."""
        user = g.user
        profile = sessions.profile_of(user.id)
        form = PasswordProfileForm(obj=user)
        if not form.is_submitted() and profile is not None:
            form.designation.data, form.mobile.data = profile.designation, profile.mobile
        if form.validate_on_submit() and self._acceptable(form, user):
            self._apply(form, user, profile)
            flash(_("Password and profile saved."), "success")
            return redirect(url_for("HomeView.index"))
        forced = profile is not None and profile.must_change_password
        return self.render_template("mpr/account_password.html", form=form, forced=forced)

    def _acceptable(self, form: PasswordProfileForm, user) -> bool:
        ok = True
        if not check_password_hash(user.password, form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
            ok = False
        if form.new_password.data == form.current_password.data:
            form.new_password.errors.append(_("Choose a password different from the current one."))
            ok = False
        for problem in password_problems(form.new_password.data, user.username):
            form.new_password.errors.append(problem)
            ok = False
        existing = self.appbuilder.sm.find_user(email=form.email.data)
        if existing is not None and existing.id != user.id:
            form.email.errors.append(_("Another user already has this e-mail address."))
            ok = False
        return ok

    def _apply(self, form: PasswordProfileForm, user, profile) -> None:
        sm = self.appbuilder.sm
        before = _profile_record(user, profile)
        user.first_name, user.last_name = form.first_name.data.strip(), form.last_name.data.strip()
        user.email = form.email.data.strip().lower()
        sm.reset_password(user.id, form.new_password.data)  # hashes; the flush listener bumps the epoch
        if profile is not None:
            profile.designation = form.designation.data.strip()
            profile.mobile = re.sub(r"\D", "", form.mobile.data)
            profile.must_change_password, profile.otp_expires_at = False, None
        after = _profile_record(user, profile)
        audit.record(user.id, user.username, "password-changed", "user", f"user:{user.username}")
        audit.record(
            user.id, user.username, "profile-changed", "user", f"user:{user.username}", before, after
        )
        db.session.commit()
        sessions.start_session(current_user)  # this session continues under the new epoch


class _ToAccountForm:
    """FAB form endpoints (GET and POST /form) answered by a redirect to the MIS form."""

    @expose("/form", methods=["GET"])
    @login_required
    def this_form_get(self):
        """Redirect to the MIS password-and-profile form."""
        return redirect(url_for("AccountView.password"))

    @expose("/form", methods=["POST"])
    @login_required
    def this_form_post(self):
        """Redirect to the MIS password-and-profile form."""
        return redirect(url_for("AccountView.password"))


class MprResetMyPasswordView(_ToAccountForm, ResetMyPasswordView):
    """FAB's own 'reset my password' would skip the current password and the profile: send users to ours."""


class MprUserInfoEditView(_ToAccountForm, UserInfoEditView):
    """FAB's own profile editor skips validation and the audit trail: send users to ours."""

    route_base = "/userinfoeditview"  # FAB's own URL
    class_permission_name = "UserInfoEditView"
