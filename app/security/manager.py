"""The MIS security manager: FAB's SQLA manager with the MIS's account rules.

- a login throttle per user id and address (app/security/throttle.py), and a temporary
  lockout only after many failed logins (visible to administrators);
- one-time passwords: single use, expiring; the holder must set a password and profile;
- every login, failure, lockout and logout written to the audit trail (no secrets);
- API tokens carry the user's session epoch and die with it.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from flask import current_app, flash, g, has_request_context, jsonify, request, session
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.security import language, sessions, throttle
from app.security.login_messages import LoginMessage, explain_spent_one_time_password

log = logging.getLogger(__name__)
OTP_USED = "one-time password already used"
OTP_EXPIRED = "one-time password expired"


def _audit(action: str, user, username: str, detail: dict | None = None) -> None:
    from app.services import audit

    audit.record(
        getattr(user, "id", None), username or "anonymous", action, "user", f"user:{username}", None, detail
    )


def _is_api_login() -> bool:
    return has_request_context() and request.path.startswith("/api/")


class MprSecurityManager(SecurityManager):
    """Security manager for the MIS."""

    # FAB's user statistics chart loads Google Charts from the internet (blocked by the
    # CSP, and unavailable on government networks): not registered.
    userstatschartview = None

    def __init__(self, appbuilder):
        # FAB checks unknown users against a fixed scrypt hash; when real hashes use
        # another method (tests use fast pbkdf2) an unknown user answers measurably
        # slower than a wrong password. Check against a hash made the same way instead.
        # With the default method, FAB's fixed hash (scrypt:32768:8:1, Werkzeug's default
        # parameters) already costs the same: no scrypt run at every start-up for it.
        method = current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt")
        if method != "scrypt":
            current_app.config.setdefault(
                "AUTH_DB_FAKE_PASSWORD_HASH_CHECK",
                generate_password_hash(
                    secrets.token_urlsafe(16),
                    method=method,
                    salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
                ),
            )
        super().__init__(appbuilder)

    @property
    def authdbview(self):
        """FAB's login view with logout as a POST (app/security/authview.py)."""
        from app.security.authview import AuthDBView

        return AuthDBView

    @property
    def resetmypasswordview(self):  # FAB instantiates this class attribute
        """FAB's reset-my-password view, redirected to the MIS password-and-profile form."""
        from app.views.account import MprResetMyPasswordView

        return MprResetMyPasswordView

    @property
    def userinfoeditview(self):
        """FAB's own profile editor, redirected to the MIS password-and-profile form."""
        from app.views.account import MprUserInfoEditView

        return MprUserInfoEditView

    @property
    def userdbmodelview(self):
        """FAB's user list, without creation (users are provisioned with one-time passwords)."""
        from app.views.admin import MprUserDBModelView

        return MprUserDBModelView

    @property
    def groupmodelview(self):
        """FAB's groups, read-only (roles are granted to users directly, and audited)."""
        from app.views.admin import MprGroupModelView

        return MprGroupModelView

    @property
    def resetpasswordview(self):
        """FAB's 'set another user's password', replaced by a new one-time password."""
        from app.views.admin import MprResetPasswordView

        return MprResetPasswordView

    def register_views(self):
        """FAB's security views; then point Flask-Login at the real login page.

        FAB sets `login_view = "login"`, an endpoint that does not exist, so every
        `@login_required` page crashed (500) for a visitor instead of asking to sign in.
        """
        super().register_views()
        self.lm.login_view = f"{type(self.auth_view).__name__}.login"
        self.auth_view.invalid_login_message = LoginMessage()  # says why when the holder may know

    def exist_permission_on_roles(self, view_name: str, permission_name: str, role_ids: list[int]) -> bool:
        """Whether one of the roles holds the permission on the view (grants read once per request).

        FAB asks once per menu item and protected view, one query each (about 12 per page, nearly half
        of a grid page's time); within a request the roles' (permission, view) pairs are read in one
        query and kept in `g`, so every later check is a set lookup. Outside a request: FAB's query.
        """
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        cache = g.setdefault("mpr_role_grants", {})
        key = tuple(sorted(role_ids))
        if key not in cache:
            cache[key] = self._grants_of_roles(key)
        return (permission_name, view_name) in cache[key]

    def _grants_of_roles(self, role_ids: tuple[int, ...]) -> frozenset[tuple[str, str]]:
        """Every (permission, view) pair the roles hold, in one query."""
        from flask_appbuilder.security.sqla.models import assoc_permissionview_role

        query = (
            select(self.permission_model.name, self.viewmenu_model.name)
            .select_from(self.permissionview_model)
            .join(self.permission_model, self.permission_model.id == self.permissionview_model.permission_id)
            .join(self.viewmenu_model, self.viewmenu_model.id == self.permissionview_model.view_menu_id)
            .join(
                assoc_permissionview_role,
                assoc_permissionview_role.c.permission_view_id == self.permissionview_model.id,
            )
            .where(assoc_permissionview_role.c.role_id.in_(role_ids))
        )
        return frozenset((permission, view) for permission, view in db.session.execute(query))

    def _find_login_user(self, username):
        """The user a login names: by user id, else by e-mail address (as FAB's own check does)."""
        if not username:
            return None
        return self.find_user(username=username) or self.find_user(email=username)

    def _refusal(self, user) -> str | None:
        profile = sessions.profile_of(user.id)
        if profile is None:
            return None
        moment = sessions.now()
        if profile.locked_until is not None and profile.locked_until > moment:
            return "locked"
        if profile.must_change_password and not profile.is_demo:
            if _is_api_login():
                return "password and profile must be set in the browser first"
            if profile.otp_used_at is not None:
                return OTP_USED
            if profile.otp_expires_at is not None and profile.otp_expires_at < moment:
                return OTP_EXPIRED
        return None

    def auth_user_db(self, username, password):
        """FAB's check, throttled per user id and address, refused while locked; same answer either way."""
        wait = throttle.wait_seconds(username)
        if wait:
            return self._throttled(username, wait)
        user = self._find_login_user(username)
        refusal = self._refusal(user) if user is not None else None
        if refusal:
            spent = refusal in (OTP_USED, OTP_EXPIRED) and not _is_api_login()
            if spent and check_password_hash(user.password, password or ""):
                explain_spent_one_time_password(user.username, "used" if refusal == OTP_USED else "expired")
            else:
                check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
            _audit("login-refused", user, username, {"why": refusal})
            throttle.record_failure(username)
            db.session.commit()
            return None
        found = super().auth_user_db(username, password)
        if found is None:
            if user is None:
                _audit("login-failed", None, str(username)[:80], {"why": "unknown user"})
            throttle.record_failure(username)
            db.session.commit()
        elif has_request_context():
            throttle.record_success(username)
            db.session.commit()
            chosen = session.get(language.SESSION_KEY)
            session.clear()  # a new session at every login (no fixation)
            language.carry_into_new_session(found, chosen)
        return found

    def _throttled(self, username, wait: int):
        """Refuse without checking the password (but as slowly); say how long to wait on the page."""
        check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
        _audit("login-throttled", None, str(username)[:80], {"wait": wait})
        db.session.commit()
        if has_request_context() and not _is_api_login():
            flash(
                _("Too many failed sign-ins with this user id from here: wait %(n)s seconds.", n=wait),
                "warning",
            )
        return None

    def on_user_login(self, user) -> None:
        """Record the login; a one-time password is spent by its first use."""
        profile = sessions.profile_of(user.id)
        if profile is not None and profile.must_change_password and profile.otp_used_at is None:
            profile.otp_used_at = sessions.now()
        if profile is not None:
            profile.locked_until = None
        _audit("login", user, user.username)
        db.session.commit()

    def on_user_login_failed(self, user) -> None:
        """Count the failure; lock the account for a while after too many."""
        profile = sessions.profile_of(user.id)
        limit = current_app.config["MPR_LOCKOUT_FAILURES"]
        _audit("login-failed", user, user.username, {"failures": user.fail_login_count})
        if profile is not None and (user.fail_login_count or 0) >= limit:
            minutes = current_app.config["MPR_LOCKOUT_MINUTES"]
            profile.locked_until = sessions.now() + dt.timedelta(minutes=minutes)
            user.fail_login_count = 0
            _audit("lockout", user, user.username, {"minutes": minutes})
        db.session.commit()

    def on_user_logout(self, user) -> None:
        """Logging out ends every session and token of the user."""
        sessions.bump_epoch(user.id)
        _audit("logout", user, user.username)
        db.session.commit()

    def create_jwt_manager(self, app):
        """FAB's JWT manager, with tokens bound to the user's session epoch."""
        jwt_manager = super().create_jwt_manager(app)

        @jwt_manager.additional_claims_loader
        def _claims(identity):
            return {"epoch": sessions.epoch_of(int(identity))}

        @jwt_manager.token_in_blocklist_loader
        def _revoked(_header, payload) -> bool:
            return payload.get("epoch") != sessions.epoch_of(int(payload["sub"]))

        def _not_logged_in(message: str):
            return jsonify(message=message), 401

        jwt_manager.invalid_token_loader(lambda reason: _not_logged_in("Invalid token"))
        jwt_manager.unauthorized_loader(lambda reason: _not_logged_in("Not logged in"))
        jwt_manager.expired_token_loader(lambda _h, _p: _not_logged_in("Token expired"))
        jwt_manager.revoked_token_loader(lambda _h, _p: _not_logged_in("Token revoked: sign in again"))
        jwt_manager.needs_fresh_token_loader(lambda _h, _p: _not_logged_in("Fresh token required"))
        jwt_manager.user_lookup_error_loader(lambda _h, _p: _not_logged_in("Unknown or inactive user"))
        return jwt_manager
