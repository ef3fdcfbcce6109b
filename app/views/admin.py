"""Administrator pages: provision users with one-time passwords; see and clear lockouts.

Also FAB's own user administration, narrowed to what fits the MIS: users are created
only by provisioning (never by FAB's add form, which would make a user without an
office, a one-time password or a session epoch), and an administrator never types a
user's password (a new one-time password is issued instead).
"""

from __future__ import annotations

import datetime as dt

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.views import ResetPasswordView, UserDBModelView, UserGroupModelView
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import or_, select

from app.extensions import db
from app.models.org import Office, OfficeKind, UserProfile
from app.presenters.display import moment
from app.security import permissions as p
from app.security import sessions
from app.services import audit
from app.services.accounts import provisioning
from app.views.downloads import xlsx_download


def _uploaded_text() -> str:
    """The CSV sent as a file or typed into the page; a file that is not UTF-8 text is refused."""
    upload = request.files.get("csv")
    if upload is None:
        return request.form.get("csv_text", "")
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise provisioning.ProvisioningError(
            _('the file is not UTF-8 text: save it from the spreadsheet as "CSV UTF-8" and send it again')
        ) from None


class AccountsView(BaseView):
    """Provisioning, one-time password re-issue and lockouts (Admin only)."""

    route_base = "/admin/accounts"
    default_view = "index"
    class_permission_name = p.ACCOUNTS
    method_permission_name = p.methods(
        read=("index",), edit=("provision", "reissue", "reissue_named", "unlock")
    )

    @expose("/")
    @has_access
    def index(self):
        """Zones to provision, and accounts that are locked or waiting for first login."""
        zones = db.session.execute(
            select(Office).where(Office.kind.in_([OfficeKind.ZONE, OfficeKind.DG_HQ])).order_by(Office.code)
        ).scalars()
        moment = sessions.now()
        watched = db.session.execute(
            select(UserProfile).where(
                or_(UserProfile.locked_until > moment, UserProfile.must_change_password)
            )
        ).scalars()
        sm = self.appbuilder.sm
        accounts = [(profile, sm.get_user_by_id(profile.user_id)) for profile in watched]
        return self.render_template("mpr/accounts.html", zones=list(zones), accounts=accounts, now=moment)

    @expose("/provision", methods=["GET", "POST"])
    @has_access
    def provision(self):
        """GET ?zone=: what provisioning the Zone would do; POST: create users, send the hand-over sheet."""
        if request.method == "GET":
            return self._confirm_zone(request.args.get("zone", ""))
        zone = request.form.get("zone")
        if zone and request.form.get("confirmed") != "1":
            return redirect(url_for("AccountsView.provision", zone=zone))  # never without asking first
        actor = g.user.username
        if zone:
            issued = provisioning.for_zone(zone, actor, request.form.get("include_settled") == "1")
        else:
            issued = provisioning.from_csv(_uploaded_text(), actor)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
        return xlsx_download(provisioning.handover_workbook(issued), f"one-time-passwords-{stamp}.xlsx")

    def _confirm_zone(self, zone_code: str):
        plan = provisioning.zone_plan(zone_code)
        return self.render_template("mpr/confirm_provision.html", plan=plan)

    @expose("/reissue", methods=["GET", "POST"])
    @has_access
    def reissue_named(self):
        """A new one-time password for the user id typed on the page (GET: ask first)."""
        username = (request.values.get("username") or "").strip()
        if request.method == "GET":
            return redirect(url_for("AccountsView.reissue", username=username or "-"))
        return self.reissue(username)

    @expose("/<username>/reissue", methods=["GET", "POST"])
    @has_access
    def reissue(self, username: str):
        """GET: what a new one-time password does, to confirm; POST: issue it (the old one stops working)."""
        if request.method == "GET":
            user = self.appbuilder.sm.find_user(username=username)
            profile = sessions.profile_of(user.id) if user is not None else None
            if profile is None:
                flash(_("%(username)s: no such user", username=username), "danger")
                return redirect(url_for("AccountsView.index"))
            return self.render_template("mpr/confirm_reissue.html", user=user, profile=profile)
        issued = provisioning.reissue(username, g.user.username)
        return xlsx_download(provisioning.handover_workbook([issued]), f"one-time-password-{username}.xlsx")

    @expose("/<username>/unlock", methods=["POST"])
    @has_access
    def unlock(self, username: str):
        """Lift a temporary lockout."""
        user = self.appbuilder.sm.find_user(username=username)
        profile = sessions.profile_of(user.id) if user is not None else None
        if profile is not None:
            profile.locked_until = None
            user.fail_login_count = 0
            audit.record(g.user.id, g.user.username, "unlock", "user", f"user:{username}")
            db.session.commit()
            flash(_("%(user)s unlocked.", user=username), "success")
        return redirect(url_for("AccountsView.index"))


class MprUserDBModelView(UserDBModelView):
    """FAB's user administration (list, show, edit roles, deactivate) without FAB's add form."""

    class_permission_name = "UserDBModelView"  # FAB's own permission names stay
    formatters_columns = dict.fromkeys(("last_login", "created_on", "changed_on"), moment)  # dd-mm-yyyy HH:MM

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        """Users are provisioned with a one-time password and an office: send the admin there."""
        flash(_("Users are created here, with an office and a one-time password."), "info")
        return redirect(url_for("AccountsView.index"))

    @expose("/userinfo/")
    @login_required
    def userinfo(self):
        """FAB's navbar 'Profile' link: every user's profile is the password-and-profile form."""
        return redirect(url_for("AccountView.password"))

    def process_form(self, form, is_created: bool) -> None:
        """Before FAB copies the form onto the user: remember the user as it was (for the audit)."""
        super().process_form(form, is_created)
        if not is_created:
            g.mpr_user_before = _user_state(self.datamodel.get(form._id))

    def pre_update(self, item) -> None:
        """Audit what the administrator changed (roles, deactivation, names); sessions end on commit."""
        super().pre_update(item)
        old, new = g.pop("mpr_user_before", None) or {}, _user_state(item)
        before = {k: v for k, v in old.items() if new.get(k) != v}
        after = {k: new[k] for k in before}
        if after:
            if "roles" in after or "groups" in after:
                action = "roles-changed"
            elif after.get("active") is False:
                action = "user-deactivated"
            else:
                action = "user-changed"
            audit.record(g.user.id, g.user.username, action, "user", f"user:{item.username}", before, after)

    def pre_delete(self, item) -> None:
        """Audit the deletion of a user."""
        super().pre_delete(item)
        before = {"username": item.username, "roles": sorted(role.name for role in item.roles)}
        audit.record(g.user.id, g.user.username, "user-deleted", "user", f"user:{item.username}", before)


def _user_state(user) -> dict:
    """What an administrator may change on a user, as plain values."""
    if user is None:
        return {}
    state = {name: getattr(user, name) for name in ("active", "username", "email", "first_name", "last_name")}
    state["roles"] = sorted(role.name for role in user.roles)
    state["groups"] = sorted(group.name for group in user.groups)
    return state


class MprGroupModelView(UserGroupModelView):
    """FAB's groups, read-only: the MIS grants roles to users directly, audited, never through groups."""

    class_permission_name = "UserGroupModelView"
    base_permissions = ["can_list", "can_show"]


class MprResetPasswordView(ResetPasswordView):
    """FAB's 'reset a user's password' would let an administrator choose it: issue a one-time password."""

    class_permission_name = "ResetPasswordView"

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        """Point the administrator at the one-time password re-issue."""
        return _to_reissue()

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        """Nothing is changed here: point the administrator at the one-time password re-issue."""
        return _to_reissue()


def _to_reissue():
    flash(_("Give the user a new one-time password instead."), "info")
    return redirect(url_for("AccountsView.index"))
